/**
 * A minimal HTTP/1.1 endpoint serving `GET /metrics` in Prometheus format over our Transport (so it
 * runs on Node, Deno and Bun alike and needs no HTTP library). One response per connection.
 */
import { InvalidArgumentError } from "../core/errors.ts";
import { defaultTransport } from "../transport/detect.ts";
import { toPrometheus, type MetricsSource } from "./prometheus.ts";
import type { Conn, Listener, Transport } from "../transport/transport.ts";

/** Options of {@link serveMetrics}. */
export interface MetricsEndpointOptions {
  /** The local address to bind (`"0.0.0.0"` for every interface, so Prometheus can scrape from elsewhere). @default "127.0.0.1" */
  host?: string;
  /** The TCP port to bind; read the one picked from the result's `address`. @default 0 (a free port) */
  port?: number;
  /** Transport to use. @default the current runtime's */
  transport?: Transport;
  /** The components to report, asked anew on every scrape. */
  sources: () => readonly MetricsSource[];
}

const MAX_REQUEST_HEAD = 8 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function respond(conn: Conn, status: string, type: string, body: string): void {
  const bytes = encoder.encode(body);
  conn.write(encoder.encode(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${bytes.length}\r\nConnection: close\r\n\r\n`));
  conn.write(bytes);
  void conn.closeWrite().then(() => conn.close(), () => conn.abort());
}

/**
 * Serves the metrics of `sources()` at `http://host:port/metrics` until closed.
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
  const transport = options.transport ?? await defaultTransport();
  return transport.listen({
    hostname: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    onConnection(conn) {
      let head = "";
      let answered = false;
      const timer = setTimeout(() => conn.abort(), 10_000);
      void conn.closed.then(() => clearTimeout(timer));
      conn.onData((chunk) => {
        if (answered) return;
        head += decoder.decode(chunk, { stream: true });
        if (head.length > MAX_REQUEST_HEAD) {
          answered = true;
          return respond(conn, "431 Request Header Fields Too Large", "text/plain", "request head too large\n");
        }
        if (!head.includes("\r\n\r\n") && !head.includes("\n\n")) return;
        answered = true;
        const [method, path] = head.split(/\s+/, 2);
        if (method !== "GET" && method !== "HEAD") return respond(conn, "405 Method Not Allowed", "text/plain", "use GET /metrics\n");
        if (path !== "/metrics" && path !== "/") return respond(conn, "404 Not Found", "text/plain", "try /metrics\n");
        let text: string;
        try {
          text = toPrometheus(options.sources());
        } catch (e) {
          return respond(conn, "500 Internal Server Error", "text/plain", `${(e as Error)?.message ?? e}\n`);
        }
        respond(conn, "200 OK", "text/plain; version=0.0.4; charset=utf-8", method === "HEAD" ? "" : text);
      }, () => conn.abort());
    },
  });
}
