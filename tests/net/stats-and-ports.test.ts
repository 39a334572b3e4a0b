import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Coordinator, CoordinatorService, InvalidArgumentError, KvStateClientProxy, KvStateServer, LocalCluster, parsePortRange, QueryableStateClient } from "../../mod.ts";
import { Client } from "../../protocol.ts";
import { StatsCounter, sumStats } from "../../src/net/stats.ts";

describe("StatsCounter", () => {
  test("track counts answers, throws and promises of either", async () => {
    const s = new StatsCounter();
    assert.equal(s.track(() => 1), 1);
    assert.throws(() => s.track(() => { throw new Error("sync"); }), /sync/);
    assert.equal(await s.track(() => Promise.resolve(2)), 2);
    await assert.rejects(s.track(() => Promise.reject(new Error("async"))) as Promise<never>, /async/);
    const snap = s.snapshot();
    assert.equal(snap.requests, 4);
    assert.equal(snap.successful, 2);
    assert.equal(snap.failed, 2);
    assert.ok(snap.successfulLatencyMs >= 0 && snap.averageLatencyMs >= 0);
  });

  test("track counts an answer given at once as 0 ms and times one given by a promise", async () => {
    const s = new StatsCounter();
    for (let i = 0; i < 5; i++) s.track(() => i);
    assert.deepEqual([s.snapshot().successful, s.snapshot().successfulLatencyMs, s.snapshot().latencyBuckets[0]], [5, 0, 5]);
    await s.track(() => new Promise((resolve) => setTimeout(resolve, 30)));
    const snap = s.snapshot();
    assert.equal(snap.successful, 6);
    assert.ok(snap.maxLatencyMs >= 25, `the awaited answer took ${snap.maxLatencyMs} ms`);
  });

  test("reportSuccesses counts n answers of one latency as n reportSuccess calls", () => {
    const a = new StatsCounter(), b = new StatsCounter();
    a.reportSuccesses(10, 12.5, 7);
    a.reportSuccesses(10, 11, 0);
    for (let i = 0; i < 7; i++) b.reportSuccess(10, 12.5);
    assert.deepEqual(a.snapshot(), b.snapshot());
  });

  test("sumStats adds counters and recomputes the mean", () => {
    const a = new StatsCounter(), b = new StatsCounter();
    a.activeConnections = 1;
    a.requests = 3;
    a.failed = 1;
    a.reportSuccess(0, 1);
    a.reportSuccess(0, 3);
    b.requests = 2;
    b.reportSuccess(0, 1);
    b.reportSuccess(0, 1);
    const sum = sumStats(a.snapshot(), b.snapshot());
    assert.deepEqual(
      [sum.activeConnections, sum.requests, sum.successful, sum.failed, sum.successfulLatencyMs, sum.averageLatencyMs, sum.maxLatencyMs],
      [1, 5, 4, 1, 6, 1.5, 3],
    );
    assert.equal(sumStats().averageLatencyMs, 0);
    assert.equal(sumStats().p99LatencyMs, 0);
  });
});

describe("parsePortRange", () => {
  test("single ports, ranges and lists, in the order given, without duplicates", () => {
    assert.deepEqual(parsePortRange(0), [0]);
    assert.deepEqual(parsePortRange("9067"), [9067]);
    assert.deepEqual(parsePortRange("9067-9070"), [9067, 9068, 9069, 9070]);
    assert.deepEqual(parsePortRange(" 50100-50101, 51234 ,50100"), [50100, 50101, 51234]);
    assert.deepEqual(parsePortRange([5, 3, 5]), [5, 3]);
  });

  test("bad specifications are refused with Flink's message or a clear one", () => {
    for (const bad of ["", "abc", "10-5", "1-", "65536", "-1"]) {
      assert.throws(() => parsePortRange(bad), InvalidArgumentError, bad);
    }
    assert.throws(() => parsePortRange(70000), { message: "Invalid port configuration. Port must be between 0 and 65535, but was 70000." });
    assert.throws(() => parsePortRange(1.5), InvalidArgumentError);
  });
});

describe("positive options", () => {
  test("counts and durations that are not positive and finite are refused with INVALID_ARGUMENT, naming the option", async () => {
    const refused = (fn: () => unknown, name: string) =>
      assert.throws(fn, (e: unknown) => e instanceof InvalidArgumentError && e.message.startsWith(`${name} must be a positive`), name);
    const oracle = new Coordinator();
    for (const bad of [0, -1, NaN, Infinity]) {
      refused(() => new KvStateServer({ frameTimeoutMs: bad }), "frameTimeoutMs");
      if (bad !== Infinity) refused(() => new QueryableStateClient("127.0.0.1", 1, { requestTimeoutMs: bad }), "requestTimeoutMs");
      refused(() => new KvStateClientProxy({ oracle, requestTimeoutMs: bad }), "requestTimeoutMs");
      refused(() => new CoordinatorService(oracle, { heartbeatTimeoutMs: bad }), "heartbeatTimeoutMs");
    }
    for (const bad of [0, 1.5, -3, Infinity]) refused(() => new KvStateServer({ maxConnections: bad }), "maxConnections");
    await assert.rejects(LocalCluster.start({ taskManagers: 0 }), (e: unknown) => e instanceof InvalidArgumentError && /taskManagers must be a positive integer/.test(e.message));
    const client = new Client("c", (b) => b, {});
    const to = { hostname: "127.0.0.1", port: 1 }, body = { serialize: () => new Uint8Array(0) } as never;
    await assert.rejects(client.sendRequest(to, body, { timeoutMs: NaN }), /timeoutMs must be a positive number/);
    // Infinity means no deadline (as the client's documented requestTimeoutMs): the request gets as far as connecting.
    await assert.rejects(client.sendRequest(to, body, { timeoutMs: Infinity }), (e: unknown) => (e as { code?: string }).code === "CONNECT_FAILED");
    await client.close();
  });
});
