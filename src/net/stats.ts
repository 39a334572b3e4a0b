/**
 * Request statistics of a server or client, as Flink's `KvStateRequestStats`: active
 * connections, requests, successes, failures and the summed latency of successes.
 */
export interface RequestStats {
  /** Connections open now. */
  readonly activeConnections: number;
  /** Requests received (server) or sent (client). */
  readonly requests: number;
  readonly successful: number;
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
