/** `qstate stats`: reads a metrics endpoint (`qstate local --metrics-port`, `serveMetrics`) and prints a table. */
import { InvalidArgumentError } from "../core/errors.ts";
import { estimateQuantile } from "../net/histogram.ts";
import { formatHostPort, parseHostPort } from "../transport/address.ts";
import { type Endpoint, TransportError } from "../transport/transport.ts";
import { UsageError } from "./args.ts";

/** Latency of successful requests in milliseconds: the mean, and percentiles estimated from the histogram. */
export interface LatencySummary {
  readonly mean: number;
  /** `null` when the endpoint exports no histogram buckets (an older qstate). */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
}

/** One component's figures, as `qstate stats` prints them. */
export interface StatsRow {
  readonly role: string;
  readonly name: string;
  readonly connections: number;
  readonly requests: number;
  readonly successful: number;
  readonly failed: number;
  /** `null` before the first successful request. */
  readonly latencyMs: LatencySummary | null;
}

/** The samples of one (role, name), by metric name; histogram buckets as `[le, cumulative count]`. */
interface Samples {
  role: string;
  name: string;
  values: Record<string, number>;
  buckets: [number, number][];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const LATENCY = "qstate_request_latency_seconds";

function unescape(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
}

function promNumber(text: string): number {
  return text === "+Inf" ? Infinity : text === "-Inf" ? -Infinity : Number(text);
}

/** Parses Prometheus text as `serveMetrics` writes it: one row per (role, name), keyed `"role name"`. */
export function parseMetrics(text: string): Map<string, StatsRow> {
  const all = new Map<string, Samples>();
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line.trim());
    if (!m || !m[1].startsWith("qstate_")) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? "").matchAll(LABEL)) labels[k] = unescape(v);
    if (labels.role === undefined || labels.name === undefined) continue;
    const key = `${labels.role} ${labels.name}`;
    let s = all.get(key);
    if (s === undefined) all.set(key, s = { role: labels.role, name: labels.name, values: {}, buckets: [] });
    const value = promNumber(m[3]);
    if (m[1] === `${LATENCY}_bucket` && labels.le !== undefined) s.buckets.push([promNumber(labels.le), value]);
    else s.values[m[1]] = value;
  }
  const rows = new Map<string, StatsRow>();
  for (const [key, s] of all) rows.set(key, toRow(s));
  return rows;
}

function toRow(s: Samples): StatsRow {
  const v = s.values;
  const successful = v.qstate_requests_successful_total ?? 0;
  const count = v[`${LATENCY}_count`] ?? successful;
  let latencyMs: LatencySummary | null = null;
  if (count > 0) {
    const [p50, p90, p99] = percentiles(s.buckets, [0.5, 0.9, 0.99]);
    latencyMs = { mean: ((v[`${LATENCY}_sum`] ?? 0) * 1000) / count, p50, p90, p99 };
  }
  return {
    role: s.role,
    name: s.name,
    connections: v.qstate_active_connections ?? 0,
    requests: v.qstate_requests_total ?? 0,
    successful,
    failed: v.qstate_requests_failed_total ?? 0,
    latencyMs,
  };
}

/** Percentiles in ms from cumulative `[le in seconds, count]` buckets; `null` without buckets. */
function percentiles(buckets: [number, number][], qs: number[]): (number | null)[] {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const bounds: number[] = [], counts: number[] = [];
  let before = 0, overflow = 0;
  for (const [le, cumulative] of sorted) {
    if (le === Infinity) overflow = Math.max(0, cumulative - before);
    else {
      bounds.push(le * 1000);
      counts.push(Math.max(0, cumulative - before));
      before = cumulative;
    }
  }
  counts.push(overflow);
  return qs.map((q) => {
    const v = bounds.length === 0 ? NaN : estimateQuantile(bounds, counts, q);
    return Number.isNaN(v) ? null : v;
  });
}

