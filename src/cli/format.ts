/** Turning query results into text and JSON for the CLI. */
import { toHex } from "../core/hex.ts";

/** A JSON-friendly form: bigints as numbers when exact (else strings), bytes as hex, maps as objects. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(toJsonValue(k)), toJsonValue(x)]));
  if (typeof v === "number" && !Number.isFinite(v)) return String(v);
  return v;
}

/** Human-readable text of a value. */
export function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "null";
  return JSON.stringify(toJsonValue(v));
}
