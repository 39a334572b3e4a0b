/**
 * Request statistics of a server or client, as Flink's `KvStateRequestStats` (active connections,
 * requests, successes, failures, summed latency), plus the latency distribution of successes.
 */
import { estimateQuantile, LATENCY_BUCKETS_MS, LatencyHistogram } from "./histogram.ts";

/** Request statistics of a server, proxy or client at one moment (what `stats()` returns). */
export interface RequestStats {
  /** Connections open now. */
  readonly activeConnections: number;
  /** Requests received (server) or sent (client). */
  readonly requests: number;
  /** Requests answered with a value (server) or that got one (client). */
  readonly successful: number;
  /** Requests answered with a failure, or that failed locally (timeout, lost connection, …). */
  readonly failed: number;
  /** Sum of the latencies of successful requests, in milliseconds. */
  readonly successfulLatencyMs: number;
  /** Mean latency of successful requests in milliseconds (0 before the first). */
  readonly averageLatencyMs: number;
  /**
   * Successful requests per latency bucket: entry `i` counts latencies above `LATENCY_BUCKETS_MS[i - 1]` and
   * at most `LATENCY_BUCKETS_MS[i]`; the last entry (index `LATENCY_BUCKETS_MS.length`) those above every
   * bound. Not cumulative; the entries add up to `successful`.
   */
  readonly latencyBuckets: readonly number[];
  /** Median latency of successful requests in milliseconds, estimated from the buckets (0 before the first). */
  readonly p50LatencyMs: number;
  /** 90th percentile latency in milliseconds, estimated from the buckets (0 before the first). */
  readonly p90LatencyMs: number;
  /** 99th percentile latency in milliseconds, estimated from the buckets (0 before the first). */
  readonly p99LatencyMs: number;
  /** The largest latency of a successful request in milliseconds, exact (0 before the first). */
  readonly maxLatencyMs: number;
}

function percentile(buckets: ArrayLike<number>, q: number, maxMs: number): number {
  const v = estimateQuantile(LATENCY_BUCKETS_MS, buckets, q, maxMs);
  return Number.isNaN(v) ? 0 : v;
}

function build(
  activeConnections: number,
  requests: number,
  successful: number,
  failed: number,
  successfulLatencyMs: number,
  latencyBuckets: number[],
  maxLatencyMs: number,
): RequestStats {
  return {
    activeConnections,
    requests,
    successful,
    failed,
    successfulLatencyMs,
    averageLatencyMs: successful === 0 ? 0 : successfulLatencyMs / successful,
    latencyBuckets,
    p50LatencyMs: percentile(latencyBuckets, 0.5, maxLatencyMs),
    p90LatencyMs: percentile(latencyBuckets, 0.9, maxLatencyMs),
    p99LatencyMs: percentile(latencyBuckets, 0.99, maxLatencyMs),
    maxLatencyMs,
  };
}

/** Mutable counters behind {@link RequestStats}; `snapshot()` gives a plain object. */
export class StatsCounter {
  activeConnections = 0;
  requests = 0;
  successful = 0;
  failed = 0;
  readonly latency: LatencyHistogram = new LatencyHistogram();

  /** Counts a success and its latency (`now - startedAt`, in ms). Allocates nothing. */
  reportSuccess(startedAt: number, now: number): void {
    this.successful++;
    this.latency.record(now - startedAt);
  }

  /** Counts `n` successes of the same latency (`now - startedAt`, in ms): the answers of one read. */
  reportSuccesses(startedAt: number, now: number, n: number): void {
    this.successful += n;
    this.latency.recordMany(now - startedAt, n);
  }

  /**
   * Counts one in-process request around `work`: a request, then a success with its latency or a
   * failure, whether `work` answers at once, throws, or returns a promise. An answer given at once
   * (within the caller's turn, as heap states do in microseconds) counts as 0 ms, in the first bucket,
   * without reading the clock; one given by a promise is timed.
   */
  track<T>(work: () => T | Promise<T>): T | Promise<T> {
    this.requests++;
    let result: T | Promise<T>;
    try {
      result = work();
    } catch (e) {
      this.failed++;
      throw e;
    }
    if (!(result instanceof Promise)) {
      this.successful++;
      this.latency.record(0);
      return result;
    }
    // The clock starts when the promise is handed back: the synchronous part before it was not timed.
    const startedAt = performance.now();
    return result.then((r) => {
      this.reportSuccess(startedAt, performance.now());
      return r;
    }, (e) => {
      this.failed++;
      throw e;
    });
  }

  snapshot(): RequestStats {
    const h = this.latency;
    return build(this.activeConnections, this.requests, this.successful, this.failed, h.sumMs, Array.from(h.counts), h.maxMs);
  }
}

/** The sum of several stats (e.g. requests forwarded over sockets and in-process); percentiles are recomputed. */
export function sumStats(...all: RequestStats[]): RequestStats {
  let activeConnections = 0, requests = 0, successful = 0, failed = 0, successfulLatencyMs = 0, maxLatencyMs = 0;
  const buckets = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  for (const s of all) {
    activeConnections += s.activeConnections;
    requests += s.requests;
    successful += s.successful;
    failed += s.failed;
    successfulLatencyMs += s.successfulLatencyMs;
    if (s.maxLatencyMs > maxLatencyMs) maxLatencyMs = s.maxLatencyMs;
    for (let i = 0; i < buckets.length; i++) buckets[i] += s.latencyBuckets[i] ?? 0;
  }
  return build(activeConnections, requests, successful, failed, successfulLatencyMs, buckets, maxLatencyMs);
}