/**
 * Reads `--metrics HOST:PORT`: a usage mistake (exit code 2) when it is not an address one can connect to.
 */
export function parseMetricsAddress(text: string): Endpoint {
  const port = /:(\d+)$/.exec(text)?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UsageError(
      `--metrics ${text}: port ${port} cannot be connected to, ports run from 1 to 65535: pass the port given to --metrics-port or serveMetrics.`,
      "stats",
    );
  }
  try {
    return parseHostPort(text);
  } catch {
    throw new UsageError(
      `--metrics must be HOST:PORT of a metrics endpoint, e.g. 127.0.0.1:9249 (qstate local --metrics-port 9249), got '${text}'.`,
      "stats",
    );
  }
}

/** Fetches `http://address/metrics`; failures say what went wrong and what to check. */
export async function fetchMetrics(address: Endpoint, timeoutMs: number): Promise<string> {
  const { httpGet } = await import("../transport/http.ts");
  const url = `http://${formatHostPort(address)}/metrics`;
  let res;
  try {
    res = await httpGet(address, "/metrics", { timeoutMs, op: "read metrics from" });
  } catch (e) {
    throw explainFailure(e as TransportError, address, url);
  }
  if (res.status !== 200) {
    throw new InvalidArgumentError(`${url} answered ${res.status}: is this a qstate metrics endpoint (qstate local --metrics-port, serveMetrics)?`);
  }
  if (!res.body.includes("# TYPE qstate_")) {
    throw new InvalidArgumentError(`${url} answered, but with no qstate metrics: is this a qstate metrics endpoint (qstate local --metrics-port, serveMetrics)?`);
  }
  return res.body;
}

function explainFailure(e: TransportError, address: Endpoint, url: string): TransportError | InvalidArgumentError {
  const where = formatHostPort(address);
  const cause = (e as { cause?: { code?: unknown } }).cause;
  if (e.code === "ECONNREFUSED") {
    return new TransportError(
      "ECONNREFUSED",
      `Cannot read metrics from ${where}: connection refused, nothing listens on port ${address.port} there. ` +
        "Pass the address of a running metrics endpoint: the one `qstate local --metrics-port PORT` prints, " +
        "or where your program calls serveMetrics({ port }).",
      { cause: e, address },
    );
  }
  if (typeof cause?.code === "string" && cause.code.startsWith("HPE_")) {
    return new InvalidArgumentError(
      `Cannot read metrics from ${where}: it did not answer HTTP (${url}). Is it a queryable-state proxy or ` +
        "server port? Pass the metrics port instead (qstate local --metrics-port, serveMetrics).",
      { cause: e },
    );
  }
  return e;
}

function ms(v: number | null | undefined): string {
  return v === null || v === undefined ? "-" : v.toFixed(3);
}

/** The rows as a text table; latencies in milliseconds. */
export function statsTable(rows: Map<string, StatsRow>): string {
  const out = [["role", "name", "connections", "requests", "successful", "failed", "mean ms", "p50 ms", "p90 ms", "p99 ms"]];
  for (const r of rows.values()) {
    const l = r.latencyMs;
    out.push([r.role, r.name, String(r.connections), String(r.requests), String(r.successful), String(r.failed), ms(l?.mean), ms(l?.p50), ms(l?.p90), ms(l?.p99)]);
  }
  const widths = out[0].map((_, i) => Math.max(...out.map((row) => row[i].length)));
  return out.map((row) => row.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

/** The rows as the JSON `qstate stats --json` prints: an object keyed `"role name"`, latencies rounded to 1 µs. */
export function statsJson(rows: Map<string, StatsRow>): string {
  const round = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  const out: Record<string, unknown> = {};
  for (const [key, r] of rows) {
    const l = r.latencyMs;
    out[key] = { ...r, latencyMs: l && { mean: round(l.mean), p50: round(l.p50), p90: round(l.p90), p99: round(l.p99) } };
  }
  return JSON.stringify(out);
}
