import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError, SerializationError, TruncatedInputError } from "../core/errors.ts";
import { badValue } from "./primitive-serializers.ts";
import { badJson, jsonBigInt } from "./json-value.ts";
import type { TypeSerializer } from "./type-serializer.ts";

/**
 * A Java `BigDecimal`: `unscaled × 10^-scale`, kept exactly (1.50 and 1.5 differ, as in Java).
 * `toString()` is Java's `BigDecimal.toString()` (scientific notation where Java uses it).
 */
export class Decimal {
  /** The digits, as an integer: the value is `unscaled × 10^-scale`. */
  readonly unscaled: bigint;
  /** Digits after the decimal point (negative: trailing zeros before it), a Java int. */
  readonly scale: number;
  /**
   * The decimal `unscaled × 10^-scale`, e.g. `new Decimal(150n, 2)` is 1.50.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) unless `unscaled` is a bigint and `scale` a 32-bit integer
   */
  constructor(unscaled: bigint, scale: number) {
    if (typeof unscaled !== "bigint" || !Number.isInteger(scale) || (scale | 0) !== scale) {
      throw new InvalidArgumentError(`Decimal needs a bigint unscaled value and an int scale, got ${String(unscaled)}, ${scale}.`);
    }
    this.unscaled = unscaled;
    this.scale = scale;
  }
  /** Parses Java's `new BigDecimal(String)` syntax: `-12.50`, `1E+3`, `4.2e-7`. */
  static parse(text: string): Decimal {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === "" && (m[3] ?? "") === "")) {
      throw new InvalidArgumentError(`Cannot read ${JSON.stringify(text)} as a decimal: expected e.g. 12.50 or 1E+3.`);
    }
    const frac = m[3] ?? "";
    const unscaled = BigInt(`${m[1]}${m[2] || "0"}${frac}`);
    return new Decimal(unscaled, frac.length - Number(m[4] ?? 0));
  }
  /** Java's `BigDecimal.toString()`: `1.50`, `0.000001`, `1.5E-7`, `1E+3`. */
  toString(): string {
    const neg = this.unscaled < 0n;
    const digits = (neg ? -this.unscaled : this.unscaled).toString();
    const adjusted = -this.scale + (digits.length - 1);
    let s: string;
    if (this.scale >= 0 && adjusted >= -6) {
      if (this.scale === 0) s = digits;
      else if (digits.length > this.scale) s = `${digits.slice(0, digits.length - this.scale)}.${digits.slice(digits.length - this.scale)}`;
      else s = `0.${"0".repeat(this.scale - digits.length)}${digits}`;
    } else {
      s = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      s += `E${adjusted >= 0 ? "+" : ""}${adjusted}`;
    }
    return neg ? `-${s}` : s;
  }
  /** The same text as {@link toString}: JSON keeps every digit (a JSON number would not). */
  toJSON(): string {
    return this.toString();
  }
}

/**
 * Java's `BigInteger.toByteArray()`: the fewest big-endian two's-complement bytes that hold `v`
 * (0 → `[0]`, 255 → `[0, 255]`, -1 → `[255]`), as Avro's decimals and Flink's BigInteger carry it.
 */
