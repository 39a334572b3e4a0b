/** `qstate stats`: reads a metrics endpoint (`qstate local --metrics-port`, `serveMetrics`) and prints a table. */
import { InvalidArgumentError } from "../core/errors.ts";
import { TransportError } from "../transport/transport.ts";

/** One row per (role, name): the sample values by metric name. */
export type StatsRows = Map<string, Record<string, number>>;

const SAMPLE = /^(qstate_[a-z_]+)\{role="([^"]*)",name="([^"]*)"\} (\S+)$/;

/** Parses Prometheus text as `serveMetrics` writes it. */
export function parseMetrics(text: string): StatsRows {
  const rows: StatsRows = new Map();
  for (const line of text.split("\n")) {
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const key = `${m[2]} ${m[3]}`;
    const row = rows.get(key) ?? {};
    row[m[1]] = Number(m[4]);
    rows.set(key, row);
  }
  return rows;
}

/** Fetches `http://address/metrics`. */
export async function fetchMetrics(address: string, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    throw TransportError.from((e as { cause?: unknown })?.cause ?? e, "read metrics from", parseAddress(address));
  }
  if (!res.ok) throw new InvalidArgumentError(`http://${address}/metrics answered ${res.status}: is this a qstate metrics endpoint?`);
  return await res.text();
}

function parseAddress(text: string): { hostname: string; port: number } {
  const i = text.lastIndexOf(":");
  return { hostname: text.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(text.slice(i + 1)) };
}

/** The rows as a text table. */
export function statsTable(rows: StatsRows): string {
  const out = [["role", "name", "connections", "requests", "successful", "failed", "mean latency"]];
  for (const [key, r] of rows) {
    const [role, name] = key.split(" ");
    const ok = r.qstate_requests_successful_total ?? 0;
    const mean = ok > 0 ? `${((r.qstate_request_latency_seconds_sum ?? 0) * 1000 / ok).toFixed(3)} ms` : "-";
    out.push([role, name, String(r.qstate_active_connections ?? 0), String(r.qstate_requests_total ?? 0), String(ok), String(r.qstate_requests_failed_total ?? 0), mean]);
  }
  const widths = out[0].map((_, i) => Math.max(...out.map((row) => row[i].length)));
  return out.map((row) => row.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
