/** Turning query results into text and JSON for the CLI (conventions: src/types/json-value.ts). */
import { toJsonValue as lossless } from "../types/json-value.ts";

/**
 * A JSON form that loses nothing: 64-bit integers and decimals as exact strings, dates ISO-8601,
 * byte arrays hex (see the README's type table).
 */
export function toJsonValue(v: unknown): unknown {
  return lossless(v);
}

/** Human-readable text of a value. */
export function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === null || v === undefined) return "null";
  const j = lossless(v);
  return typeof j === "string" ? j : JSON.stringify(j);
}
