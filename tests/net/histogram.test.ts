import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { estimateQuantile, LATENCY_BUCKETS_MS } from "../../mod.ts";
import { bucketIndex, LATENCY_BUCKET_LABELS, LatencyHistogram } from "../../src/net/histogram.ts";
import { StatsCounter, sumStats } from "../../src/net/stats.ts";
import { Rng } from "../helpers/random.ts";

/** The exact q-quantile of `xs` (the smallest value with at least q·n values at or below it). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** The bucket's [lower, upper] bounds holding `ms`. */
function bucketOf(ms: number): [number, number] {
  const i = bucketIndex(ms);
  return [i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1], LATENCY_BUCKETS_MS[i] ?? Infinity];
}

describe("latency histogram", () => {
  test("bounds run from 50 µs to 10 s, ascending, and the exposition labels are the same values in seconds", () => {
    assert.equal(LATENCY_BUCKETS_MS[0], 0.05);
    assert.equal(LATENCY_BUCKETS_MS.at(-1), 10_000);
    for (let i = 1; i < LATENCY_BUCKETS_MS.length; i++) {
      assert.ok(LATENCY_BUCKETS_MS[i] > LATENCY_BUCKETS_MS[i - 1]);
      assert.ok(LATENCY_BUCKETS_MS[i] / LATENCY_BUCKETS_MS[i - 1] <= 5 / 3, `ratio at ${LATENCY_BUCKETS_MS[i]}`);
    }
    assert.equal(LATENCY_BUCKET_LABELS.length, LATENCY_BUCKETS_MS.length + 1);
    assert.equal(LATENCY_BUCKET_LABELS.at(-1), "+Inf");
    LATENCY_BUCKETS_MS.forEach((ms, i) => {
      assert.match(LATENCY_BUCKET_LABELS[i], /^\d+(\.\d+)?$/, "plain decimals, no exponent");
      assert.ok(Math.abs(Number(LATENCY_BUCKET_LABELS[i]) * 1000 - ms) < 1e-9, LATENCY_BUCKET_LABELS[i]);
    });
  });

  test("an observation lands in the first bucket whose bound is at or above it (Prometheus' le)", () => {
    assert.equal(bucketIndex(0), 0);
    assert.equal(bucketIndex(0.05), 0);
    assert.equal(bucketIndex(0.0500001), 1);
    LATENCY_BUCKETS_MS.forEach((b, i) => {
      assert.equal(bucketIndex(b), i);
      assert.equal(bucketIndex(b * 1.0001), i + 1);
    });
    assert.equal(bucketIndex(10_000.5), LATENCY_BUCKETS_MS.length);
    assert.equal(bucketIndex(Infinity), LATENCY_BUCKETS_MS.length);
  });

  test("record counts per bucket, sums and keeps the maximum; a negative or NaN latency counts as 0", () => {
    const h = new LatencyHistogram();
    for (const ms of [0.01, 0.3, 0.3, 2, 20_000, -1, NaN]) h.record(ms);
    assert.equal(h.counts.length, LATENCY_BUCKETS_MS.length + 1);
    assert.equal(h.counts[0], 3); // 0.01, and -1 and NaN as 0
    assert.equal(h.counts[LATENCY_BUCKETS_MS.indexOf(0.3)], 2);
    assert.equal(h.counts[LATENCY_BUCKETS_MS.indexOf(2)], 1);
    assert.equal(h.counts[LATENCY_BUCKETS_MS.length], 1);
    assert.equal(h.counts.reduce((a, b) => a + b, 0), 7);
    assert.equal(h.sumMs, 0.01 + 0.6 + 2 + 20_000);
    assert.equal(h.maxMs, 20_000);
  });

  test("estimateQuantile interpolates inside the bucket, as Prometheus' histogram_quantile", () => {
    assert.equal(estimateQuantile([1, 2], [10, 10, 0], 0.5), 1);
    assert.equal(estimateQuantile([1, 2], [10, 10, 0], 0.75), 1.5);
    assert.equal(estimateQuantile([1, 2], [10, 10, 0], 0.25), 0.5, "from 0 in the first bucket");
    assert.equal(estimateQuantile([1, 2], [10, 10, 0], 1), 2);
    assert.equal(estimateQuantile([1, 2], [0, 4, 0], 0), 1, "q = 0: the lower bound of the first non-empty bucket");
    assert.equal(estimateQuantile([1, 2], [0, 0, 5], 0.5), 2, "above every bound: the last bound");
    assert.equal(estimateQuantile([1, 2], [0, 0, 5], 0.5, 7.5), 7.5, "or the maximum when known");
    assert.equal(estimateQuantile([1, 2], [0, 10, 0], 0.99, 1.2), 1.2, "a known maximum caps the estimate");
    assert.ok(Number.isNaN(estimateQuantile([1, 2], [0, 0, 0], 0.5)), "nothing counted");
    assert.ok(Number.isNaN(estimateQuantile([1, 2], [1, 0, 0], 1.5)), "q outside [0, 1]");
  });

  test("estimated p50/p90/p99 fall in the bucket of the exact percentile, over varied distributions", () => {
    const rng = new Rng();
    const shapes: [string, () => number][] = [
      ["log-uniform 20 µs..20 s", () => 0.02 * 10 ** (rng.next() * 6)],
      ["tight around 0.3 ms", () => 0.25 + rng.next() * 0.1],
      ["bimodal 0.2 / 40 ms", () => (rng.next() < 0.95 ? 0.2 + rng.next() * 0.05 : 40 + rng.next() * 5)],
    ];
    for (const [shape, draw] of shapes) {
      const h = new LatencyHistogram();
      const xs: number[] = [];
      for (let i = 0; i < 5000; i++) {
        const ms = draw();
        xs.push(ms);
        h.record(ms);
      }
      xs.sort((a, b) => a - b);
      for (const q of [0.5, 0.9, 0.99]) {
        const exact = exactQuantile(xs, q);
        const estimate = estimateQuantile(LATENCY_BUCKETS_MS, h.counts, q, h.maxMs);
        const [lower, upper] = bucketOf(exact);
        assert.ok(estimate >= lower && estimate <= Math.min(upper, h.maxMs), `${shape} p${q * 100}: ${estimate} not in [${lower}, ${upper}] around ${exact} (seed ${rng.seed})`);
      }
    }
  });
});

