// Location entries a stranger cannot forge (against a real etcd on loopback; skipped, saying so, when the
// etcd binary is not installed): task managers sign their entries with the deployment's token, proxies
// refuse any entry without a valid signature for its key and lease, log it, and keep the last good
// location; the task manager puts its own entry back.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  EtcdGateway,
  EtcdLocations,
  JobID,
  type KeyedJob,
  KvStateClientProxy,
  KvStateServer,
  longSerializer,
  QueryableStateClient,
  reducingState,
  serializeValue,
  stringSerializer,
  TaskManager,
} from "../../mod.ts";
import { EntrySigner } from "../../src/cluster/etcd/entry-signing.ts";
import { etcdBinary, startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { eventually } from "../helpers/eventually.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const KEYS = ["ada", "bob", "cy", "dee", "eve"];
const TOKEN = "deployment-secret-0123456789";
const job: KeyedJob<string, string> = {
  sources: [KEYS],
  keyBy: (k) => k,
  keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
  steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(7n) }],
};

describe("etcd entry signatures", () => {
  test("a signature binds the key, the lease and the content", async () => {
    const signer = new EntrySigner(TOKEN);
    const sig = await signer.sign("/k", "42", ["v", 128]);
    assert.equal(await signer.verify("/k", "42", ["v", 128], sig), true);
    assert.equal(await signer.verify("/other", "42", ["v", 128], sig), false);
    assert.equal(await signer.verify("/k", "0", ["v", 128], sig), false);
    assert.equal(await signer.verify("/k", "42", ["v", 129], sig), false);
    assert.equal(await new EntrySigner("another-token").verify("/k", "42", ["v", 128], sig), false);
    assert.equal(await signer.verify("/k", "42", ["v", 128], undefined), false);
    assert.equal(await signer.verify("/k", "42", ["v", 128], "not base64!"), false);
  });
});

const skip = etcdBinary() === undefined ? "etcd is not installed (apt-get install -y etcd-server); the etcd forgery tests need a real etcd" : false;

describe("a stranger's etcd entries", { skip }, () => {
  let etcd: TestEtcd;
  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    await etcd?.stop();
  });

  test("are refused by warm and cold proxies, logged, and replaced by the task manager", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const jobId = JobID.random();
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    await using tm = await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 3, token: TOKEN, log });
    await tm.serve(job, { jobId, subtask: 0, parallelism: 1, maxParallelism: 128 }).ready;
    await using client = new QueryableStateClient("127.0.0.1", tm.proxyAddress.port, { requestTimeoutMs: 5000 });
    for (const key of KEYS) assert.equal((await eventually(key, () => client.getKvState(jobId, "counts", key, stringSerializer, counts), 20_000, 100)).get(), 7n);

    // The stranger serves 999 for every key and points the state's only entry at its own server, with no lease.
    await using stranger = new KvStateServer();
    const forgedId = stranger.registry.register({ getSerializedValue: () => serializeValue(999n, longSerializer) });
    const at = await stranger.start();
    const gateway = new EtcdGateway(etcd.url);
    const { kvs } = await gateway.rangePrefix(`${prefix}loc/`);
    assert.equal(kvs.length, 1);
    const real = kvs[0];
    assert.equal(typeof JSON.parse(real.value).sig, "string", "the task manager signs its entry");
    const forged = { vertex: JSON.parse(real.value).vertex, numKeyGroups: 128, range: [0, 127], kvStateId: forgedId.toString(), address: [at.hostname, at.port], tm: "stranger" };
    await gateway.put(real.key, JSON.stringify(forged));
    // A copy of the real, signed entry under another key or without its lease is refused too.
    await gateway.put(`${real.key}0`, real.value);

    // A cold proxy reading etcd now sees only refused entries for this state: never the stranger's values.
    await using cold = new EtcdLocations(etcd.url, { prefix, token: TOKEN, log });
    await cold.start();
    await using coldProxy = new KvStateClientProxy({ oracle: cold, requestTimeoutMs: 1000 });
    const coldAt = await coldProxy.start();
    await using coldClient = new QueryableStateClient(coldAt.hostname, coldAt.port, { requestTimeoutMs: 5000 });
    for (let round = 0; round < 3; round++) {
      for (const key of KEYS) {
        // The warm proxy keeps its last good location.
        assert.equal((await client.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), 7n);
        try {
          assert.equal((await coldClient.getKvState(jobId, "counts", key, stringSerializer, counts)).get(), 7n);
        } catch (e) {
          assert.notEqual((e as { code?: string }).code, undefined, String(e)); // a typed failure, never 999
        }
      }
    }
    assert.ok(cold.rejectedEntries >= 2, `rejected ${cold.rejectedEntries}`);
    assert.ok(logs.some((l) => l.includes(`Rejected etcd entry ${real.key}:`)), logs.join("\n"));
    assert.ok(logs.some((l) => l.includes(`Rejected etcd entry ${real.key}0:`)), logs.join("\n"));

    // Within a renewal period the task manager notices and puts its entry back; the cold proxy then answers.
    await eventually("entry restored", async () => {
      const v = JSON.parse((await gateway.get(real.key))!);
      assert.equal(v.tm, JSON.parse(real.value).tm);
    }, 10_000, 100);
    assert.ok(logs.some((l) => /was overwritten .* putting it back/.test(l)), logs.join("\n"));
    for (const key of KEYS) {
      assert.equal((await eventually(key, () => coldClient.getKvState(jobId, "counts", key, stringSerializer, counts), 10_000, 100)).get(), 7n);
    }
  });

  test("a task manager without the token cannot register with proxies that have it", async () => {
    const prefix = `/t-${crypto.randomUUID()}/`;
    const jobId = JobID.random();
    await using outsider = await TaskManager.join({ etcd: etcd.url, etcdPrefix: prefix, leaseTtlSeconds: 3, log: () => {} });
    await outsider.serve(job, { jobId, subtask: 0, parallelism: 1, maxParallelism: 128 }).ready;
    const logs: string[] = [];
    await using locations = new EtcdLocations(etcd.url, { prefix, token: TOKEN, log: (m) => logs.push(m) });
    await locations.start();
    // Its entries and its job are refused: for this deployment the job does not exist.
    await assert.rejects(locations.requestKvStateLocation(jobId, "counts"), (e: Error) => (e as { code?: string }).code === "UNKNOWN_JOB");
    assert.ok(logs.some((l) => /unsigned/.test(l)), logs.join("\n"));
  });
});
