// Ports of Flink's queryable-state IT cases (AbstractQueryableStateTestBase) against LocalCluster.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import type { Source } from "../../src/cluster/job.ts";
import { eventually } from "../helpers/eventually.ts";
import {
  aggregatingState,
  foldingState,
  intSerializer,
  JobID,
  listState,
  longSerializer,
  mapState,
  reducingState,
  StateNameClashError,
  stringSerializer,
  tupleSerializer,
  UnknownJobError,
  UnknownKeyOrNamespaceError,
  UnknownStateNameError,
  valueState,
} from "../../mod.ts";

type Pair = [number, bigint];
const pairSerializer = tupleSerializer<[number, bigint]>(intSerializer, longSerializer);
const SUM = 524800n; // 1 + 2 + ... + 1024

/** Emits (key, i) for i in 1..1024 and key in 0..keys-1, yielding to the event loop now and then. */
function counting(keys: number, upTo = 1024): Source<Pair> {
  return async function* () {
    for (let i = 1; i <= upTo; i++) {
      for (let k = 0; k < keys; k++) yield [k, BigInt(i)] as Pair;
      if (i % 64 === 0) await new Promise((r) => setTimeout(r, 0));
    }
  };
}

/** Emits (key, 1) for every key, forever (until the job is cancelled). */
function endless(keys: number): Source<Pair> {
  return async function* ({ signal }: { signal: AbortSignal }) {
    while (!signal.aborted) {
      for (let k = 0; k < keys; k++) yield [k, 1n] as Pair;
      await new Promise((r) => setTimeout(r, 1));
    }
  };
}

