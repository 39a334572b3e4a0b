// etcd as a highly available registry, against a real 3-member etcd cluster on loopback (skipped,
// saying so, when the etcd binary is not installed): calls, watches and lease renewals fail over
// between members; cached locations keep answering while no member can be reached, and a lookup
// that needs etcd then reaches the client as EtcdUnavailableError.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  EtcdGateway,
  EtcdLocations,
  EtcdUnavailableError,
  JobID,
  type KeyedJob,
  KvStateID,
  longSerializer,
  QueryableStateClient,
  reducingState,
  stringSerializer,
  TaskManager,
} from "../../mod.ts";
import { etcdBinary, startEtcdCluster, type TestEtcdCluster } from "../helpers/etcd.ts";
import { eventually as retryUntil } from "../helpers/eventually.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = Array.from({ length: 12 }, (_, i) => `k-${i}`);
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

const eventually = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> => retryUntil(what, fn, timeoutMs, 100);
const quiet = () => {};

describe("etcd endpoints", () => {
  test("a list of members is parsed and checked", async () => {
    const gateway = new EtcdGateway(" http://a:2379/, https://b:2379 ,");
    assert.deepEqual(gateway.endpoints, ["http://a:2379", "https://b:2379"]);
    assert.deepEqual(new EtcdGateway(["http://a:1", "http://b:2"]).endpoints, ["http://a:1", "http://b:2"]);
    assert.throws(() => new EtcdGateway(""), (e: Error) => (e as { code?: string }).code === "INVALID_ARGUMENT");
    assert.throws(() => new EtcdGateway("a:2379"), /not an http:\/\/ or https:\/\/ URL/);
    // Every member refuses: the call fails typed, naming what was tried.
    const dead = new EtcdGateway("http://127.0.0.1:9,http://127.0.0.1:7", { timeoutMs: 400 });
    await assert.rejects(dead.get("x"), (e: Error) => e instanceof EtcdUnavailableError && /127\.0\.0\.1:9/.test(e.message) && /127\.0\.0\.1:7/.test(e.message));
  });
});

const skip = etcdBinary() === undefined ? "etcd is not installed (apt-get install -y etcd-server); the etcd HA tests need a real etcd" : false;

