import { describeValue } from "../core/describe.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { toHex } from "../core/hex.ts";
import { setOwn } from "../core/records.ts";
import { Instant } from "./temporal.ts";
import { UnsupportedTypeError } from "./type-errors.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/** A value `JSON.stringify` writes as it is: what {@link toJsonValue} returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/**
 * A decoded value as JSON without losing anything: 64-bit integers and bigints as decimal
 * strings, decimals as Java's `BigDecimal.toString()`, `Date`s and java.time values as
 * ISO-8601 (Java's `Instant.toString()` / `LocalDate.toString()` …), byte arrays (`Uint8Array`)
 * as lowercase hex, other typed arrays as JSON arrays (BigInt64Array items as strings), NaN and
 * ±Infinity as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`, sets as arrays (in the order of the
 * bytes, which is the Java set's iteration order), maps with string keys as objects and other maps as
 * arrays of `[key, value]` pairs. `undefined` becomes null. Keys are data: a map key `"__proto__"` is an
 * entry like any other. {@link fromJsonValue} reads such JSON back.
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
  if (v instanceof Set) return Array.from(v, toJsonValue);
  if (v instanceof Map) {
    const entries = [...v.entries()];
    if (entries.every(([k]) => typeof k === "string")) {
      const o: { [k: string]: JsonValue } = {};
      for (const [k, x] of entries) setOwn(o, k, toJsonValue(x));
      return o;
    }
    return entries.map(([k, x]) => [toJsonValue(k), toJsonValue(x)]);
  }
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return toJsonValue((v as { toJSON(): unknown }).toJSON());
  if (typeof v === "object") {
    const o: { [k: string]: JsonValue } = {};
    for (const [k, x] of Object.entries(v)) setOwn(o, k, toJsonValue(x));
    return o;
  }
  return String(v);
}

/**
 * The value of `serializer`'s type that `json` stands for, in {@link toJsonValue}'s conventions (its inverse):
 * 64-bit integers, BigIntegers and decimals as strings (numbers are accepted when they are exact), dates and
 * java.time values as ISO-8601 text, `byte[]` as hex, tuples and arrays as arrays, POJOs and named rows as
 * objects, `TimeWindow` as `{"start": …, "end": …}`. The `qstate` CLI reads `--key` and `--namespace` of
 * composite types this way. Throws InvalidArgumentError naming the part of `json` that does not fit, and
 * UnsupportedTypeError for a serializer without `fromJson`.
 *
 * @example
 * ```ts
 * import { fromJsonValue, parseTypeExpression, timeWindowSerializer } from "queryable-state";
 *
 * console.log(fromJsonValue(parseTypeExpression("tuple<string,long>"), ["ada", "9007199254740993"])); // [ "ada", 9007199254740993n ]
 * console.log(fromJsonValue(timeWindowSerializer, { start: 0, end: 60000 })); // { start: 0n, end: 60000n }
 * ```
 */
export function fromJsonValue<T>(serializer: TypeSerializer<T>, json: unknown): T {
  if (typeof serializer?.fromJson !== "function") {
    throw new UnsupportedTypeError(
      `${serializer?.name ?? String(serializer)} cannot read values from JSON (it has no fromJson); build the value in code.`,
    );
  }
  return serializer.fromJson(json);
}

// ---------------------------------------------------------------- helpers of the serializers' fromJson

/** An InvalidArgumentError: `json` is not what `serializer` reads from JSON. */
export function badJson(serializer: string, expected: string, json: unknown): InvalidArgumentError {
  const shown = typeof json === "bigint" ? `${json}n` : json === undefined ? "nothing" : describeJson(json);
  return new InvalidArgumentError(`${serializer} cannot read ${shown} from JSON: expected ${expected}.`);
}

function describeJson(json: unknown): string {
  if (json !== null && typeof json === "object" && !Array.isArray(json) && Object.getPrototypeOf(json) === Object.prototype) {
    const s = JSON.stringify(json, (_k, v) => typeof v === "bigint" ? `${v}n` : v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  }
  return describeValue(json);
}

/** Reads part `segment` (`[1]`, `.name`) of a composite's JSON: a failure names the path to it. */
export function jsonPart<T>(segment: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw jsonAt(segment, e);
  }
}

/** `e` (when an InvalidArgumentError) with its message naming JSON path `segment` before what it named. */
export function jsonAt<E>(segment: string, e: E): E {
  if (e instanceof InvalidArgumentError) {
    e.message = e.message.startsWith("JSON at $") ? `JSON at $${segment}${e.message.slice("JSON at $".length)}` : `JSON at $${segment}: ${e.message}`;
  }
  return e;
}

/** An integer in [min, max] from a JSON number or a decimal string. */
export function jsonInteger(serializer: string, json: unknown, min: number, max: number): number {
  const n = typeof json === "string" && /^-?\d+$/.test(json.trim()) ? Number(json.trim()) : json;
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
    throw badJson(serializer, `an integer in [${min}, ${max}] (a JSON number or a decimal string)`, json);
  }
  return n;
}

/** A bigint from a decimal string, an exact JSON number or a bigint; within 64 bits when `long`. */
export function jsonBigInt(serializer: string, json: unknown, long: boolean): bigint {
  let v: bigint | undefined;
  if (typeof json === "bigint") v = json;
  else if (typeof json === "number" && Number.isSafeInteger(json)) v = BigInt(json);
  else if (typeof json === "string" && /^-?\d+$/.test(json.trim())) v = BigInt(json.trim());
  const inRange = v !== undefined && (!long || (v >= -(1n << 63n) && v < 1n << 63n));
  if (!inRange) {
    const unsafe = typeof json === "number" && Number.isInteger(json) ? " (a number beyond 2^53 has lost digits: give it as a string)" : "";
    throw badJson(serializer, `${long ? "a 64-bit integer" : "an integer"} as a decimal string (or an exact number)${unsafe}`, json);
  }
  return v!;
}

/** A float or double from a JSON number, `"NaN"`, `"Infinity"`, `"-Infinity"` or a decimal string. */
export function jsonNumber(serializer: string, json: unknown): number {
  if (typeof json === "number") return json;
  if (typeof json === "string") {
    const t = json.trim();
    if (t === "NaN") return NaN;
    const n = Number(t);
    if (t !== "" && !Number.isNaN(n)) return n;
  }
  throw badJson(serializer, 'a number (or "NaN", "Infinity", "-Infinity")', json);
}

/** A JSON string (or a string `what` accepts). */
export function jsonString(serializer: string, json: unknown, what = "a string"): string {
  if (typeof json !== "string") throw badJson(serializer, what, json);
  return json;
}

/** A JSON array. */
export function jsonArray(serializer: string, json: unknown, what = "an array"): unknown[] {
  if (!Array.isArray(json)) throw badJson(serializer, what, json);
  return json;
}

/** A JSON object (not an array, not null). */
export function jsonObject(serializer: string, json: unknown, what = "an object"): Record<string, unknown> {
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw badJson(serializer, what, json);
  return json as Record<string, unknown>;
}

/** Runs a parser of text (`Decimal.parse`, `LocalDate.parse` …), its error naming the serializer. */
export function jsonParsed<T>(serializer: string, json: unknown, expected: string, parse: (text: string) => T): T {
  if (typeof json !== "string") throw badJson(serializer, expected, json);
  try {
    return parse(json.trim());
  } catch (e) {
    if (e instanceof InvalidArgumentError) throw badJson(serializer, `${expected} (${e.message})`, json);
    throw e;
  }
}
