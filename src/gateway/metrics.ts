/**
 * The gateway's request metrics: per route, counts by status and a latency histogram (Prometheus text at
 * `/metrics`), and the last two minutes per second (requests, client and server errors, latency percentiles) for
 * the console's charts (`/v1/stats`).
 */
import { LatencyHistogram, LATENCY_BUCKET_LABELS } from "../net/histogram.ts";
import { estimateQuantile, LATENCY_BUCKETS_MS, type MetricsSource, toPrometheus } from "./core.ts";

/** The routes measured (the `route` label). */
export const MEASURED_ROUTES = ["get", "batch", "keys", "scan", "watch", "route", "jobs", "other"] as const;
/** One of {@link MEASURED_ROUTES}. */
export type MeasuredRoute = typeof MEASURED_ROUTES[number];

/** One second of the console's series. */
export interface SecondStats {
  /** The second's start, in ms since the epoch. */
  readonly t: number;
  /** Requests answered in that second (queries and batches). */
  readonly requests: number;
  /** Keys looked up (a batch counts each key). */
  readonly keys: number;
  /** Answers with a 4xx status. */
  readonly clientErrors: number;
  /** Answers with a 5xx status. */
  readonly serverErrors: number;
  /** Latency percentiles of that second's requests, in ms (`null` without requests). */
  readonly p50: number | null;
  /** 90th percentile, ms. */
  readonly p90: number | null;
  /** 99th percentile, ms. */
  readonly p99: number | null;
}

interface Slot {
  t: number;
  requests: number;
  keys: number;
  clientErrors: number;
  serverErrors: number;
  histogram: LatencyHistogram;
}

const WINDOW = 120;

/** Counters and histograms of one gateway. */
export class GatewayMetrics {
  readonly #routes = new Map<MeasuredRoute, { histogram: LatencyHistogram; byStatus: Map<number, number> }>();
  readonly #keys = { found: 0, missing: 0, failed: 0 };
  readonly #slots: Slot[] = [];
  readonly #now: () => number;
  inFlight = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    for (const r of MEASURED_ROUTES) this.#routes.set(r, { histogram: new LatencyHistogram(), byStatus: new Map() });
  }

  #slot(): Slot {
    const t = Math.floor(this.#now() / 1000) * 1000;
    const last = this.#slots[this.#slots.length - 1];
    if (last?.t === t) return last;
    const slot = { t, requests: 0, keys: 0, clientErrors: 0, serverErrors: 0, histogram: new LatencyHistogram() };
    this.#slots.push(slot);
    while (this.#slots.length > 0 && this.#slots[0].t <= t - WINDOW * 1000) this.#slots.shift();
    return slot;
  }

  /** Counts one answered request. */
  record(route: MeasuredRoute, status: number, ms: number): void {
    const r = this.#routes.get(route)!;
    r.histogram.record(ms);
    r.byStatus.set(status, (r.byStatus.get(status) ?? 0) + 1);
    if (route === "get" || route === "batch") {
      const slot = this.#slot();
      slot.requests++;
      slot.histogram.record(ms);
      if (status >= 500) slot.serverErrors++;
      else if (status >= 400) slot.clientErrors++;
    }
  }

  /** Counts looked-up keys by outcome. */
  keys(outcome: "found" | "missing" | "failed", n = 1): void {
    this.#keys[outcome] += n;
    this.#slot().keys += n;
  }

  /** The last two minutes, one entry per second (seconds without requests included, oldest first). */
  series(): SecondStats[] {
    const end = Math.floor(this.#now() / 1000) * 1000;
    const byT = new Map(this.#slots.map((s) => [s.t, s]));
    const out: SecondStats[] = [];
    for (let t = end - (WINDOW - 1) * 1000; t <= end; t += 1000) {
      const s = byT.get(t);
      const q = (p: number) => (s === undefined || s.requests === 0 ? null : round(estimateQuantile(LATENCY_BUCKETS_MS, s.histogram.counts, p, s.histogram.maxMs)));
      out.push({ t, requests: s?.requests ?? 0, keys: s?.keys ?? 0, clientErrors: s?.clientErrors ?? 0, serverErrors: s?.serverErrors ?? 0, p50: q(0.5), p90: q(0.9), p99: q(0.99) });
    }
    return out;
  }

  /** Totals since start: requests by route and status, keys by outcome, percentiles of GETs and batches. */
  totals(): Record<string, unknown> {
    const routes: Record<string, unknown> = {};
    for (const [name, r] of this.#routes) {
      const count = [...r.byStatus.values()].reduce((a, b) => a + b, 0);
      if (count === 0) continue;
      const q = (p: number) => round(estimateQuantile(LATENCY_BUCKETS_MS, r.histogram.counts, p, r.histogram.maxMs));
      routes[name] = { requests: count, byStatus: Object.fromEntries(r.byStatus), latencyMs: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: round(r.histogram.maxMs) } };
    }
    return { routes, keys: { ...this.#keys }, inFlight: this.inFlight };
  }

  /** Prometheus text: the gateway's series, then those of `upstream` (the query client). */
  prometheus(upstream: readonly MetricsSource[]): string {
    const H = "qstate_gateway_request_duration_seconds";
    let out = `# HELP qstate_gateway_requests_total HTTP requests answered, by route and status.\n# TYPE qstate_gateway_requests_total counter\n`;
    for (const [name, r] of this.#routes) for (const [status, n] of r.byStatus) out += `qstate_gateway_requests_total{route="${name}",status="${status}"} ${n}\n`;
    out += `# HELP qstate_gateway_keys_total Keys looked up, by outcome (found, missing, failed).\n# TYPE qstate_gateway_keys_total counter\n`;
    for (const [k, n] of Object.entries(this.#keys)) out += `qstate_gateway_keys_total{outcome="${k}"} ${n}\n`;
    out += `# HELP qstate_gateway_requests_in_flight Requests being answered now.\n# TYPE qstate_gateway_requests_in_flight gauge\nqstate_gateway_requests_in_flight ${this.inFlight}\n`;
    out += `# HELP ${H} Time to answer an HTTP request, by route, in seconds.\n# TYPE ${H} histogram\n`;
    for (const [name, r] of this.#routes) {
      let cumulative = 0;
      for (let b = 0; b < LATENCY_BUCKET_LABELS.length; b++) {
        cumulative += r.histogram.counts[b];
        out += `${H}_bucket{route="${name}",le="${LATENCY_BUCKET_LABELS[b]}"} ${cumulative}\n`;
      }
      out += `${H}_sum{route="${name}"} ${r.histogram.sumMs / 1000}\n${H}_count{route="${name}"} ${cumulative}\n`;
    }
    return out + toPrometheus(upstream);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
