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
} from "../../mod.ts";

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
