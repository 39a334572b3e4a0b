// The etcd location registry against a real etcd (started here on loopback ephemeral ports;
// skipped, saying so, when the etcd binary is not installed).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  Coordinator,
  CoordinatorClient,
  JobID,
  KvStateClientProxy,
  KvStateID,
  longSerializer,
  QueryableStateClient,
  reducingState,
  stringSerializer,
  TaskManager,
  UnknownStateNameError,
  type KeyedJob,
} from "../../mod.ts";
import { EtcdGateway, EtcdUnavailableError } from "../../src/cluster/etcd/etcd-gateway.ts";
import { EtcdLocations } from "../../src/cluster/etcd/etcd-locations.ts";
import { etcdBinary, startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { eventually as retryUntil } from "../helpers/eventually.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = Array.from({ length: 24 }, (_, i) => `k-${i}`);
const MAX = 128;

function job(index: number, parallelism: number): KeyedJob<string, string> {
  const range = computeKeyGroupRangeForOperatorIndex(MAX, parallelism, index);
  return {
    sources: [KEYS.filter((k) => range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(k), MAX)))],
    keyBy: (k) => k,
    keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
    steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(BigInt(index + 1)) }],
  };
}

const eventually = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> => retryUntil(what, fn, timeoutMs, 200);

describe("etcd location registry without etcd", () => {
  test("a dead or hung etcd is reported with a typed error, not waited on", async () => {
    const locations = new EtcdLocations("http://127.0.0.1:9", { timeoutMs: 500 });
    await assert.rejects(locations.start(), (e: Error) => (e as { code?: string }).code === "ETCD_UNAVAILABLE");
    await locations.close();
    await assert.rejects(new EtcdGateway("http://127.0.0.1:9", { timeoutMs: 500 }).get("x"), EtcdUnavailableError);
  });
});

const skip = etcdBinary() === undefined ? "etcd is not installed (apt-get install -y etcd-server); the etcd registry tests need a real etcd" : false;

describe("etcd location registry", { skip }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test("two coordinators read one etcd: one dies and lookups keep working through the other", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const c1 = await Coordinator.serve({ etcd: etcd.url, etcdPrefix: prefix });
    const c2 = await Coordinator.serve({ etcd: etcd.url, etcdPrefix: prefix });
    const jobId = JobID.random();
    const tms = [
      await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 3 }),
      await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 3 }),
    ];
    const closers: (() => Promise<void>)[] = [];
    try {
      const subtasks = tms.map((tm, i) => tm.serve(job(i, 2), { jobId, subtask: i, parallelism: 2, maxParallelism: MAX }));
      await Promise.all(subtasks.map((s) => s.ready));
      const queryAll = async (proxyPort: number) => {
        const client = new QueryableStateClient("127.0.0.1", proxyPort, { requestTimeoutMs: 10_000 });
        closers.push(() => client.close());
        for (const key of KEYS) {
          const owner = subtasks.findIndex((s) => s.range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(key), MAX)));
          const v = await eventually(key, () => client.getKvState(jobId, "counts", key, stringSerializer, counts));
          assert.equal(v.get(), BigInt(owner + 1));
        }
      };
      const newProxy = async () => {
        const proxy = new KvStateClientProxy({ oracle: new CoordinatorClient([c1.address!, c2.address!]) });
        const { port } = await proxy.start();
        closers.push(() => proxy.close());
        return port;
      };
      await queryAll(await newProxy());
      // Task managers' own proxies read etcd directly.
      for (const tm of tms) await queryAll(tm.proxyAddress.port);
      await c1.close();
      // A cold proxy (nothing cached) still finds every location, through the second coordinator.
      await queryAll(await newProxy());
    } finally {
      for (const c of closers) await c();
      await Promise.all(tms.map((tm) => tm.close({ timeoutMs: 200 })));
      await c1.close();
      await c2.close();
    }
  });

  test("a task manager's entries vanish when its lease expires; a refresh after a failed query finds them gone", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const gateway = new EtcdGateway(etcd.url);
    const jobId = JobID.random();
    await gateway.put(`${prefix}job/${jobId}`, JSON.stringify({ vertices: [["v", 4]] }));
    const lease = await gateway.grantLease(2);
    const entry = { vertex: "v", numKeyGroups: 4, range: [0, 3], kvStateId: KvStateID.random().toString(), address: ["127.0.0.1", 1], tm: "dead" };
    await gateway.put(`${prefix}loc/${jobId}/s/0`, JSON.stringify(entry), lease);
    await using locations = new EtcdLocations(etcd.url, { prefix });
    await locations.start();
    const changes: string[] = [];
    locations.onLocationChange((_job, name) => changes.push(name));
    assert.equal((await locations.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 4);
    // Nobody renews the lease: etcd deletes the entry. A deletion alone keeps the cached location (its
    // server may still serve); a proxy whose query failed asks with refresh and learns it is gone.
    await eventually("expiry", async () => assert.equal(await gateway.get(`${prefix}loc/${jobId}/s/0`), undefined));
    assert.equal((await locations.requestKvStateLocation(jobId, "s")).numRegisteredKeyGroups, 4);
    await assert.rejects(locations.requestKvStateLocation(jobId, "s", { refresh: true }), UnknownStateNameError);
    await assert.rejects(locations.requestKvStateLocation(jobId, "s"), UnknownStateNameError);
    // Registered again, and then moved: the new entry drops the cached location at once (and tells the proxies).
    await gateway.put(`${prefix}loc/${jobId}/s/0`, JSON.stringify(entry));
    assert.equal((await locations.requestKvStateLocation(jobId, "s")).getKvStateServerAddress(0)?.port, 1);
    // (a read racing the first put's event is not cached: look up and move until a change is told)
    await eventually("put seen", async () => {
      await locations.requestKvStateLocation(jobId, "s");
      await gateway.put(`${prefix}loc/${jobId}/s/0`, JSON.stringify({ ...entry, address: ["127.0.0.1", 2] }));
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(changes.includes("s"));
    });
    await eventually("moved", async () => assert.equal((await locations.requestKvStateLocation(jobId, "s")).getKvStateServerAddress(0)?.port, 2));
  });

  test("close revokes the lease: a leaving task manager's entries go at once", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const jobId = JobID.random();
    const tm = await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 30 });
    await tm.serve(job(0, 1), { jobId, subtask: 0, parallelism: 1, maxParallelism: MAX }).ready;
    const gateway = new EtcdGateway(etcd.url);
    assert.equal((await gateway.rangePrefix(`${prefix}loc/`)).kvs.length, 1);
    await tm.close({ timeoutMs: 200 });
    assert.equal((await gateway.rangePrefix(`${prefix}loc/`)).kvs.length, 0);
  });
});
