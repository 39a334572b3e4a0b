// Freshness (issue 23): every batch answer of our proxy and state servers says where it was served and how fresh
// it is (version per state and key group, last update, staleness); bounds (maxStalenessMs, minVersion, waitMs)
// fail typed when they cannot be met — read-your-writes for a writer that passes the version it saw — and fail with
// UNSUPPORTED_BY_PEER where no freshness is known (a Flink-like state server, extensions off, a proxy without them).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { QueryableStateClient } from "../../src/client/queryable-state-client.ts";
import { LocalCluster } from "../../src/cluster/local-cluster.ts";
import { computeKeyGroupForKeyHash } from "../../src/core/key-groups.ts";
import { FreshnessBoundError, UnsupportedByPeerError } from "../../src/protocol/extensions.ts";
import { UnknownKeyOrNamespaceError } from "../../src/protocol/remote-errors.ts";
import { reducingState, valueState } from "../../src/state/descriptors.ts";
import { longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { formatHostPort } from "../../src/transport/address.ts";
import { startDeployment } from "../helpers/batch-setup.ts";
import { eventually } from "../helpers/eventually.ts";
import { fedSource } from "../helpers/fed-source.ts";

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });

interface Event { user: string; n: bigint; gate?: Promise<void>; seen?: (version: bigint) => void }

async function withJob(fn: (ctx: { cluster: LocalCluster; client: QueryableStateClient; jobId: string; push(e: Event): void; maxParallelism: number }) => Promise<void>) {
  const input = fedSource<Event>();
  await using cluster = await LocalCluster.start({ taskManagers: 2 });
  const job = cluster.submit({
    sources: [input.source],
    keyBy: (e: Event) => e.user,
    keyType: stringSerializer,
    steps: [{
      name: "count",
      states: [counts],
      process: async (e, ctx) => {
        if (e.gate) await e.gate;
        ctx.state(counts).add(e.n);
        e.seen?.(ctx.version(counts));
      },
    }],
  });
  const { hostname, port } = cluster.proxyAddresses[0];
  await using client = new QueryableStateClient(hostname, port, { requestTimeoutMs: 10_000 });
  await fn({ cluster, client, jobId: job.jobId.toString(), push: input.push, maxParallelism: job.maxParallelism });
  await job.cancel();
}

/** Pushes a record and resolves with the version its write produced. */
function write(push: (e: Event) => void, user: string, n: bigint, gate?: Promise<void>): Promise<bigint> {
  return new Promise((resolve) => push({ user, n, gate, seen: resolve }));
}

