import { describeValue } from "../core/describe.ts";
import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { javaBooleanHash, javaDoubleHash, javaFloatHash, javaLongHash } from "./java-hash.ts";
import { badJson, jsonBigInt, jsonInteger, jsonNumber } from "./json-value.ts";
import type { KeySerializer } from "./type-serializer.ts";

const MIN_LONG = -(1n << 63n);
const MAX_LONG = (1n << 63n) - 1n;

function badValue(serializer: string, expected: string, v: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`${serializer} cannot write ${describeValue(v)}: expected ${expected}.`);
}

function checkInt(name: string, v: unknown, min: number, max: number, expected: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw badValue(name, expected, v);
  }
  return v;
}

/** Java `int` ⇄ `number` (4 bytes). */
export const intSerializer: KeySerializer<number> = {
  name: "IntSerializer",
  length: 4,
  serialize(v: number, out: ByteWriter): void {
    if ((v | 0) !== v) checkInt(this.name, v, -0x80000000, 0x7fffffff, "an integer in [-2^31, 2^31-1]");
    out.writeInt32(v);
  },
  deserialize: (input: ByteReader): number => input.readInt32(),
  hashCode: (v: number): number => v | 0,
  fromJson: (json: unknown): number => jsonInteger("IntSerializer", json, -0x80000000, 0x7fffffff),
};

/**
 * Java `long` ⇄ `bigint` (8 bytes). Writing also accepts a safe-integer `number`;
 * reading always gives a bigint.
 *
 * @example
 * ```ts
 * import { deserializeValue, longSerializer, serializeValue } from "queryable-state";
 *
 * const bytes = serializeValue(5n, longSerializer); // big-endian, as Java's DataOutput.writeLong
 * console.log(bytes, deserializeValue(bytes, longSerializer)); // Uint8Array(8) [ 0, 0, 0, 0, 0, 0, 0, 5 ] 5n
 * console.log(longSerializer.hashCode(5n)); // 5: Java's Long.hashCode, which routes a query by key
 * ```
 */
export const longSerializer: KeySerializer<bigint> = {
  name: "LongSerializer",
  length: 8,
  serialize(v: bigint, out: ByteWriter): void {
    out.writeInt64(toLong(this.name, v));
  },
  deserialize: (input: ByteReader): bigint => input.readInt64(),
  hashCode(v: bigint): number {
    return javaLongHash(toLong(this.name, v));
  },
  fromJson: (json: unknown): bigint => jsonBigInt("LongSerializer", json, true),
};

function toLong(name: string, v: unknown): bigint {
  if (typeof v === "bigint") {
    if (v < MIN_LONG || v > MAX_LONG) throw badValue(name, "a bigint in [-2^63, 2^63-1]", v);
    return v;
  }
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw badValue(name, "a bigint (or a safe-integer number)", v);
}

/** Java `short` ⇄ `number` (2 bytes). */
export const shortSerializer: KeySerializer<number> = {
  name: "ShortSerializer",
  length: 2,
  serialize(v: number, out: ByteWriter): void {
    out.writeInt16(checkInt(this.name, v, -0x8000, 0x7fff, "an integer in [-32768, 32767]"));
  },
  deserialize: (input: ByteReader): number => input.readInt16(),
  hashCode: (v: number): number => v | 0,
  fromJson: (json: unknown): number => jsonInteger("ShortSerializer", json, -0x8000, 0x7fff),
};

/** Java `byte` ⇄ `number` (1 byte, signed). */
export const byteSerializer: KeySerializer<number> = {
  name: "ByteSerializer",
  length: 1,
  serialize(v: number, out: ByteWriter): void {
    out.writeInt8(checkInt(this.name, v, -128, 127, "an integer in [-128, 127]"));
  },
  deserialize: (input: ByteReader): number => input.readInt8(),
  hashCode: (v: number): number => v | 0,
  fromJson: (json: unknown): number => jsonInteger("ByteSerializer", json, -128, 127),
};

/** Java `char` ⇄ a one-code-unit `string` (2 bytes, UTF-16 code unit). */
export const charSerializer: KeySerializer<string> = {
  name: "CharSerializer",
  length: 2,
  serialize(v: string, out: ByteWriter): void {
    if (typeof v !== "string" || v.length !== 1) {
      throw badValue(this.name, "a string of exactly one UTF-16 code unit", v);
    }
    out.writeUint16(v.charCodeAt(0));
  },
  deserialize: (input: ByteReader): string => String.fromCharCode(input.readUint16()),
  hashCode: (v: string): number => v.charCodeAt(0),
  fromJson(json: unknown): string {
    if (typeof json !== "string" || json.length !== 1) throw badJson(this.name, "a string of one UTF-16 code unit", json);
    return json;
  },
};

/** Java `boolean` ⇄ `boolean` (1 byte; any non-zero byte reads as true). */
export const booleanSerializer: KeySerializer<boolean> = {
  name: "BooleanSerializer",
  length: 1,
  serialize(v: boolean, out: ByteWriter): void {
    if (typeof v !== "boolean") throw badValue(this.name, "a boolean", v);
    out.writeBoolean(v);
  },
  deserialize: (input: ByteReader): boolean => input.readBoolean(),
  hashCode: javaBooleanHash,
  fromJson(json: unknown): boolean {
    if (json === true || json === "true") return true;
    if (json === false || json === "false") return false;
    throw badJson(this.name, "true or false", json);
  },
};

/** Java `float` ⇄ `number` (4 bytes IEEE 754; values round to single precision). */
export const floatSerializer: KeySerializer<number> = {
  name: "FloatSerializer",
  length: 4,
  serialize(v: number, out: ByteWriter): void {
    if (typeof v !== "number") throw badValue(this.name, "a number", v);
    out.writeFloat32(v);
  },
  deserialize: (input: ByteReader): number => input.readFloat32(),
  hashCode: (v: number): number => javaFloatHash(Math.fround(v)),
  fromJson: (json: unknown): number => Math.fround(jsonNumber("FloatSerializer", json)),
};

/** Java `double` ⇄ `number` (8 bytes IEEE 754). */
export const doubleSerializer: KeySerializer<number> = {
  name: "DoubleSerializer",
  length: 8,
  serialize(v: number, out: ByteWriter): void {
    if (typeof v !== "number") throw badValue(this.name, "a number", v);
    out.writeFloat64(v);
  },
  deserialize: (input: ByteReader): number => input.readFloat64(),
  hashCode: javaDoubleHash,
  fromJson: (json: unknown): number => jsonNumber("DoubleSerializer", json),
};

export { badValue };