describe("etcd as a highly available registry", { skip }, () => {
  let etcd: TestEtcdCluster;
  before(async () => {
    etcd = await startEtcdCluster(3);
  });
  after(async () => {
    await etcd?.stop();
  });

  const restartAll = async () => {
    await Promise.all(etcd.members.map(async (m) => {
      m.resume();
      if (m.child === undefined || m.child.exitCode !== null || m.child.signalCode !== null) await m.start();
    }));
  };

  test("unary calls move on from a dead member and from a stopped one", async () => {
    const gateway = new EtcdGateway(etcd.urls, { timeoutMs: 4000, attemptTimeoutMs: 500 });
    await gateway.put("/ha/a", "1");
    const first = gateway.url;
    const victim = etcd.members.find((m) => m.url === first)!;
    await victim.kill();
    try {
      await gateway.put("/ha/a", "2");
      assert.equal(await gateway.get("/ha/a"), "2");
      assert.notEqual(gateway.url, first, "the gateway remembers the member that answered");
      const lease = await gateway.grantLease(5);
      assert.equal(await gateway.keepAlive(lease), true);
      await victim.start(); // quorum needs two of three: one fault at a time
      // A stopped member keeps its socket open and answers nothing: the attempt timeout moves on.
      const stopped = etcd.members.find((m) => m.url === gateway.url)!;
      stopped.pause();
      try {
        assert.equal(await gateway.get("/ha/a"), "2");
        assert.equal(await gateway.keepAlive(lease), true);
        await gateway.revokeLease(lease);
      } finally {
        stopped.resume();
      }
    } finally {
      await restartAll();
    }
  });

  test("a watch moves to another member when its member dies and misses no change", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const gateway = new EtcdGateway(etcd.urls);
    const jobId = JobID.random();
    await gateway.put(`${prefix}job/${jobId}`, JSON.stringify({ vertices: [["v", 4]] }));
    const names = ["a", "b", "c", "d"];
    const put = (name: string, port: number) =>
      gateway.put(`${prefix}loc/${jobId}/${name}/0`, JSON.stringify({ vertex: "v", numKeyGroups: 4, range: [0, 3], kvStateId: KvStateID.random().toString(), address: ["127.0.0.1", port], tm: "x" }));
    for (const n of names) await put(n, 1);
    await using locations = new EtcdLocations(etcd.urls, { prefix, healthIntervalMs: 200, log: quiet });
    await locations.start();
    const changed: string[] = [];
    locations.onLocationChange((_job, name) => changed.push(name));
    for (const n of names) await locations.requestKvStateLocation(jobId, n);
    const watching = etcd.members.find((m) => m.url === locations.etcd.url)!;
    await watching.kill();
    try {
      // Changes made while the watch has no member: each one still reaches the cache once it is back.
      for (const n of names) await put(n, 2);
      await eventually("every change seen", () => assert.deepEqual([...changed].sort(), names));
      for (const n of names) {
        const location = await locations.requestKvStateLocation(jobId, n);
        assert.equal(location.getKvStateServerAddress(0)?.port, 2);
      }
    } finally {
      await restartAll();
    }
  });

  test("a watch that fell behind a compaction reads everything again", async () => {
    const gateway = new EtcdGateway(etcd.urls);
    const prefix = `/t-${crypto.randomUUID()}/`;
    await gateway.put(`${prefix}k`, "1");
    const { revision } = await gateway.rangePrefix(prefix);
    await gateway.put(`${prefix}k`, "2");
    await gateway.put(`${prefix}k`, "3");
    const { revision: now } = await gateway.rangePrefix(prefix);
    const res = await fetch(`${gateway.url}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: now, physical: true }) });
    assert.equal(res.status, 200);
    const abort = new AbortController();
    const compacted: string[] = [];
    const values: string[] = [];
    const watching = gateway.watch(prefix, {
      startRevision: revision,
      signal: abort.signal,
      onEvent: (e) => values.push(e.value),
      onCompacted: (r) => compacted.push(r),
    });
    await eventually("compaction reported", () => assert.deepEqual(compacted, [now]));
    await gateway.put(`${prefix}k`, "4");
    // It goes on from the compaction revision: the event at it (3) and the later one (4).
    await eventually("later events", () => assert.deepEqual(values.slice(-1), ["4"]));
    abort.abort();
    await watching;
  });

  test("a lease outlives the death of the member it was renewed on", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const jobId = JobID.random();
    const logs: string[] = [];
    await using tm = await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 2, log: (m) => logs.push(m) });
    await tm.serve(job(0, 1), { jobId, subtask: 0, parallelism: 1, maxParallelism: MAX }).ready;
    const gateway = new EtcdGateway(etcd.urls);
    const before = await gateway.rangePrefix(`${prefix}loc/`);
    assert.equal(before.kvs.length, 1);
    const membership = tm.membership as unknown as { etcd: EtcdGateway; lease: string };
    const victim = etcd.members.find((m) => m.url === membership.etcd.url)!;
    await victim.kill();
    try {
      // Three TTLs later the entry is still there, under the same lease.
      await new Promise((r) => setTimeout(r, 6000));
      const after = await gateway.rangePrefix(`${prefix}loc/`);
      assert.equal(after.kvs.length, 1);
      assert.equal(after.kvs[0].lease, before.kvs[0].lease);
      assert.equal(membership.lease, before.kvs[0].lease);
      assert.ok(!logs.some((l) => /expired/.test(l)), logs.join("\n"));
    } finally {
      await restartAll();
    }
  });

  test("with every member down, cached locations keep answering and a cold lookup fails with ETCD_UNAVAILABLE", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const jobId = JobID.random();
    const tms = [
      await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 5, log: quiet }),
      await TaskManager.join({ etcd: etcd.urls, etcdPrefix: prefix, leaseTtlSeconds: 5, log: quiet }),
    ];
    const clients: QueryableStateClient[] = [];
    try {
      const subtasks = tms.map((tm, i) => tm.serve(job(i, 2), { jobId, subtask: i, parallelism: 2, maxParallelism: MAX }));
      await Promise.all(subtasks.map((s) => s.ready));
      const expected = (key: string) => BigInt(subtasks.findIndex((s) => s.range.contains(computeKeyGroupForKeyHash(stringSerializer.hashCode(key), MAX))) + 1);
      const client = new QueryableStateClient("127.0.0.1", tms[0].proxyAddress.port, { requestTimeoutMs: 10_000 });
      clients.push(client);
      for (const key of KEYS) {
        const v = await eventually(key, () => client.getKvState(jobId, "counts", key, stringSerializer, counts));
        assert.equal(v.get(), expected(key));
      }
      await Promise.all(etcd.members.map((m) => m.kill()));
      // Past several health checks and lease renewals: nothing cached is dropped.
      await new Promise((r) => setTimeout(r, 2500));
      for (const key of KEYS) assert.equal((await client.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), expected(key));
      // A state this proxy never looked up needs etcd: the client gets the typed error.
      const other = reducingState("other", (a: bigint, b: bigint) => a + b, longSerializer);
      await assert.rejects(client.getKvState(jobId, "other", KEYS[0], stringSerializer, other), (e: Error) => {
        assert.ok(e instanceof EtcdUnavailableError, `${e.name}: ${e.message}`);
        assert.equal((e as EtcdUnavailableError).code, "ETCD_UNAVAILABLE");
        return true;
      });
      await restartAll();
      // Back: the task managers' leases were kept, lookups work again.
      for (const key of KEYS) assert.equal((await client.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), expected(key));
    } finally {
      await restartAll();
      for (const c of clients) await c.close();
      await Promise.all(tms.map((tm) => tm.close({ timeoutMs: 200 })));
    }
  });
});
