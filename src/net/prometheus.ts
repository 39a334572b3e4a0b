/**
 * Request statistics in the Prometheus text exposition format (version 0.0.4), for servers,
 * proxies and clients alike.
 */
import type { RequestStats } from "./stats.ts";

/** One component whose stats are exported, e.g. `{ role: "proxy", name: "tm-0", stats: proxy.stats() }`. */
export interface MetricsSource {
  /** `server`, `proxy`, `proxy_forwarding`, `client`, …: the `role` label. */
  readonly role: string;
  /** Tells several components of one role apart: the `name` label. */
  readonly name: string;
  /** The component's statistics at the time of the scrape (e.g. `server.stats()`). */
  readonly stats: RequestStats;
}

const METRICS: readonly [keyof RequestStats, string, "gauge" | "counter", number][] = [
  ["activeConnections", "Connections open now.", "gauge", 1],
  ["requests", "Requests received (servers, proxies) or sent (clients).", "counter", 1],
  ["successful", "Requests answered with a value.", "counter", 1],
  ["failed", "Requests answered with a failure.", "counter", 1],
  ["successfulLatencyMs", "Summed latency of successful requests, in seconds.", "counter", 1e-3],
];

const NAMES: Record<string, string> = {
  activeConnections: "qstate_active_connections",
  requests: "qstate_requests_total",
  successful: "qstate_requests_successful_total",
  failed: "qstate_requests_failed_total",
  successfulLatencyMs: "qstate_request_latency_seconds_sum",
};

function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The exposition text for `sources`.
 *
 * @example
 * ```ts
 * import { KvStateServer, toPrometheus } from "queryable-state";
 *
 * const server = new KvStateServer();
 * const text = toPrometheus([{ role: "server", name: "tm-0", stats: server.stats() }]);
 * // # TYPE qstate_requests_total counter
 * // qstate_requests_total{role="server",name="tm-0"} 0
 * ```
 */
export function toPrometheus(sources: readonly MetricsSource[]): string {
  let out = "";
  for (const [key, help, type, scale] of METRICS) {
    const name = NAMES[key];
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    for (const s of sources) out += `${name}{role="${label(s.role)}",name="${label(s.name)}"} ${Number(s.stats[key]) * scale}\n`;
  }
  return out;
}
