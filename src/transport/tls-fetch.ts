/**
 * A `fetch` that trusts a CA of its own and presents a client certificate (mutual TLS), for HTTPS services
 * such as etcd's JSON gateway. The web-standard `fetch` has no option for either, so each runtime gets its
 * own: Deno a `Deno.createHttpClient` handed to its `fetch`, Bun its `fetch`'s `tls` option, and Node a small
 * fetch over `node:https` (Node's `fetch` takes its TLS settings only from an undici dispatcher, which Node
 * does not export). Loaded on demand, so nothing pays for it without TLS options.
 * @module
 */
import { detectRuntime } from "./detect.ts";
import type { ClientTlsOptions } from "./transport.ts";

/** The part of `fetch` an HTTP JSON client needs: a URL and an init with method, headers, body and signal. */
export type FetchLike = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<Response>;

/**
 * A `fetch` for `https://` URLs with `tls` (CA, client certificate and key, PEM text); `http://` URLs work
 * through it too, without TLS. Deno cannot turn certificate verification off and rejects
 * `rejectUnauthorized: false`; `serverName` is honoured on Node and Bun only.
 */
export async function fetchWithTls(tls: ClientTlsOptions): Promise<FetchLike> {
  switch (detectRuntime()) {
    case "deno":
      return denoFetch(tls);
    case "bun":
      return bunFetch(tls);
    case "node":
      return await nodeFetch(tls);
  }
}

interface DenoHttp {
  createHttpClient(options: { caCerts?: string[]; cert?: string; key?: string }): unknown;
}

function denoFetch(tls: ClientTlsOptions): FetchLike {
  if (tls.rejectUnauthorized === false) {
    throw new TypeError("Deno cannot turn off certificate verification for one client: give the server's CA (ca) instead.");
  }
  const deno = (globalThis as unknown as { Deno: DenoHttp }).Deno;
  const client = deno.createHttpClient({
    ...(tls.ca === undefined ? {} : { caCerts: [tls.ca] }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
  });
  return (url, init) => fetch(url, { ...init, client } as RequestInit);
}

function bunFetch(tls: ClientTlsOptions): FetchLike {
  const options = {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
  };
  return (url, init) => fetch(url, { ...init, tls: options } as RequestInit);
}

async function nodeFetch(tls: ClientTlsOptions): Promise<FetchLike> {
  const https = await import("node:https");
  const http = await import("node:http");
  const { Readable } = await import("node:stream");
  const secure = new https.Agent({
    keepAlive: true,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    servername: tls.serverName,
  });
  const plain = new http.Agent({ keepAlive: true });
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init.signal;
      if (signal?.aborted) return reject(signal.reason);
      const target = new URL(url);
      const isHttps = target.protocol === "https:";
      const request = (isHttps ? https.request : http.request)(target, {
        method: init.method ?? "GET",
        headers: init.body === undefined ? init.headers : { ...init.headers, "content-length": String(new TextEncoder().encode(init.body).length) },
        agent: isHttps ? secure : plain,
      }, (res) => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
        const status = res.statusCode ?? 500;
        const body = status === 204 || status === 304 ? null : Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>;
        resolve(new Response(body, { status, headers }));
      });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal?.addEventListener("abort", onAbort, { once: true });
      request.once("close", () => signal?.removeEventListener("abort", onAbort));
      request.once("error", reject);
      request.end(init.body);
    });
}
