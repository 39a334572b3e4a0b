/**
 * The HTTP endpoint serving `GET /metrics` in Prometheus format, on `node:http` (through
 * `src/transport/http.ts`, so it runs on Node, Deno and Bun alike). One response per connection.
 */
import { InvalidArgumentError } from "../core/errors.ts";
import { toPrometheus, type MetricsSource } from "./prometheus.ts";
import type { HttpAnswer } from "../transport/http.ts";
import type { Listener } from "../transport/transport.ts";

/** Options of {@link serveMetrics}. */
export interface MetricsEndpointOptions {
  /** The local address to bind (`"0.0.0.0"` for every interface, so Prometheus can scrape from elsewhere). @default "127.0.0.1" */
  host?: string;
  /** The TCP port to bind; read the one picked from the result's `addr`. @default 0 (a free port) */
  port?: number;
  /** The components to report, asked anew on every scrape. */
  sources: () => readonly MetricsSource[];
}

const TEXT = "text/plain; charset=utf-8";
const EXPOSITION = "text/plain; version=0.0.4; charset=utf-8";
// What a queryable-state client (or anything else not speaking HTTP) gets: the client names the peer as an
// HTTP server from the first bytes, and a person reading the text learns where to point instead.
const NOT_HTTP = "This is a Prometheus metrics endpoint (HTTP): GET /metrics. " +
  "Queryable-state clients connect to a proxy port instead.\n";

function answer(method: string, path: string, sources: () => readonly MetricsSource[]): HttpAnswer {
  if (method !== "GET" && method !== "HEAD") return { status: 405, contentType: TEXT, body: "use GET /metrics\n" };
  if (path !== "/metrics" && path !== "/") return { status: 404, contentType: TEXT, body: "try /metrics\n" };
  return { status: 200, contentType: EXPOSITION, body: toPrometheus(sources()) };
}

/**
 * Serves the metrics of `sources()` at `http://host:port/metrics` (and `/`) until closed. Other paths
 * get `404`, other methods than GET and HEAD `405`, bytes that are not HTTP `400` at once, a request head
 * above 8 KiB `431`; every response closes its connection, and a connection lives at most 10 s.
 *
 * @example
 * ```ts
 * import { LocalCluster, serveMetrics } from "queryable-state";
 *
 * await using cluster = await LocalCluster.start();
 * const metrics = await serveMetrics({ port: 9249, sources: () => cluster.metrics() });
 * // curl http://127.0.0.1:9249/metrics
 * await metrics.close();
 * ```
 */
export async function serveMetrics(options: MetricsEndpointOptions): Promise<Listener> {
  if (typeof options?.sources !== "function") throw new InvalidArgumentError("serveMetrics needs sources: () => MetricsSource[].");
  const { serveHttp } = await import("../transport/http.ts");
  return serveHttp({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    handle: (method, path) => answer(method, path, options.sources),
    maxHeaderBytes: 8 * 1024,
    connectionTimeoutMs: 10_000,
    badRequestText: NOT_HTTP,
  });
}