describe("LocalCluster (Flink IT cases)", () => {
  let cluster: LocalCluster;
  let client: QueryableStateClient;
  before(async () => {
    cluster = await LocalCluster.start({ taskManagers: 2 });
    const proxy = cluster.proxyAddresses[0];
    client = new QueryableStateClient(proxy.hostname, proxy.port, { requestTimeoutMs: 5000 });
  });
  after(async () => {
    await client.close();
    await cluster.close();
  });

  test("256 keys summed by a reducing state: all become non-zero and never decrease", async () => {
    const sums = reducingState("sums", (a: Pair, b: Pair): Pair => [a[0], a[1] + b[1]], pairSerializer, { queryable: "hakuna-matata" });
    const job = cluster.submit({
      parallelism: 4,
      maxParallelism: 4,
      sources: [endless(256)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "sum", states: [sums], process: (r, ctx) => ctx.state(sums).add(r) }],
    });
    try {
      const last = new Map<number, bigint>();
      for (let round = 0; round < 2; round++) {
        await Promise.all(Array.from({ length: 256 }, (_, key) =>
          eventually(`key ${key} in round ${round}`, async () => {
            const s = await client.getKvState(job.jobId, "hakuna-matata", key, intSerializer, sums);
            const [echoed, count] = s.get()!;
            assert.equal(echoed, key, "the key is echoed in the tuple");
            assert.ok(count > 0n);
            assert.ok(count >= (last.get(key) ?? 0n), "never decreasing");
            last.set(key, count);
          }, 10_000, 20)));
      }
    } finally {
      await job.cancel();
    }
  });

  test("two operators registering the same name fail the job", async () => {
    const a = valueState("a", longSerializer, { queryable: "duplicate-me" });
    const b = valueState("b", longSerializer, { queryable: "duplicate-me" });
    const job = cluster.submit({
      sources: [endless(4)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [
        { name: "first", states: [a], process: (r, ctx) => ctx.state(a).update(r[1]) },
        { name: "second", states: [b], process: (r, ctx) => ctx.state(b).update(r[1]) },
      ],
    });
    await assert.rejects(job.result, (e: unknown) => {
      assert.ok(e instanceof StateNameClashError);
      assert.match(e.message, /KvState with name 'duplicate-me' has already been registered by another operator/);
      return true;
    });
    assert.equal(job.status, "FAILED");
    await assert.rejects(client.getKvState(job.jobId, "duplicate-me", 1, intSerializer, a), UnknownJobError);
  });

  test("value state: each key shows its latest value", async () => {
    const latest = valueState("latest", pairSerializer, { queryable: "hakuna" });
    const job = cluster.submit({
      parallelism: 4,
      maxParallelism: 4,
      sources: [counting(4)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "latest", states: [latest], process: (r, ctx) => ctx.state(latest).update(r) }],
    });
    await job.sourcesDone;
    for (let key = 0; key < 4; key++) {
      const s = await client.getKvState(job.jobId, "hakuna", key, intSerializer, latest);
      assert.deepEqual(s.value(), [key, 1024n]);
    }
    await job.cancel();
  });

  test("a query before the job starts fails, then succeeds once it runs", async () => {
    const jobId = JobID.random();
    const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "early" });
    await assert.rejects(client.getKvState(jobId, "early", 1, intSerializer, counts), UnknownJobError);
    const job = cluster.submit({
      jobId,
      sources: [endless(8)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "count", states: [counts], process: (r, ctx) => ctx.state(counts).add(r[1]) }],
    });
    const s = await eventually("the early state", () => client.getKvState(jobId, "early", 1, intSerializer, counts), 10_000, 20);
    assert.ok(s.get()! > 0n);
    await job.cancel();
  });

  test("value state with a default: a missing key is still unknown", async () => {
    const withDefault = valueState("d", longSerializer, { queryable: "default-state", defaultValue: -1n });
    const job = cluster.submit({
      sources: [[[1, 5n] as Pair]],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "d", states: [withDefault], process: (r, ctx) => ctx.state(withDefault).update(r[1]) }],
    });
    await job.sourcesDone;
    assert.equal((await client.getKvState(job.jobId, "default-state", 1, intSerializer, withDefault)).value(), 5n);
    await assert.rejects(client.getKvState(job.jobId, "default-state", 0, intSerializer, withDefault), UnknownKeyOrNamespaceError);
    await job.cancel();
  });

  test("reducing, aggregating, folding, list and map states", async () => {
    const reducing = reducingState("jungle", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "jungle" });
    const aggregating = aggregatingState("aggr", {
      createAccumulator: () => "0",
      add: (v: Pair, acc: string) => String(BigInt(acc) + v[1]),
      getResult: (acc: string) => acc,
    }, stringSerializer, { queryable: "aggr-queryable" });
    const folding = foldingState("pumba", "0", (acc: string | null, v: Pair) => String(BigInt(acc ?? "0") + v[1]), stringSerializer, { queryable: "pumba" });
    const list = listState("list", longSerializer, { queryable: "list-queryable" });
    const map = mapState("timon", intSerializer, pairSerializer, { queryable: "timon-queryable" });
    const job = cluster.submit({
      parallelism: 4,
      maxParallelism: 4,
      sources: [counting(4)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{
        name: "all",
        states: [reducing, aggregating, folding, list, map],
        process(r, ctx) {
          ctx.state(reducing).add(r[1]);
          ctx.state(aggregating).add(r);
          ctx.state(folding).add(r);
          ctx.state(list).add(r[1]);
          const m = ctx.state(map);
          const prev = m.get(r[0]);
          m.put(r[0], [r[0], (prev?.[1] ?? 0n) + r[1]]);
        },
      }],
    });
    await job.sourcesDone;
    for (let key = 0; key < 4; key++) {
      assert.equal((await client.getKvState(job.jobId, "jungle", key, intSerializer, reducing)).get(), SUM);
      assert.equal((await client.getKvState(job.jobId, "aggr-queryable", key, intSerializer, aggregating)).get(), String(SUM));
      assert.equal((await client.getKvState(job.jobId, "pumba", key, intSerializer, folding)).get(), String(SUM));
      const l = (await client.getKvState(job.jobId, "list-queryable", key, intSerializer, list)).get();
      assert.deepEqual(l, Array.from({ length: 1024 }, (_, i) => BigInt(i + 1)));
      const m = await client.getKvState(job.jobId, "timon-queryable", key, intSerializer, map);
      assert.deepEqual(m.get(key), [key, SUM]);
    }
    await job.cancel();
  });

  test("wrong job id and unknown state name give their errors; after cancel the state is gone", async () => {
    const v = valueState("v", longSerializer, { queryable: "cancel-me" });
    const job = cluster.submit({
      sources: [[[7, 7n] as Pair]],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "v", states: [v], process: (r, ctx) => ctx.state(v).update(r[1]) }],
    });
    await job.sourcesDone;
    assert.equal((await client.getKvState(job.jobId, "cancel-me", 7, intSerializer, v)).value(), 7n);
    await assert.rejects(client.getKvState(JobID.random(), "cancel-me", 7, intSerializer, v), UnknownJobError);
    await assert.rejects(client.getKvState(job.jobId, "wrong-hakuna", 7, intSerializer, v), (e: unknown) =>
      e instanceof UnknownStateNameError && /No KvStateLocation found for KvState instance with name 'wrong-hakuna'/.test(e.message));
    await job.cancel();
    assert.equal(job.status, "CANCELED");
    await assert.rejects(client.getKvState(job.jobId, "cancel-me", 7, intSerializer, v), UnknownJobError);
  });

  test("relocation: a subtask re-registered on another task manager is found again through the retry path", async () => {
    const v = valueState("v", stringSerializer, { queryable: "moving" });
    const job = cluster.submit({
      parallelism: 2,
      sources: [Array.from({ length: 100 }, (_, k) => [k, BigInt(k)] as Pair)],
      keyBy: (r: Pair) => r[0],
      keyType: intSerializer,
      steps: [{ name: "v", states: [v], process: (r, ctx) => ctx.state(v).update(`v${r[1]}-s${ctx.subtask}`) }],
    });
    await job.sourcesDone;
    const proxy = cluster.taskManagers[0].proxy;
    const all = () => Promise.all(Array.from({ length: 100 }, async (_, k) => (await client.getKvState(job.jobId, "moving", k, intSerializer, v)).value()));
    const before = await all();
    const forwarded = proxy.forwardingStats().requests;
    job.relocateSubtask(0, 1); // subtask 0 ran on task manager 0
    assert.deepEqual(await all(), before, "the same values, served from the new place");
    assert.ok(proxy.forwardingStats().requests > forwarded + 100, "the stale location caused retries");
    await job.cancel();
  });
});
