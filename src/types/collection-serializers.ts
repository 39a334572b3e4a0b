import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { describeValue } from "../core/describe.ts";
import { SerializationError, TruncatedInputError } from "../core/errors.ts";
import { failedAt } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonArray, jsonAt, jsonPart } from "./json-value.ts";
import { badValue } from "./primitive-serializers.ts";
import type { TypeSerializer } from "./type-serializer.ts";

function readCount(input: ByteReader, what: string, minBytes: number): number {
  const n = input.readInt32();
  if (n < 0) throw new SerializationError(`Negative ${what} size ${n}: the bytes are not a ${what}.`);
  // Every element takes at least one byte, so a count beyond the remaining bytes is a lie.
  if (n * minBytes > input.remaining) throw new TruncatedInputError(n * minBytes, input.remaining, what);
  return n;
}

/**
 * Flink's `ListSerializer` (a `List<T>` as one value, e.g. inside a ValueState) ⇄ `T[]`:
 * an int32 size, then the elements (which cannot be null: Flink's NullableList wraps each
 * element in a NullableSerializer, `nullablelist<T>` in a type expression).
 */
export function listSerializer<T>(element: TypeSerializer<T>): TypeSerializer<T[]> {
  const name = `ListSerializer<${element.name}>`;
  return {
    name,
    length: -1,
    serialize(v: T[], out: ByteWriter): void {
      if (!Array.isArray(v)) throw badValue(name, "an array", v);
      out.writeInt32(v.length);
      for (const e of v) element.serialize(e, out);
    },
    deserialize(input: ByteReader): T[] {
      const n = readCount(input, "list", 1);
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) {
        const at = input.position;
        try {
          out[i] = element.deserialize(input);
        } catch (e) {
          throw failedAt(e, `[${i}]`, at);
        }
      }
      return out;
    },
    fromJson(json: unknown): T[] {
      return jsonArray(name, json).map((x, i) => jsonPart(`[${i}]`, () => fromJsonValue(element, x)));
    },
  };
}

/**
 * Flink's `MapSerializer` (a `Map<K, V>` as one value) ⇄ `Map<K, V | null>`: an int32 size,
 * then per entry the key, a null flag and the value when present. Writing also accepts
 * any iterable of `[key, value]` pairs. JSON: an object when the keys are strings, else an
 * array of `[key, value]` pairs.
 */
export function mapSerializer<K, V>(
  key: TypeSerializer<K>,
  value: TypeSerializer<V>,
): TypeSerializer<Map<K, V | null>> {
  const name = `MapSerializer<${key.name},${value.name}>`;
  return {
    name,
    length: -1,
    serialize(v: Map<K, V | null>, out: ByteWriter): void {
      const entries = v instanceof Map ? [...v.entries()] : Array.isArray(v) ? v : null;
      if (entries === null) throw badValue(name, "a Map or an array of [key, value] pairs", v);
      out.writeInt32(entries.length);
      for (const [k, val] of entries) {
        key.serialize(k, out);
        if (val === null || val === undefined) out.writeBoolean(true);
        else {
          out.writeBoolean(false);
          value.serialize(val, out);
        }
      }
    },
    deserialize(input: ByteReader): Map<K, V | null> {
      // A key and a null flag take at least two bytes.
      const n = readCount(input, "map", 2);
      const out = new Map<K, V | null>();
      for (let i = 0; i < n; i++) {
        let at = input.position;
        let k: K;
        try {
          k = key.deserialize(input);
        } catch (e) {
          throw failedAt(e, ` key #${i}`, at);
        }
        at = input.position;
        try {
          out.set(k, input.readBoolean() ? null : value.deserialize(input));
        } catch (e) {
          throw failedAt(e, `[${describeValue(k)}]`, at);
        }
      }
      return out;
    },
    fromJson(json: unknown): Map<K, V | null> {
      return mapFromJson(name, key, value, json);
    },
  };
}

/** A map's JSON: an object (string keys) or an array of `[key, value]` pairs. */
export function mapFromJson<K, V>(name: string, key: TypeSerializer<K>, value: TypeSerializer<V>, json: unknown): Map<K, V | null> {
  const out = new Map<K, V | null>();
  const put = (k: unknown, v: unknown, at: string) => {
    const mk = jsonPart(`${at} key`, () => fromJsonValue(key, k));
    out.set(mk, v === null ? null : jsonPart(at, () => fromJsonValue(value, v)));
  };
  if (Array.isArray(json)) {
    json.forEach((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2) throw jsonAt(`[${i}]`, badJson(name, "a [key, value] pair", pair));
      put(pair[0], pair[1], `[${i}]`);
    });
  } else if (json !== null && typeof json === "object") {
    for (const [k, v] of Object.entries(json)) put(k, v, `[${JSON.stringify(k)}]`);
  } else {
    jsonArray(name, json, "an object (string keys) or an array of [key, value] pairs");
  }
  return out;
}

/**
 * Flink 2.x's `SetSerializer` (`SetTypeInfo`, a `Set<T>` as one value) ⇄ `Set<T | null>`: an int32
 * size, then per element a null flag (true = null) and the element when present. The JS Set keeps the
 * order of the bytes (the Java set's iteration order). Writing also accepts an array. JSON: an array.
 * Flink 2.x gives a POJO's `Set<T>` field a NullableSet: `nullableset<T>` (= `nullable<set<T>>`).
 *
 * @example
 * ```ts
 * import { deserializeValue, serializeValue, setSerializer, stringSerializer } from "queryable-state";
 *
 * const tags = setSerializer(stringSerializer); // Set<String>
 * const bytes = serializeValue(new Set(["a", null]), tags); // 00000002 00 0261 01
 * console.log(deserializeValue(bytes, tags)); // Set(2) { "a", null }
 * ```
 */
export function setSerializer<T>(element: TypeSerializer<T>): TypeSerializer<Set<T | null>> {
  const name = `SetSerializer<${element.name}>`;
  return {
    name,
    length: -1,
    serialize(v: Set<T | null>, out: ByteWriter): void {
      const items = v instanceof Set ? [...v] : Array.isArray(v) ? v : null;
      if (items === null) throw badValue(name, "a Set or an array", v);
      out.writeInt32(items.length);
      for (const e of items) {
        if (e === null || e === undefined) out.writeBoolean(true);
        else {
          out.writeBoolean(false);
          element.serialize(e, out);
        }
      }
    },
    deserialize(input: ByteReader): Set<T | null> {
      const n = readCount(input, "set", 1);
      const out = new Set<T | null>();
      for (let i = 0; i < n; i++) {
        const at = input.position;
        try {
          out.add(input.readBoolean() ? null : element.deserialize(input));
        } catch (e) {
          throw failedAt(e, `[${i}]`, at);
        }
      }
      return out;
    },
    fromJson(json: unknown): Set<T | null> {
      return new Set(jsonArray(name, json).map((x, i) => x === null ? null : jsonPart(`[${i}]`, () => fromJsonValue(element, x))));
    },
  };
}
