import { toHex } from "../core/hex.ts";
import { Instant } from "./temporal.ts";

/** A value `JSON.stringify` writes as it is: what {@link toJsonValue} returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * A decoded value as JSON without losing anything: 64-bit integers and bigints as decimal
 * strings, decimals as Java's `BigDecimal.toString()`, `Date`s and java.time values as
 * ISO-8601 (Java's `Instant.toString()` / `LocalDate.toString()` …), byte arrays (`Uint8Array`)
 * as lowercase hex, other typed arrays as JSON arrays (BigInt64Array items as strings), NaN and
 * ±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, sets as arrays, maps with string keys as
 * objects and other maps as arrays of `[key, value]` pairs. `undefined` becomes null.
 *
 * @example
 * ```ts
 * import { Decimal, toJsonValue } from "queryable-state";
 *
 * const json = toJsonValue({ count: 9007199254740993n, price: new Decimal(150n, 2), raw: new Uint8Array([1, 255]) });
 * console.log(JSON.stringify(json)); // {"count":"9007199254740993","price":"1.50","raw":"01ff"}
 * ```
 */
export function toJsonValue(v: unknown): JsonValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "bigint":
      return v.toString();
    case "number":
      return Number.isFinite(v) ? v : String(v);
    case "string":
    case "boolean":
      return v;
  }
  if (v instanceof Uint8Array) return toHex(v);
  if (v instanceof Date) return Instant.ofEpochMilli(BigInt(v.getTime())).toString();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, toJsonValue);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Set) return [...v].map(toJsonValue);
  if (v instanceof Map) {
    const entries = [...v.entries()];
    if (entries.every(([k]) => typeof k === "string")) {
      const o: { [k: string]: JsonValue } = {};
      for (const [k, x] of entries) o[k] = toJsonValue(x);
      return o;
    }
    return entries.map(([k, x]) => [toJsonValue(k), toJsonValue(x)]);
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return (v as { toJSON(): string }).toJSON();
  if (typeof v === "object") {
    const o: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return String(v);
}
