import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { SerializationError, TruncatedInputError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import type { TypeSerializer } from "./type-serializer.ts";

function readCount(input: ByteReader, what: string): number {
  const n = input.readInt32();
  if (n < 0) throw new SerializationError(`Negative ${what} size ${n}: the bytes are not a ${what}.`);
  // Every element takes at least one byte, so a count beyond the remaining bytes is a lie.
  if (n > input.remaining) throw new TruncatedInputError(n, input.remaining, what);
  return n;
}

/**
 * Flink's `ListSerializer` (a `List<T>` as one value, e.g. inside a ValueState) ⇄ `T[]`:
 * an int32 size, then the elements.
 */
export function listSerializer<T>(element: TypeSerializer<T>): TypeSerializer<T[]> {
  return {
    name: `ListSerializer<${element.name}>`,
    length: -1,
    serialize(v: T[], out: ByteWriter): void {
      if (!Array.isArray(v)) throw badValue(this.name, "an array", v);
      out.writeInt32(v.length);
      for (const e of v) element.serialize(e, out);
    },
    deserialize(input: ByteReader): T[] {
      const n = readCount(input, "list");
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = element.deserialize(input);
      return out;
    },
  };
}

/**
 * Flink's `MapSerializer` (a `Map<K, V>` as one value) ⇄ `Map<K, V | null>`: an int32 size,
 * then per entry the key, a null flag and the value when present. Writing also accepts
 * any iterable of `[key, value]` pairs.
 */
export function mapSerializer<K, V>(
  key: TypeSerializer<K>,
  value: TypeSerializer<V>,
): TypeSerializer<Map<K, V | null>> {
  return {
    name: `MapSerializer<${key.name},${value.name}>`,
    length: -1,
    serialize(v: Map<K, V | null>, out: ByteWriter): void {
      const entries = v instanceof Map ? [...v.entries()] : Array.isArray(v) ? v : null;
      if (entries === null) throw badValue(this.name, "a Map or an array of [key, value] pairs", v);
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
      const n = readCount(input, "map");
      const out = new Map<K, V | null>();
      for (let i = 0; i < n; i++) {
        const k = key.deserialize(input);
        out.set(k, input.readBoolean() ? null : value.deserialize(input));
      }
      return out;
    },
  };
}
