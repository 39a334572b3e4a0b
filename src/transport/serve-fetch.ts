/**
 * Serving a Web-standard `fetch(Request) → Response` handler over HTTP/1.1 (and TLS) on the runtime's own server:
 * `Deno.serve` on Deno, `Bun.serve` on Bun, `node:http` through `@hono/node-server` on Node (loaded on demand, an
 * optional peer dependency of the gateway entry). Closing stops accepting at once and lets requests in flight
 * finish, up to a grace period. A port that cannot be bound rejects with the runtime's own error (the caller wraps it
 * as a TransportError: this module stays free of the library's classes, so the gateway entry's CommonJS build does not
 * copy them).
 * @module
 */
import type { Endpoint, ServerTlsOptions } from "./transport.ts";
import { detectRuntime } from "./detect.ts";

/** A handler of one HTTP request. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** Options of {@link serveFetch}. */
export interface ServeFetchOptions {
  /** The local address to bind. */
  hostname: string;
  /** The TCP port (0: a free one). */
  port: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: ServerTlsOptions;
}

/** A running HTTP server. */
export interface FetchServer {
  /** Where it listens (the port picked when 0 was asked). */
  readonly addr: Endpoint;
  /** `http` or `https`. */
  readonly scheme: "http" | "https";
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then drops what is left.
   * Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves `handler` on the current runtime's HTTP server. */
export async function serveFetch(handler: FetchHandler, options: ServeFetchOptions): Promise<FetchServer> {
  const scheme = options.tls ? "https" : "http";
  switch (detectRuntime()) {
    case "deno":
      return serveDeno(handler, options, scheme);
    case "bun":
      return serveBun(handler, options, scheme);
    default:
      return await serveNode(handler, options, scheme);
  }
}

interface DenoServer {
  addr: { port: number };
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

function serveDeno(handler: FetchHandler, o: ServeFetchOptions, scheme: "http" | "https"): FetchServer {
  const Deno = (globalThis as unknown as { Deno: { serve(opts: unknown, h: FetchHandler): DenoServer } }).Deno;
  const abort = new AbortController();
  const server = Deno.serve({
    hostname: o.hostname,
    port: o.port,
    signal: abort.signal,
    onListen() {},
    ...(o.tls ? { cert: o.tls.cert, key: o.tls.key } : {}),
  }, handler);
  let closing: Promise<void> | undefined;
  return {
    addr: { hostname: o.hostname, port: server.addr.port },
    scheme,
    close: (graceMs = 5000) =>
      closing ??= (async () => {
        // shutdown() waits for requests in flight; past the grace period the abort drops them.
        const timer = setTimeout(() => abort.abort(), graceMs);
        await server.shutdown().catch(() => {});
        clearTimeout(timer);
        await server.finished.catch(() => {});
      })(),
  };
}

interface BunServer {
  port: number;
  stop(closeActiveConnections?: boolean): Promise<void> | void;
  pendingRequests: number;
}

function serveBun(handler: FetchHandler, o: ServeFetchOptions, scheme: "http" | "https"): FetchServer {
  const Bun = (globalThis as unknown as { Bun: { serve(opts: unknown): BunServer } }).Bun;
  const server = Bun.serve({
    hostname: o.hostname,
    port: o.port,
    fetch: handler,
    // The gateway limits bodies itself (with a problem answer); Bun's own limit only guards the process.
    maxRequestBodySize: 64 * 1024 * 1024,
    ...(o.tls ? { tls: { cert: o.tls.cert, key: o.tls.key } } : {}),
  });
  let closing: Promise<void> | undefined;
  return {
    addr: { hostname: o.hostname, port: server.port },
    scheme,
    close: (graceMs = 5000) =>
      closing ??= (async () => {
        void server.stop(false);
        const until = Date.now() + graceMs;
        while (server.pendingRequests > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        await server.stop(true);
      })(),
  };
}

interface NodeServer {
  listen(port: number, hostname: string, cb: () => void): void;
  once(event: "error", cb: (e: Error) => void): void;
  address(): { port: number } | string | null;
  close(cb?: (e?: Error) => void): void;
  closeIdleConnections?(): void;
  closeAllConnections?(): void;
}

async function serveNode(handler: FetchHandler, o: ServeFetchOptions, scheme: "http" | "https"): Promise<FetchServer> {
  const { createAdaptorServer } = await import("@hono/node-server");
  const server = (o.tls
    ? createAdaptorServer({
      fetch: handler,
      createServer: (await import("node:https")).createServer,
      serverOptions: { cert: o.tls.cert, key: o.tls.key },
    })
    : createAdaptorServer({ fetch: handler })) as unknown as NodeServer;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.hostname, () => resolve());
  });
  const bound = server.address();
  let closing: Promise<void> | undefined;
  return {
    addr: { hostname: o.hostname, port: typeof bound === "object" && bound !== null ? bound.port : o.port },
    scheme,
    close: (graceMs = 5000) =>
      closing ??= new Promise<void>((resolve) => {
        // close() stops accepting and resolves once every connection is gone; idle keep-alive ones go now, busy
        // ones after their answer (Node closes a keep-alive connection after a response while closing).
        const timer = setTimeout(() => server.closeAllConnections?.(), graceMs);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections?.();
      }),
  };
}
