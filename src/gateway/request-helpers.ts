/**
 * Small pieces of the gateway's HTTP handling: problem responses, the metrics' route names, limits, and reading a
 * JSON body within a size limit.
 */
import type { Context } from "hono";
import { type CatalogEntry, InvalidArgumentError, QueryableStateError } from "./core.ts";
import { NO_STORE } from "./context.ts";
import { GatewayRequestError, problemOf } from "./errors.ts";
import type { MeasuredRoute } from "./metrics.ts";

const PROBLEM_TYPE = "application/problem+json; charset=utf-8";

export function problemResponse(c: Context, e: unknown): Response {
  const p = problemOf(e);
  if (p.status === 500 && !(e instanceof QueryableStateError)) console.error("queryable-state gateway: unexpected error", e);
  return c.body(JSON.stringify(p), p.status as 500, { "content-type": PROBLEM_TYPE, ...NO_STORE });
}

export function routeOf(method: string, path: string): MeasuredRoute {
  if (!path.startsWith("/v1/jobs")) return "other";
  if (path === "/v1/jobs") return "jobs";
  if (method === "POST" && path.endsWith("/batch")) return "batch";
  if (path.endsWith("/route")) return "route";
  if (path.endsWith("/keys")) return "keys";
  if (path.endsWith("/scan")) return "scan";
  if (path.endsWith("/watch")) return "watch";
  return /^\/v1\/jobs\/[^/]+\/states\/[^/]+$/.test(path) ? "get" : "other";
}

/** A page the catalog's types did not decode names the entry to fix. */
export function namingEntry(e: unknown, entry: CatalogEntry): unknown {
  if (e instanceof QueryableStateError && DECODING.has(e.code)) {
    e.message += ` The catalog's ${entry.label} gives the types the page was read with: fix that entry if the job's types differ.`;
  }
  return e;
}
const DECODING = new Set(["SERIALIZATION", "TRUNCATED_INPUT", "POJO_SUBCLASS", "AVRO_DECODE"]);

export function pick<T extends object>(o: T, keys: readonly (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

export function positive(v: number | undefined, fallback: number, name: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new InvalidArgumentError(`${name} must be a positive number, got ${String(v)}.`);
  return v;
}

/** The request's body as JSON, refusing more than `max` bytes (413) before reading them all. */
export async function readJson(request: Request, max: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const tooLarge = () => new GatewayRequestError("REQUEST_TOO_LARGE", `The body is larger than ${max} bytes: send fewer keys per batch.`);
  if (declared > max) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder().decode(concat(chunks, size));
  if (text.trim() === "") throw new InvalidArgumentError('The body is empty: send {"keys": [...]} as JSON.');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`The body is not JSON (${(e as Error).message}).`);
  }
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
