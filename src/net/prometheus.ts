/**
 * Request statistics in the Prometheus text exposition format (version 0.0.4), for servers,
 * proxies and clients alike.
 */
import { LATENCY_BUCKET_LABELS } from "./histogram.ts";
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

/** The simple metrics: name, HELP text, TYPE, and the field of RequestStats they show. */
const SIMPLE: readonly [string, string, "gauge" | "counter", "activeConnections" | "requests" | "successful" | "failed"][] = [
  ["qstate_active_connections", "Connections open now.", "gauge", "activeConnections"],
  ["qstate_requests_total", "Requests received (servers, proxies) or sent (clients).", "counter", "requests"],
  ["qstate_requests_successful_total", "Requests answered with a value.", "counter", "successful"],
  ["qstate_requests_failed_total", "Requests answered with a failure, or failed locally (clients).", "counter", "failed"],
];

const LATENCY = "qstate_request_latency_seconds";

function label(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/**
 * The exposition text for `sources`: the gauge `qstate_active_connections`, the counters
 * `qstate_requests_total`, `qstate_requests_successful_total` and `qstate_requests_failed_total`, and the
 * histogram `qstate_request_latency_seconds` (latency of successful requests: cumulative `_bucket{le}`
 * series up to `le="+Inf"`, `_sum` in seconds and `_count`), each labelled with `role` and `name`.
 *
 * @example
 * ```ts
 * import { KvStateServer, toPrometheus } from "queryable-state";
 *
 * const server = new KvStateServer();
 * const text = toPrometheus([{ role: "server", name: "tm-0", stats: server.stats() }]);
 * // # TYPE qstate_requests_total counter
 * // qstate_requests_total{role="server",name="tm-0"} 0
 * // # TYPE qstate_request_latency_seconds histogram
 * // qstate_request_latency_seconds_bucket{role="server",name="tm-0",le="0.00005"} 0
 * ```
 */
export function toPrometheus(sources: readonly MetricsSource[]): string {
  const labels = sources.map((s) => `role="${label(s.role)}",name="${label(s.name)}"`);
  let out = "";
  for (const [name, help, type, field] of SIMPLE) {
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    sources.forEach((s, i) => (out += `${name}{${labels[i]}} ${Number(s.stats[field])}\n`));
  }
  out += `# HELP ${LATENCY} Latency of successful requests, in seconds.\n# TYPE ${LATENCY} histogram\n`;
  sources.forEach((s, i) => {
    const buckets = s.stats.latencyBuckets;
    let cumulative = 0;
    for (let b = 0; b < LATENCY_BUCKET_LABELS.length; b++) {
      cumulative += Number(buckets[b] ?? 0);
      out += `${LATENCY}_bucket{${labels[i]},le="${LATENCY_BUCKET_LABELS[b]}"} ${cumulative}\n`;
    }
    out += `${LATENCY}_sum{${labels[i]}} ${Number(s.stats.successfulLatencyMs) / 1000}\n`;
    out += `${LATENCY}_count{${labels[i]}} ${cumulative}\n`;
  });
  return out;
}
