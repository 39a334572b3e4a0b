import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError, TruncatedInputError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { stringSerializer } from "./string-serializer.ts";
import { failedAt } from "./decode-errors.ts";
import { badJson, fromJsonValue, jsonArray, jsonBigInt, jsonInteger, jsonNumber, jsonPart } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

// Arrays are never keys: Java's array hashCode() is the identity hash.

function readLength(input: ByteReader, what: string, minBytes: number): number {
  const n = input.readInt32();
  if (n < 0) throw new SerializationError(`Negative ${what} length ${n}: the bytes are not a ${what}.`);
  if (n * minBytes > input.remaining) throw new TruncatedInputError(n * minBytes, input.remaining, what);
  return n;
}

function primitiveArray<A extends ArrayLike<unknown>>(
  name: string,
  what: string,
  size: number,
  accepts: (v: unknown) => boolean,
  make: (n: number) => A,
  write: (out: ByteWriter, v: A, i: number) => void,
  read: (input: ByteReader, a: A, i: number) => void,
  fromJsonItem: (json: unknown) => unknown,
): TypeSerializer<A> {
  return {
    name,
    length: -1,
    serialize(v: A, out: ByteWriter): void {
      if (v === null || v === undefined) throw new InvalidArgumentError(`${name}: the record must not be null.`);
      if (!accepts(v)) throw badValue(name, what, v);
      out.writeInt32(v.length);
      for (let i = 0; i < v.length; i++) write(out, v, i);
    },
    deserialize(input: ByteReader): A {
      const n = readLength(input, name, size);
      const a = make(n);
      for (let i = 0; i < n; i++) read(input, a, i);
      return a;
    },
    fromJson(json: unknown): A {
      const items = jsonArray(name, json).map((x, i) => jsonPart(`[${i}]`, () => fromJsonItem(x)));
      const a = make(items.length) as unknown as { [i: number]: unknown };
      items.forEach((x, i) => (a[i] = x));
      return a as unknown as A;
    },
  };
}

/** Java `boolean[]` ⇄ `boolean[]` (BooleanPrimitiveArraySerializer: int32 length, 1 byte each). */
export const booleanArraySerializer: TypeSerializer<boolean[]> = primitiveArray(
  "BooleanPrimitiveArraySerializer", "an array of booleans", 1,
  (v) => Array.isArray(v) && v.every((x) => typeof x === "boolean"),
  (n) => new Array<boolean>(n), (o, v, i) => o.writeBoolean(v[i]), (r, a, i) => (a[i] = r.readBoolean()),
  (j) => {
    if (typeof j !== "boolean") throw badJson("BooleanPrimitiveArraySerializer", "true or false", j);
    return j;
  },
);

/** Java `short[]` ⇄ `Int16Array`. */
export const shortArraySerializer: TypeSerializer<Int16Array> = primitiveArray(
  "ShortPrimitiveArraySerializer", "an Int16Array", 2, (v) => v instanceof Int16Array,
  (n) => new Int16Array(n), (o, v, i) => o.writeInt16(v[i]), (r, a, i) => (a[i] = r.readInt16()),
  (j) => jsonInteger("ShortPrimitiveArraySerializer", j, -0x8000, 0x7fff),
);

/** Java `int[]` ⇄ `Int32Array`. */
export const intArraySerializer: TypeSerializer<Int32Array> = primitiveArray(
  "IntPrimitiveArraySerializer", "an Int32Array", 4, (v) => v instanceof Int32Array,
  (n) => new Int32Array(n), (o, v, i) => o.writeInt32(v[i]), (r, a, i) => (a[i] = r.readInt32()),
  (j) => jsonInteger("IntPrimitiveArraySerializer", j, -0x80000000, 0x7fffffff),
);

/** Java `long[]` ⇄ `BigInt64Array`. */
export const longArraySerializer: TypeSerializer<BigInt64Array> = primitiveArray(
  "LongPrimitiveArraySerializer", "a BigInt64Array", 8, (v) => v instanceof BigInt64Array,
  (n) => new BigInt64Array(n), (o, v, i) => o.writeInt64(v[i]), (r, a, i) => (a[i] = r.readInt64()),
  (j) => jsonBigInt("LongPrimitiveArraySerializer", j, true),
);

