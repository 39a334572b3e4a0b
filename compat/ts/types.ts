/**
 * The suite's type names (as the Flink peer writes them in its JSON) mapped to our serializers
 * and descriptors, and decoded values turned into the peer's JSON form (64-bit integers as
 * decimal strings).
 */
import {
  aggregatingState,
  intSerializer,
  listState,
  longSerializer,
  mapState,
  reducingState,
  type StateDescriptor,
  stringSerializer,
  type TypeSerializer,
  valueState,
  toJsonValue,
} from "../../mod.ts";
import process from "node:process";

// deno-lint-ignore no-explicit-any
type AnySerializer = TypeSerializer<any>;

export function serializer(name: string): AnySerializer {
  switch (name) {
    case "long":
      return longSerializer;
    case "int":
      return intSerializer;
    case "string":
      return stringSerializer;
    default:
      throw new Error(`compat: no serializer for type ${name}`);
  }
}

export function keyOf(type: string, text: string): unknown {
  if (type === "long") return BigInt(text);
  if (type === "int") return Number(text);
  return text;
}

const max = { createAccumulator: () => -(2n ** 63n), add: (v: bigint, a: bigint) => (v > a ? v : a), getResult: (a: bigint) => a };

/** The descriptor our client needs for a state of the given kind and value type. */
export function descriptor(kind: string, name: string, valueType: string): StateDescriptor {
  switch (kind) {
    case "value":
      return valueState(name, serializer(valueType));
    case "list":
      return listState(name, serializer(valueType));
    case "map": {
      const [k, v] = valueType.slice("map<".length, -1).split(",");
      return mapState(name, serializer(k), serializer(v));
    }
    case "reducing":
      return reducingState(name, (a: bigint, b: bigint) => a + b, serializer(valueType));
    case "aggregating":
      return aggregatingState(name, max, serializer(valueType));
    default:
      throw new Error(`compat: unknown state kind ${kind}`);
  }
}

/** A decoded value in the peer's JSON form. */
export function toJson(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    // defineProperty: a map key "__proto__" is an entry, not the object's prototype.
    for (const [k, x] of v) Object.defineProperty(o, String(k), { value: toJson(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** The decoded content of an immutable state of any kind. */
export function contentOf(kind: string, state: unknown): unknown {
  // deno-lint-ignore no-explicit-any
  const s = state as any;
  switch (kind) {
    case "value":
      return s.value();
    case "list":
      return s.get();
    case "map":
      return new Map(s.entries());
    default:
      return s.get();
  }
}

/** Deep equality of JSON values, with object keys compared as sets. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    return ka.length === kb.length &&
      ka.every((k) => Object.hasOwn(b, k) && sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/** The value of the command-line flag `--NAME VALUE` (the checks' one way to take arguments). */
export function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || process.argv[i + 1] === undefined) throw new Error(`missing --${name}`);
  return process.argv[i + 1];
}

/** The key and value type expressions of `map<K,V>` (split at the top-level comma). */
export function mapTypes(expr: string): [string, string] {
  const inner = expr.slice("map<".length, -1);
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === "<" || c === "{") depth++;
    else if (c === ">" || c === "}") depth--;
    else if (c === "," && depth === 0) return [inner.slice(0, i), inner.slice(i + 1)];
  }
  throw new Error(`not a map type: ${expr}`);
}

/**
 * `v` with every Set an array sorted by its elements' JSON text, as the peer renders sets: a Java HashSet's order
 * depends on its capacity, so the set Flink's client reads back iterates otherwise than the one written, and
 * both sides compare sets sorted. (The vectors check the order of the bytes.)
 */
export function sortSets(v: unknown): unknown {
  if (v instanceof Set) {
    const text = (x: unknown) => JSON.stringify(toJsonValue(x));
    return [...v].map(sortSets).sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  }
  if (Array.isArray(v)) return v.map(sortSets);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, sortSets(x)]));
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: sortSets(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}
