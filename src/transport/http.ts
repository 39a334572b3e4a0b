/**
 * A small HTTP/1.1 server and GET client over `node:http`, which Node, Deno and Bun all implement (with the
 * same parser behaviour: a request that is not HTTP gets `400` at once, an oversized head `431`). It is
 * loaded on demand (`await import`), so nothing pays for it unless a metrics endpoint is used.
 *
 * Each response closes its connection; a connection lives at most `connectionTimeoutMs`.
 * @module
 */
import * as http from "node:http";
import type { Endpoint, Listener } from "./transport.ts";
import { TransportError } from "./transport.ts";

/** What a handler answers to one request. */
export interface HttpAnswer {
  /** The status code, e.g. 200. */
  readonly status: number;
  /** The `Content-Type` header. */
  readonly contentType: string;
  /** The body (sent as UTF-8; left out for `HEAD`). */
  readonly body: string;
}

/** Options of {@link serveHttp}. */
export interface HttpServeOptions {
  /** The local address to bind. */
  hostname: string;
  /** The TCP port to bind (0: a free one). */
  port: number;
  /** Answers one request, from its method and path (the query string cut off). Throwing answers 500. */
  handle(method: string, path: string): HttpAnswer;
  /** The longest request head accepted; a longer one gets `431`. @default 8192 */
  maxHeaderBytes?: number;
  /** Time a connection may stay open, whatever it does; then it is dropped. @default 10000 */
  connectionTimeoutMs?: number;
  /** The body of a `400` answer to bytes that are not an HTTP request. @default "bad request\n" */
  badRequestText?: string;
}

const TEXT = "text/plain; charset=utf-8";

function rawAnswer(status: number, body: string): string {
  const bytes = new TextEncoder().encode(body).length;
  return `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\nContent-Type: ${TEXT}\r\n` +
    `Content-Length: ${bytes}\r\nConnection: close\r\n\r\n${body}`;
}

/** Serves `options.handle` over HTTP/1.1 until closed. */
export async function serveHttp(options: HttpServeOptions): Promise<Listener> {
  const maxHeaderSize = options.maxHeaderBytes ?? 8192;
  const connectionTimeoutMs = options.connectionTimeoutMs ?? 10_000;
  const badRequest = options.badRequestText ?? "bad request\n";
  const server = http.createServer({ maxHeaderSize }, (req, res) => {
    const method = req.method ?? "";
    let answer: HttpAnswer;
    try {
      answer = options.handle(method, (req.url ?? "").split("?")[0]);
    } catch (e) {
      answer = { status: 500, contentType: TEXT, body: `${(e as Error)?.message ?? e}\n` };
    }
    const body = new TextEncoder().encode(answer.body);
    res.writeHead(answer.status, {
      "Content-Type": answer.contentType,
      "Content-Length": body.length,
      "Connection": "close",
    });
    res.end(method === "HEAD" ? undefined : body);
  });
  // Bytes that are not an HTTP request (e.g. a queryable-state client's binary frame) get an answer at
  // once, so the peer learns it reached an HTTP server instead of waiting for its own timeout.
  server.on("clientError", (err: Error & { code?: string }, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW" ? 431 : err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
    socket.end(rawAnswer(status, status === 431 ? `request head above ${maxHeaderSize} bytes\n` : badRequest));
  });
  // close() ends the connections it knows of (Bun's closeAllConnections skips one that has not sent a
  // request yet, and Bun reports a connection to this event only after a moment).
  const sockets = new Set<{ destroy(): void }>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    const timer = setTimeout(() => socket.destroy(), connectionTimeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      sockets.delete(socket);
    });
  });
  const hostname = options.hostname;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(TransportError.from(e, "listen on", { hostname, port: options.port })));
    server.listen({ host: hostname, port: options.port }, () => resolve());
  });
  const bound = server.address();
  const addr: Endpoint = { hostname, port: typeof bound === "object" && bound !== null ? bound.port : options.port };
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
      for (const socket of sockets) socket.destroy();
    });
  return { addr, close, [Symbol.asyncDispose]: close };
}

/** A response read by {@link httpGet}. */
export interface HttpResponse {
  /** The status code. */
  readonly status: number;
  /** The `Content-Type` header, `""` if absent. */
  readonly contentType: string;
  /** The body as text. */
  readonly body: string;
}

/**
 * `GET http://target/path`, over `node:http` (unlike `fetch`, no port is off limits). Fails with a
 * {@link TransportError} whose message starts "Cannot `op` host:port".
 */
export function httpGet(
  target: Endpoint,
  path: string,
  options: { timeoutMs: number; op: string; maxBodyBytes?: number },
): Promise<HttpResponse> {
  const maxBody = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (e: unknown, code?: "ETIMEDOUT" | "UNKNOWN") => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      reject(TransportError.from(e, options.op, target, code));
    };
    const req = http.get({ hostname: target.hostname, port: target.port, path, agent: false, headers: { accept: "text/plain" } }, (res) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      res.on("data", (chunk: Uint8Array) => {
        size += chunk.byteLength;
        if (size > maxBody) fail(new Error(`the answer is larger than ${maxBody} bytes`), "UNKNOWN");
        else chunks.push(chunk);
      });
      res.on("error", (e) => fail(e));
      res.on("end", () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        const all = new Uint8Array(size);
        let at = 0;
        for (const c of chunks) {
          all.set(c, at);
          at += c.byteLength;
        }
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: new TextDecoder().decode(all) });
      });
    });
    req.on("error", (e) => fail(e));
    const timer = setTimeout(() => fail(new Error(`no answer in ${options.timeoutMs} ms`), "ETIMEDOUT"), options.timeoutMs);
  });
}