describe("freshness", () => {
  test("every answer says where it was served and how fresh, also for a key without value", async () => {
    await withJob(async ({ cluster, client, jobId, push, maxParallelism }) => {
      const before = Date.now();
      const v1 = await write(push, "ada", 2n);
      const v2 = await write(push, "ada", 3n);
      assert.ok(v2 > v1 && v1 > 0n, `${v1} < ${v2}`);
      const [ada, eve] = await client.getKvStates(jobId, "counts", ["ada", "eve"], stringSerializer, counts);
      assert.ok(ada.ok && ada.state.get() === 5n);
      const f = ada.freshness!;
      assert.equal(f.keyGroup, computeKeyGroupForKeyHash(stringSerializer.hashCode("ada"), maxParallelism));
      assert.ok(cluster.taskManagers.some((tm) => formatHostPort(tm.serverAddress) === f.node), f.node);
      assert.equal(f.version, v2);
      assert.ok(f.lastUpdateMs! >= before - 1 && f.lastUpdateMs === Number(v2 >> 16n));
      assert.equal(f.stalenessMs, 0);
      assert.ok(!eve.ok && eve.error instanceof UnknownKeyOrNamespaceError);
      assert.equal(eve.freshness!.keyGroup, computeKeyGroupForKeyHash(stringSerializer.hashCode("eve"), maxParallelism));
      const single = await client.getKvStateWithFreshness(jobId, "counts", "ada", stringSerializer, counts);
      assert.equal(single.state.get(), 5n);
      assert.equal(single.freshness?.version, v2);
    });
  });

  test("read-your-writes: minVersion fails typed before the write is applied, and waits for it with waitMs", async () => {
    await withJob(async ({ client, jobId, push }) => {
      const v1 = await write(push, "bob", 1n);
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const written = write(push, "bob", 10n, gate); // handed to the job, held before its write
      // Not applied yet: a reader that needs more than v1 fails at once…
      const [now] = await client.getKvStates(jobId, "counts", ["bob"], stringSerializer, counts, { minVersion: v1 + 1n });
      assert.ok(!now.ok && now.error instanceof FreshnessBoundError && now.error.bound === "minVersion", now.ok ? "" : now.error.message);
      assert.equal(now.error.code, "FRESHNESS_BOUND_NOT_MET");
      assert.equal(now.freshness!.version, v1);
      // …or waits: the write is applied while it waits.
      const waiting = client.getKvStateWithFreshness(jobId, "counts", "bob", stringSerializer, counts, { minVersion: v1 + 1n, waitMs: 5000 });
      open();
      const v2 = await written;
      const { state, freshness } = await waiting;
      assert.equal(state.get(), 11n);
      assert.ok(freshness!.version >= v2);
      // The version the writer saw reads its write back.
      const back = await client.getKvStateWithFreshness(jobId, "counts", "bob", stringSerializer, counts, { minVersion: v2 });
      assert.equal(back.state.get(), 11n);
    });
  });

  test("maxStalenessMs: a subtask stuck on a record is stale, and fresh again once it caught up", async () => {
    await withJob(async ({ client, jobId, push }) => {
      await write(push, "cy", 1n);
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      const stuck = write(push, "cy", 1n, gate);
      const stale = await eventually("staleness above 20 ms", async () => {
        const [r] = await client.getKvStates(jobId, "counts", ["cy"], stringSerializer, counts, { maxStalenessMs: 20 });
        if (r.ok) throw new Error(`still fresh: ${r.freshness?.stalenessMs} ms`);
        return r;
      });
      assert.ok(stale.error instanceof FreshnessBoundError && stale.error.bound === "maxStalenessMs", stale.error.message);
      assert.ok(stale.freshness!.stalenessMs > 20);
      assert.match(stale.error.message, /ms behind its input, more than maxStalenessMs 20/);
      open();
      await stuck;
      const { state, freshness } = await client.getKvStateWithFreshness(jobId, "counts", "cy", stringSerializer, counts, { maxStalenessMs: 20 });
      assert.equal(state.get(), 2n);
      assert.equal(freshness!.stalenessMs, 0);
    });
  });

  test("no freshness where none is known: a state server like Flink's, a state without it, extensions off", async () => {
    const value = valueState("v", longSerializer);
    const d = await startDeployment(5);
    try {
      await using client = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port);
      // Without bounds: the values, without freshness (the node and key group are still known to the proxy).
      for (const state of ["plain", "counts"]) {
        const [r] = await client.getKvStates(d.jobId, state, ["user-1"], stringSerializer, value);
        assert.ok(r.ok && r.state.value() === 7n);
        assert.equal(r.freshness, undefined);
      }
      // With a bound: that key cannot be checked.
      for (const state of ["plain", "counts"]) {
        const [r] = await client.getKvStates(d.jobId, state, ["user-1"], stringSerializer, value, { maxStalenessMs: 1000 });
        assert.ok(!r.ok && r.error instanceof UnsupportedByPeerError && r.error.code === "UNSUPPORTED_BY_PEER", r.ok ? "" : r.error.message);
        assert.equal(r.error.extension, "freshness");
      }
      await using off = new QueryableStateClient(d.proxyAddress.hostname, d.proxyAddress.port, { extensions: "off" });
      await assert.rejects(off.getKvStates(d.jobId, "counts", ["user-1"], stringSerializer, value, { minVersion: 1n }), UnsupportedByPeerError);
      const plainSingle = await off.getKvStateWithFreshness(d.jobId, "counts", "user-1", stringSerializer, value);
      assert.equal(plainSingle.freshness, undefined);
      assert.equal(plainSingle.state.value(), 7n);
    } finally {
      await d.close();
    }
    const flinkLike = await startDeployment(5, { extensions: false });
    try {
      await using client = new QueryableStateClient(flinkLike.proxyAddress.hostname, flinkLike.proxyAddress.port);
      await assert.rejects(
        client.getKvStateWithFreshness(flinkLike.jobId, "counts", "user-1", stringSerializer, value, { maxStalenessMs: 5 }),
        (e: unknown) => e instanceof UnsupportedByPeerError && /speaks no protocol extensions/.test(e.message),
      );
    } finally {
      await flinkLike.close();
    }
  });

  test("bad bounds are argument errors", async () => {
    await withJob(async ({ client, jobId }) => {
      await assert.rejects(client.getKvStates(jobId, "counts", ["a"], stringSerializer, counts, { maxStalenessMs: -1 }), { code: "INVALID_ARGUMENT" });
      await assert.rejects(client.getKvStates(jobId, "counts", ["a"], stringSerializer, counts, { minVersion: 5 as unknown as bigint }), { code: "INVALID_ARGUMENT" });
      await assert.rejects(client.getKvStates(jobId, "counts", ["a"], stringSerializer, counts, { waitMs: Number.NaN }), { code: "INVALID_ARGUMENT" });
    });
  });
});
