/**
 * The primitives of flink-avro's DataOutputEncoder / DataInputDecoder (Java DataOutput's layout, not Avro
 * binary; see serializer.ts), and the {@link Codec} every Avro type compiles to.
 */
import type avsc from "avsc";
import { type ByteReader, type ByteWriter, InvalidArgumentError } from "./core.ts";
import { AvroDecodeError } from "./errors.ts";

/** A type as the Avro library parsed it. */
export type AvscType = avsc.Type;

/** How one Avro type reads and writes its values; `path` names the place in the datum for errors. */
export interface Codec {
  read(r: ByteReader, path: string): unknown;
  write(v: unknown, w: ByteWriter, path: string): void;
  /** The fewest bytes a value takes (bounds the item count of arrays and maps). */
  min: number;
}

export const MAX_INT = 2 ** 31 - 1;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A string as Avro's `Utf8.getBytesFor` (Java's `String.getBytes(UTF_8)`) writes it: int32 length, UTF-8, and a
 * lone surrogate as `?`. Short strings are encoded by hand: TextEncoder's per-call cost dominates them.
 */
export function writeString(w: ByteWriter, s: string): void {
  if (s.length > 64) {
    const b = utf8Encoder.encode(s.replace(LONE_SURROGATES, "?"));
    w.writeInt32(b.length);
    w.writeBytes(b);
    return;
  }
  const at = w.length;
  w.writeInt32(0);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) w.writeUint8(c);
    else if (c < 0x800) {
      w.writeUint8(0xc0 | (c >> 6));
      w.writeUint8(0x80 | (c & 0x3f));
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        w.writeUint8(0xf0 | (cp >> 18));
        w.writeUint8(0x80 | ((cp >> 12) & 0x3f));
        w.writeUint8(0x80 | ((cp >> 6) & 0x3f));
        w.writeUint8(0x80 | (cp & 0x3f));
        i++;
      } else w.writeUint8(0x3f);
    } else {
      w.writeUint8(0xe0 | (c >> 12));
      w.writeUint8(0x80 | ((c >> 6) & 0x3f));
      w.writeUint8(0x80 | (c & 0x3f));
    }
  }
  w.patchInt32(at, w.length - at - 4);
}

/** UTF-8 decoding as Java's `new String(bytes, UTF_8)`: malformed input becomes U+FFFD. Short ASCII by hand. */
export function decodeUtf8(b: Uint8Array): string {
  if (b.length <= 32) {
    let ascii = "";
    for (let i = 0; i < b.length; i++) {
      if (b[i] > 0x7f) return utf8Decoder.decode(b);
      ascii += String.fromCharCode(b[i]);
    }
    return ascii;
  }
  return utf8Decoder.decode(b);
}
// Items that take no bytes (nulls, empty records) are not bounded by the input: refuse absurd counts.
const MAX_EMPTY_ITEMS = 1 << 24;

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v);
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return String(v);
}

export function wrong(path: string, expected: string, v: unknown): InvalidArgumentError {
  return new InvalidArgumentError(`Avro: ${path} should be ${expected}, got ${describe(v)}.`);
}

export function readCount(r: ByteReader, path: string): number {
  // flink-avro's readVarLongCount: 7 bits a byte, low bits first, no zig-zag.
  let value = 0, shift = 0, b: number;
  do {
    b = r.readUint8();
    if (shift > 49) throw new AvroDecodeError(path, "A block count longer than 8 bytes");
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return value;
}

export function writeCount(w: ByteWriter, n: number): void {
  while (n > 0x7f) {
    w.writeUint8((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  w.writeUint8(n);
}

export function readLength(r: ByteReader, path: string): number {
  const n = r.readInt32();
  if (n < 0) throw new AvroDecodeError(path, `A negative length (${n})`);
  return n;
}

export function toBigInt(v: unknown, path: string, what = "a long (bigint)"): bigint {
  if (typeof v === "bigint") {
    if (BigInt.asIntN(64, v) !== v) throw wrong(path, `${what} within 64 bits`, v);
    return v;
  }
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw wrong(path, what, v);
}

export function toInt(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < -(2 ** 31) || v > MAX_INT) throw wrong(path, "an int", v);
  return v;
}

/** Refuses a block count the remaining bytes cannot hold (or, for items of no bytes, an absurd one). */
export function checkCount(r: ByteReader, p: string, n: number, sofar: number, min: number): void {
  if (min > 0 ? n > r.remaining / min : sofar + n > MAX_EMPTY_ITEMS) {
    throw new AvroDecodeError(p, `A block of ${n} items, more than the ${r.remaining} bytes left can hold`);
  }
}