describe("StatsCounter percentiles", () => {
  test("a snapshot carries the buckets, p50/p90/p99 and the exact maximum", () => {
    const s = new StatsCounter();
    // 90 requests of 1 ms, 9 of 10 ms, 1 of 100 ms, each timed from 1000.
    for (let i = 0; i < 100; i++) s.reportSuccess(1000, 1000 + (i < 90 ? 1 : i < 99 ? 10 : 100));
    const snap = s.snapshot();
    assert.equal(snap.successful, 100);
    assert.equal(snap.latencyBuckets.length, LATENCY_BUCKETS_MS.length + 1);
    assert.equal(snap.latencyBuckets.reduce((a, b) => a + b, 0), 100);
    assert.equal(snap.averageLatencyMs, (90 + 90 + 100) / 100);
    assert.ok(snap.p50LatencyMs > 0.75 && snap.p50LatencyMs <= 1, String(snap.p50LatencyMs));
    assert.ok(snap.p90LatencyMs > 0.75 && snap.p90LatencyMs <= 1, String(snap.p90LatencyMs));
    assert.ok(snap.p99LatencyMs > 7.5 && snap.p99LatencyMs <= 10, String(snap.p99LatencyMs));
    assert.equal(snap.maxLatencyMs, 100);
    const empty = new StatsCounter().snapshot();
    assert.deepEqual([empty.p50LatencyMs, empty.p90LatencyMs, empty.p99LatencyMs, empty.maxLatencyMs], [0, 0, 0, 0]);
  });

  test("sumStats adds the buckets and recomputes the percentiles from them", () => {
    const fast = new StatsCounter(), slow = new StatsCounter();
    for (let i = 0; i < 50; i++) fast.reportSuccess(0, 0.3);
    for (let i = 0; i < 50; i++) slow.reportSuccess(0, 30);
    const sum = sumStats(fast.snapshot(), slow.snapshot());
    assert.equal(sum.successful, 100);
    assert.deepEqual(sum.latencyBuckets, fast.snapshot().latencyBuckets.map((c, i) => c + slow.snapshot().latencyBuckets[i]));
    assert.ok(sum.p50LatencyMs <= 0.3, String(sum.p50LatencyMs));
    assert.ok(sum.p90LatencyMs > 20 && sum.p90LatencyMs <= 30, String(sum.p90LatencyMs));
    assert.equal(sum.maxLatencyMs, 30);
  });
});