/** Java `float[]` ⇄ `Float32Array`. */
export const floatArraySerializer: TypeSerializer<Float32Array> = primitiveArray(
  "FloatPrimitiveArraySerializer", "a Float32Array", 4, (v) => v instanceof Float32Array,
  (n) => new Float32Array(n), (o, v, i) => o.writeFloat32(v[i]), (r, a, i) => (a[i] = r.readFloat32()),
  (j) => jsonNumber("FloatPrimitiveArraySerializer", j),
);

/** Java `double[]` ⇄ `Float64Array`. */
export const doubleArraySerializer: TypeSerializer<Float64Array> = primitiveArray(
  "DoublePrimitiveArraySerializer", "a Float64Array", 8, (v) => v instanceof Float64Array,
  (n) => new Float64Array(n), (o, v, i) => o.writeFloat64(v[i]), (r, a, i) => (a[i] = r.readFloat64()),
  (j) => jsonNumber("DoublePrimitiveArraySerializer", j),
);

/** Java `char[]` ⇄ a `string` (one UTF-16 code unit per char; CharPrimitiveArraySerializer). */
export const charArraySerializer: TypeSerializer<string> = {
  name: "CharPrimitiveArraySerializer",
  length: -1,
  serialize(v: string, out: ByteWriter): void {
    if (typeof v !== "string") throw badValue(this.name, "a string (its UTF-16 code units are the chars)", v);
    out.writeInt32(v.length);
    for (let i = 0; i < v.length; i++) out.writeUint16(v.charCodeAt(i));
  },
  deserialize(input: ByteReader): string {
    const n = readLength(input, "char[]", 2);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(input.readUint16());
    return s;
  },
  fromJson(json: unknown): string {
    if (typeof json !== "string") throw badJson(this.name, "a string (its UTF-16 code units are the chars)", json);
    return json;
  },
};

/** Java `String[]` ⇄ `(string | null)[]` (StringArraySerializer: int32 length, each a nullable StringValue). */
export const stringArraySerializer: TypeSerializer<(string | null)[]> = {
  name: "StringArraySerializer",
  length: -1,
  serialize(v: (string | null)[], out: ByteWriter): void {
    if (!Array.isArray(v)) throw badValue(this.name, "an array of strings or nulls", v);
    out.writeInt32(v.length);
    for (const s of v) stringSerializer.serialize(s ?? null, out);
  },
  deserialize(input: ByteReader): (string | null)[] {
    const n = readLength(input, "String[]", 1);
    const a = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const at = input.position;
      try {
        a[i] = stringSerializer.deserialize(input);
      } catch (e) {
        throw failedAt(e, `[${i}]`, at);
      }
    }
    return a;
  },
  fromJson(json: unknown): (string | null)[] {
    return jsonArray(this.name, json).map((x, i) => jsonPart(`[${i}]`, () => stringSerializer.fromJson!(x)));
  },
};

/**
 * Flink's `GenericArraySerializer` (`T[]` of any non-primitive T, e.g. `Long[]`, `Tuple2[]`) ⇄
 * `(T | null)[]`: an int32 length, then per element a boolean (true = present) and the element.
 */
export function genericArraySerializer<T>(element: TypeSerializer<T>): TypeSerializer<(T | null)[]> {
  const name = `GenericArraySerializer<${element.name}>`;
  return {
    name,
    length: -1,
    serialize(v: (T | null)[], out: ByteWriter): void {
      if (!Array.isArray(v)) throw badValue(name, "an array", v);
      out.writeInt32(v.length);
      for (const e of v) {
        if (e === null || e === undefined) out.writeBoolean(false);
        else {
          out.writeBoolean(true);
          element.serialize(e, out);
        }
      }
    },
    deserialize(input: ByteReader): (T | null)[] {
      const n = readLength(input, "array", 1);
      const a = new Array<T | null>(n);
      for (let i = 0; i < n; i++) {
        const at = input.position;
        try {
          a[i] = input.readBoolean() ? element.deserialize(input) : null;
        } catch (e) {
          throw failedAt(e, `[${i}]`, at);
        }
      }
      return a;
    },
    fromJson(json: unknown): (T | null)[] {
      return jsonArray(name, json).map((x, i) => x === null ? null : jsonPart(`[${i}]`, () => fromJsonValue(element, x)));
    },
  };
}