export function bigIntToJavaBytes(v: bigint): Uint8Array {
  let bits = 1;
  for (let x = v < 0n ? -v - 1n : v; x > 0n; x >>= 1n) bits++;
  const n = Math.ceil(bits / 8);
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(n * 8, v);
  for (let i = n - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
  return out;
}

/** Java's `new BigInteger(bytes)`: big-endian two's complement → bigint (no bytes → 0). */
export function bigIntFromJavaBytes(b: Uint8Array): bigint {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  return BigInt.asIntN(b.length * 8, x);
}

// Flink writes BigInteger.ZERO, ONE and TEN (the constants BigInteger.valueOf returns) as lengths 1..3.
function writeBigInteger(v: bigint | null, out: ByteWriter): void {
  if (v === null) return out.writeInt32(0);
  if (v === 0n) return out.writeInt32(1);
  if (v === 1n) return out.writeInt32(2);
  if (v === 10n) return out.writeInt32(3);
  const b = bigIntToJavaBytes(v);
  out.writeInt32(b.length + 4);
  out.writeBytes(b);
}

function readBigInteger(input: ByteReader): bigint | null {
  const len = input.readInt32();
  switch (len) {
    case 0: return null;
    case 1: return 0n;
    case 2: return 1n;
    case 3: return 10n;
  }
  if (len < 4) throw new SerializationError(`BigIntSerializer: impossible length ${len}: the bytes are not a BigInteger.`);
  if (len - 4 > input.remaining) throw new TruncatedInputError(len - 4, input.remaining, "BigInteger");
  if (len === 4) throw new SerializationError("BigIntSerializer: empty magnitude: the bytes are not a BigInteger.");
  return bigIntFromJavaBytes(input.readBytes(len - 4));
}

/** Java `BigInteger.hashCode()`: over the magnitude's 32-bit words, times the sign. */
export function javaBigIntegerHash(v: bigint): number {
  const neg = v < 0n;
  let mag = neg ? -v : v;
  const words: number[] = [];
  for (; mag > 0n; mag >>= 32n) words.unshift(Number(mag & 0xffffffffn));
  let h = 0;
  for (const w of words) h = (Math.imul(31, h) + w) | 0;
  return neg ? -h | 0 : h;
}

function toBigInt(name: string, v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  throw badValue(name, "a bigint (or a safe integer, or a decimal string)", v);
}

/** Flink's `BigIntSerializer` ⇄ `bigint | null` (Java `BigInteger`). Hash: Java's `BigInteger.hashCode()`. */
export const bigIntegerSerializer: TypeSerializer<bigint | null> = {
  name: "BigIntSerializer",
  length: -1,
  serialize(v: bigint | null, out: ByteWriter): void {
    writeBigInteger(v === null || v === undefined ? null : toBigInt(this.name, v), out);
  },
  deserialize: readBigInteger,
  hashCode(v: bigint | null): number {
    if (v === null) throw new InvalidArgumentError("A key cannot be null (BigInteger).");
    return javaBigIntegerHash(toBigInt("BigIntSerializer", v));
  },
  fromJson: (json: unknown): bigint | null => json === null ? null : jsonBigInt("BigIntSerializer", json, false),
};

function toDecimal(v: unknown): Decimal {
  if (v instanceof Decimal) return v;
  if (typeof v === "string") return Decimal.parse(v);
  if (typeof v === "bigint") return new Decimal(v, 0);
  throw badValue("BigDecSerializer", "a Decimal (or a decimal string, or a bigint)", v);
}

/**
 * Flink's `BigDecSerializer` ⇄ {@link Decimal} `| null` (Java `BigDecimal`): the unscaled value as
 * BigIntSerializer writes it, then the int32 scale (nothing after a null). Writing also takes a
 * decimal string. Hash: Java's `BigDecimal.hashCode()`, `31 * unscaled.hashCode() + scale`.
 */
export const bigDecimalSerializer: TypeSerializer<Decimal | null> = {
  name: "BigDecSerializer",
  length: -1,
  serialize(v: Decimal | null, out: ByteWriter): void {
    if (v === null || v === undefined) return writeBigInteger(null, out);
    const d = toDecimal(v);
    writeBigInteger(d.unscaled, out);
    out.writeInt32(d.scale);
  },
  deserialize(input: ByteReader): Decimal | null {
    const unscaled = readBigInteger(input);
    return unscaled === null ? null : new Decimal(unscaled, input.readInt32());
  },
  hashCode(v: Decimal | null): number {
    if (v === null) throw new InvalidArgumentError("A key cannot be null (BigDecimal).");
    const d = toDecimal(v);
    return (Math.imul(31, javaBigIntegerHash(d.unscaled)) + d.scale) | 0;
  },
  fromJson(json: unknown): Decimal | null {
    if (json === null) return null;
    const text = typeof json === "number" && Number.isFinite(json) ? String(json) : typeof json === "bigint" ? String(json) : json;
    try {
      if (typeof text === "string") return Decimal.parse(text.trim());
    } catch {
      // reported below
    }
    throw badJson(this.name, "a decimal as a string (Java's BigDecimal text: 12.50, 1E+3)", json);
  },
};
