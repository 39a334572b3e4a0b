/**
 * Request statistics of a server or client, as Flink's `KvStateRequestStats`: active
 * connections, requests, successes, failures and the summed latency of successes.
 */
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
}

/** Mutable counters behind {@link RequestStats}; `snapshot()` gives a plain object. */
export class StatsCounter {
  activeConnections = 0;
  requests = 0;
  successful = 0;
  failed = 0;
  successfulLatencyMs = 0;

  reportSuccess(startedAt: number, now: number): void {
    this.successful++;
    this.successfulLatencyMs += now - startedAt;
  }

  /**
   * Counts one request around `work`: a request, then a success with its latency or a
   * failure, whether `work` answers at once, throws, or returns a promise.
   */
  track<T>(work: () => T | Promise<T>): T | Promise<T> {
    this.requests++;
    const startedAt = performance.now();
    let result: T | Promise<T>;
    try {
      result = work();
    } catch (e) {
      this.failed++;
      throw e;
    }
    if (!(result instanceof Promise)) {
      this.reportSuccess(startedAt, performance.now());
      return result;
    }
    return result.then((r) => {
      this.reportSuccess(startedAt, performance.now());
      return r;
    }, (e) => {
      this.failed++;
      throw e;
    });
  }

  snapshot(): RequestStats {
    return {
      activeConnections: this.activeConnections,
      requests: this.requests,
      successful: this.successful,
      failed: this.failed,
      successfulLatencyMs: this.successfulLatencyMs,
      averageLatencyMs: this.successful === 0 ? 0 : this.successfulLatencyMs / this.successful,
    };
  }
}

/** The sum of several stats (e.g. requests forwarded over sockets and in-process). */
export function sumStats(...all: RequestStats[]): RequestStats {
  let activeConnections = 0, requests = 0, successful = 0, failed = 0, successfulLatencyMs = 0;
  for (const s of all) {
    activeConnections += s.activeConnections;
    requests += s.requests;
    successful += s.successful;
    failed += s.failed;
    successfulLatencyMs += s.successfulLatencyMs;
  }
  return {
    activeConnections,
    requests,
    successful,
    failed,
    successfulLatencyMs,
    averageLatencyMs: successful === 0 ? 0 : successfulLatencyMs / successful,
  };
}
