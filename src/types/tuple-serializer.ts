import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { failedAt } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonArray, jsonPart } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/**
 * Flink's `TupleSerializer` for `Tuple1..Tuple25` ⇄ a JS array: the fields back to back,
 * with no header and no null mask (a null field is an error, as in Flink). With no fields it
 * is Flink's `Tuple0Serializer` ⇄ `[]`: one byte, 42. Tuples nest (a field may be a tuple).
 * Its hash is Flink's `TupleN.hashCode()`: `r = 31 * r + field.hashCode()` (0 for Tuple0),
 * when every field type has a value-based hash.
 *
 * @example
 * ```ts
 * import { intSerializer, longSerializer, serializeValue, tupleSerializer } from "queryable-state";
 *
 * const s = tupleSerializer(intSerializer, longSerializer); // Tuple2<Integer, Long>
 * console.log(serializeValue([1, 2n], s)?.length); // 12: 4 bytes of int, 8 of long
 * ```
 */
export function tupleSerializer<T extends unknown[]>(
  ...fields: { [K in keyof T]: TypeSerializer<T[K]> }
): TypeSerializer<T> {
  const fs = fields as TypeSerializer<unknown>[];
  if (fs.length > 25) {
    throw new InvalidArgumentError(`Flink tuples have 0 to 25 fields, got ${fs.length}.`);
  }
  const fixed = fs.length === 0 ? 1 : fs.every((f) => f.length >= 0) ? fs.reduce((n, f) => n + f.length, 0) : -1;
  const name = fs.length === 0
    ? "Tuple0Serializer"
    : `TupleSerializer<Tuple${fs.length}>[${fs.map((f) => f.name).join(",")}]`;
  const check = (v: unknown): unknown[] => {
    if (!Array.isArray(v) || v.length !== fs.length) {
      throw new InvalidArgumentError(
        `${name} cannot write ${String(v)}: expected an array of ${fs.length} field(s).`,
      );
    }
    return v;
  };
  const serializer: TypeSerializer<T> = {
    name,
    length: fixed,
    serialize(v: T, out: ByteWriter): void {
      const a = check(v);
      if (fs.length === 0) return out.writeUint8(42);
      for (let i = 0; i < fs.length; i++) {
        if (a[i] === null || a[i] === undefined) {
          throw new InvalidArgumentError(`Tuple field ${i} is null: Flink tuples cannot hold null fields.`);
        }
        fs[i].serialize(a[i], out);
      }
    },
    deserialize(input: ByteReader): T {
      if (fs.length === 0) {
        input.skip(1);
        return [] as unknown as T;
      }
      const out = new Array(fs.length);
      for (let i = 0; i < fs.length; i++) {
        const at = input.position;
        try {
          out[i] = fs[i].deserialize(input);
        } catch (e) {
          throw failedAt(e, `.f${i}`, at, `Tuple${fs.length}`);
        }
      }
      return out as T;
    },
    fromJson(json: unknown): T {
      const a = jsonArray(name, json, `an array of ${fs.length} field(s)`);
      if (a.length !== fs.length) throw badJson(name, `an array of ${fs.length} field(s)`, a);
      return a.map((x, i) => jsonPart(`[${i}]`, () => fromJsonValue(fs[i], x))) as T;
    },
  };
  if (fs.every((f) => f.hashCode !== undefined)) {
    serializer.hashCode = (v: T): number => {
      const a = check(v);
      let r = 0;
      for (let i = 0; i < fs.length; i++) r = (Math.imul(31, r) + fs[i].hashCode!(a[i])) | 0;
      return r;
    };
  }
  return serializer;
}
