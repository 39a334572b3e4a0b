/**
 * A fixed-bucket latency histogram: what `stats()` reports as percentiles and what `toPrometheus` exports
 * as a Prometheus `histogram`. Recording an observation allocates nothing: a binary search over the
 * bounds, then one increment in a preallocated array.
 */

/**
 * Upper bounds of the latency buckets, in milliseconds, ascending: 50 µs to 10 s, 1.33 to 1.67 apart
 * (1, 1.5, 2, 3, 5, 7.5 per decade), so an estimated percentile is within a bucket's width of the truth.
 * A last bucket, above every bound, holds what is slower (Prometheus' `le="+Inf"`).
 */
export const LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([
  0.05, 0.075,
  0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
  1, 1.5, 2, 3, 5, 7.5,
  10, 15, 20, 30, 50, 75,
  100, 150, 200, 300, 500, 750,
  1000, 1500, 2000, 3000, 5000, 7500,
  10000,
]);

// The same bounds in seconds, written out (not computed) so the exposition prints them exactly.
const BUCKET_LABELS: readonly string[] = Object.freeze([
  "0.00005", "0.000075",
  "0.0001", "0.00015", "0.0002", "0.0003", "0.0005", "0.00075",
  "0.001", "0.0015", "0.002", "0.003", "0.005", "0.0075",
  "0.01", "0.015", "0.02", "0.03", "0.05", "0.075",
  "0.1", "0.15", "0.2", "0.3", "0.5", "0.75",
  "1", "1.5", "2", "3", "5", "7.5",
  "10",
]);

/** The `le` label of each bucket of {@link LATENCY_BUCKETS_MS}, in seconds, then `"+Inf"`. */
export const LATENCY_BUCKET_LABELS: readonly string[] = Object.freeze([...BUCKET_LABELS, "+Inf"]);

const BOUNDS = Float64Array.from(LATENCY_BUCKETS_MS);
const LAST = BOUNDS.length - 1;

/** The index of the bucket that holds `ms`: the first whose bound is ≥ `ms`, or the last one past every bound. */
export function bucketIndex(ms: number): number {
  if (!(ms <= BOUNDS[LAST])) return LAST + 1; // above every bound, or NaN
  let lo = 0, hi = LAST;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (BOUNDS[mid] < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Latencies counted per bucket of {@link LATENCY_BUCKETS_MS}, with their sum and maximum. */
export class LatencyHistogram {
  /** Observations per bucket (not cumulative); the last entry counts those above every bound. */
  readonly counts: Float64Array = new Float64Array(BOUNDS.length + 1);
  /** Sum of the observations, in milliseconds. */
  sumMs = 0;
  /** The largest observation, in milliseconds (0 before the first). */
  maxMs = 0;

  /** Counts one latency in milliseconds (a negative or NaN one as 0). Allocates nothing. */
  record(ms: number): void {
    if (!(ms > 0)) ms = 0;
    this.counts[bucketIndex(ms)]++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** Counts `n` observations of the same latency (as `n` calls of {@link record}). Allocates nothing. */
  recordMany(ms: number, n: number): void {
    if (!(n > 0)) return;
    if (!(ms > 0)) ms = 0;
    this.counts[bucketIndex(ms)] += n;
    this.sumMs += ms * n;
    if (ms > this.maxMs) this.maxMs = ms;
  }
}

/**
 * Estimates the `q`-quantile (0 ≤ q ≤ 1) of observations counted per bucket, as Prometheus'
 * `histogram_quantile` does: find the bucket holding the rank `q × count` and interpolate linearly
 * inside it (from 0 in the first bucket). `counts` has one entry per bound plus a last one for what lies
 * above every bound; a rank there gives `maxMs` if known, else the last bound. A known `maxMs` also caps
 * the estimate. Returns `NaN` when nothing was counted.
 *
 * @param boundsMs the buckets' upper bounds, ascending (e.g. {@link LATENCY_BUCKETS_MS})
 * @param counts observations per bucket, not cumulative: `boundsMs.length + 1` entries
 * @param q the quantile, 0.99 for p99
 * @param maxMs the largest observation, when known
 *
 * @example
 * ```ts
 * import { estimateQuantile } from "queryable-state";
 *
 * // 10 observations ≤ 1 ms, 10 in (1, 2] ms: the median is at 1 ms, p75 half-way into the second bucket.
 * estimateQuantile([1, 2], [10, 10, 0], 0.5);  // 1
 * estimateQuantile([1, 2], [10, 10, 0], 0.75); // 1.5
 * ```
 */
export function estimateQuantile(
  boundsMs: ArrayLike<number>,
  counts: ArrayLike<number>,
  q: number,
  maxMs?: number,
): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (total === 0 || !(q >= 0 && q <= 1)) return NaN;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c === 0 || below + c < rank) {
      below += c;
      continue;
    }
    let estimate: number;
    if (i >= boundsMs.length) estimate = maxMs ?? boundsMs[boundsMs.length - 1];
    else {
      const lower = i === 0 ? 0 : boundsMs[i - 1];
      estimate = lower + (boundsMs[i] - lower) * ((rank - below) / c);
    }
    return maxMs !== undefined && estimate > maxMs ? maxMs : estimate;
  }
  return maxMs ?? boundsMs[boundsMs.length - 1];
}
