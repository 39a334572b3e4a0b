// Kryo's Input and Output primitives, for both generations Flink uses: Kryo 2.24 (Flink 1.x) writes
// fixed-width numbers big-endian, Kryo 5 (Flink 2.x) little-endian; varints, zigzag and strings are shared.
import type { ByteReader, ByteWriter } from "../../core/bytes.ts";
import { SerializationError, TruncatedInputError } from "../../core/errors.ts";

/** The Kryo generation a Flink major version uses: 1 = Kryo 2.24 (Flink 1.x), 2 = Kryo 5 (Flink 2.x). */
export type KryoGeneration = 1 | 2;

const MASK64 = (1n << 64n) - 1n;

/** Reads Kryo's encodings from a {@link ByteReader}; `position` is the offset into its bytes (for messages). */
export class KryoInput {
  readonly r: ByteReader;
  readonly le: boolean;
  constructor(r: ByteReader, generation: KryoGeneration) {
    this.r = r;
    this.le = generation === 2;
  }
  get position(): number {
    return this.r.position;
  }
  u8(): number {
    return this.r.readUint8();
  }
  i8(): number {
    return this.r.readInt8();
  }
  /** Kryo's readBoolean: only the byte 1 is true. */
  boolean(): boolean {
    return this.r.readUint8() === 1;
  }
  i16(): number {
    const v = this.r.readUint16();
    const x = this.le ? ((v & 0xff) << 8) | (v >>> 8) : v;
    return (x << 16) >> 16;
  }
  u16(): number {
    const v = this.r.readUint16();
    return this.le ? ((v & 0xff) << 8) | (v >>> 8) : v;
  }
  i32(): number {
    const b = this.r.readBytes(4);
    return this.le ? b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24) : (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  }
  i64(): bigint {
    const b = this.r.readBytes(8);
    let x = 0n;
    for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(b[this.le ? 7 - i : i]);
    return BigInt.asIntN(64, x);
  }
  f32(): number {
    const b = this.r.readBytes(4);
    const v = new DataView(b.buffer, b.byteOffset, 4);
    return v.getFloat32(0, this.le);
  }
  f64(): number {
    const b = this.r.readBytes(8);
    const v = new DataView(b.buffer, b.byteOffset, 8);
    return v.getFloat64(0, this.le);
  }
  /** A 1-5 byte varint; zigzag-decoded unless `optimizePositive`. Returns a Java int. */
  varInt(optimizePositive: boolean): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.r.readUint8();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
    }
    return optimizePositive ? result | 0 : (result >>> 1) ^ -(result & 1);
  }
  /** A 1-9 byte varint (the ninth byte holds 8 bits); zigzag-decoded unless `optimizePositive`. Returns a Java long. */
  varLong(optimizePositive: boolean): bigint {
    let result = 0n;
    for (let i = 0; i < 9; i++) {
      const b = this.r.readUint8();
      if (i === 8) {
        result |= BigInt(b) << 56n;
        break;
      }
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) break;
    }
    result &= MASK64;
    if (!optimizePositive) result = (result >> 1n) ^ -(result & 1n);
    return BigInt.asIntN(64, result);
  }
  /** Kryo 5's varint with a flag in the first byte's high bit: `[flag, value]` (6 value bits in the first byte). */
  varIntFlag(): [boolean, number] {
    const first = this.r.readUint8();
    let result = first & 0x3f;
    if (first & 0x40) {
      for (let shift = 6; shift < 34; shift += 7) {
        const b = this.r.readUint8();
        result |= (b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
      }
    }
    return [(first & 0x80) !== 0, result | 0];
  }
  /**
   * Kryo's `readString`: an ASCII run whose last byte has the high bit set, or (high bit on the first byte)
   * a flagged varint of `length + 1` (0 = null) and the UTF-16 units, each as 1-3 bytes of (modified) UTF-8.
   */
  string(): string | null {
    const bytes = this.r.bytes;
    const start = this.r.position;
    const limit = start + this.r.remaining;
    if (start >= limit) throw new TruncatedInputError(1, 0, "Kryo string");
    if ((bytes[start] & 0x80) === 0) {
      let end = start;
      do {
        if (end >= limit) throw new TruncatedInputError(end - start + 1, limit - start, "Kryo ASCII string");
      } while ((bytes[end++] & 0x80) === 0);
      let s = "";
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i] & 0x7f);
      this.r.skip(end - start);
      return s;
    }
    const [, n] = this.varIntFlag();
    if (n === 0) return null;
    const count = n - 1;
    if (count < 0 || count > this.r.remaining) throw new TruncatedInputError(count, this.r.remaining, "Kryo string");
    const units = new Array<number>(count);
    for (let i = 0; i < count; i++) {
      const b = this.r.readUint8();
      if (b < 0x80) units[i] = b;
      else if (b >> 5 === 6) units[i] = ((b & 0x1f) << 6) | (this.r.readUint8() & 0x3f);
      else if (b >> 4 === 14) {
        const b2 = this.r.readUint8(), b3 = this.r.readUint8();
        units[i] = ((b & 0x0f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      } else {
        throw new SerializationError(
          `Kryo string at byte ${start}: byte 0x${b.toString(16)} at ${this.r.position - 1} starts no character: ` +
            "the bytes are not Kryo's.",
        );
      }
    }
    let s = "";
    for (let i = 0; i < count; i += 4096) s += String.fromCharCode(...units.slice(i, i + 4096));
    return s;
  }
}

/** Writes Kryo's encodings to a {@link ByteWriter}. */
export class KryoOutput {
  readonly w: ByteWriter;
  readonly le: boolean;
  readonly generation: KryoGeneration;
  constructor(w: ByteWriter, generation: KryoGeneration) {
    this.w = w;
    this.le = generation === 2;
    this.generation = generation;
  }
  u8(v: number): void {
    this.w.writeUint8(v & 0xff);
  }
  boolean(v: boolean): void {
    this.w.writeUint8(v ? 1 : 0);
  }
  i16(v: number): void {
    const x = v & 0xffff;
    this.w.writeUint16(this.le ? ((x & 0xff) << 8) | (x >>> 8) : x);
  }
  i32(v: number): void {
    if (!this.le) return this.w.writeInt32(v);
    for (let i = 0; i < 4; i++) this.w.writeUint8((v >>> (8 * i)) & 0xff);
  }
  i64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    for (let i = 0; i < 8; i++) this.w.writeUint8(Number((x >> BigInt(8 * (this.le ? i : 7 - i))) & 0xffn));
  }
  f32(v: number): void {
    const b = new Uint8Array(4);
    const d = new DataView(b.buffer);
    if (Number.isNaN(v)) d.setUint32(0, 0x7fc00000, this.le);
    else d.setFloat32(0, v, this.le);
    this.w.writeBytes(b);
  }
  f64(v: number): void {
    const b = new Uint8Array(8);
    const d = new DataView(b.buffer);
    if (Number.isNaN(v)) d.setBigUint64(0, 0x7ff8000000000000n, this.le);
    else d.setFloat64(0, v, this.le);
    this.w.writeBytes(b);
  }
  varInt(v: number, optimizePositive: boolean): void {
    let x = optimizePositive ? v >>> 0 : ((v << 1) ^ (v >> 31)) >>> 0;
    while (x > 0x7f) {
      this.w.writeUint8((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    this.w.writeUint8(x);
  }
  varLong(v: bigint, optimizePositive: boolean): void {
    let x = BigInt.asUintN(64, optimizePositive ? v : (v << 1n) ^ (v >> 63n));
    for (let i = 0; i < 8; i++) {
      if (x <= 0x7fn) return this.w.writeUint8(Number(x));
      this.w.writeUint8(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.w.writeUint8(Number(x));
  }
  /** Kryo 5's flagged varint: the flag in the first byte's high bit, 6 value bits in the first byte. */
  varIntFlag(flag: boolean, v: number): void {
    let x = v >>> 0;
    const first = (x & 0x3f) | (flag ? 0x80 : 0);
    if (x >>> 6 === 0) return this.w.writeUint8(first);
    this.w.writeUint8(first | 0x40);
    x >>>= 6;
    while (x > 0x7f) {
      this.w.writeUint8((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    this.w.writeUint8(x);
  }
  /**
   * Kryo's `writeString`: 2 to 63 (Kryo 2.24) or 2 to 32 (Kryo 5) ASCII characters as bytes with the high bit
   * on the last; any other string as a flagged varint of `length + 1` and each UTF-16 unit as 1-3 bytes.
   */
  string(v: string | null): void {
    if (v === null) return this.w.writeUint8(0x80);
    const n = v.length;
    if (n === 0) return this.w.writeUint8(0x81);
    if (n > 1 && n <= (this.generation === 1 ? 63 : 32) && isAscii(v)) return this.#asciiRun(v);
    this.varIntFlag(true, n + 1);
    this.#units(v);
  }
  /** Kryo 2.24's `writeString` of a CharSequence (a StringBuilder): always the length form, never an ASCII run. */
  utf8(v: string): void {
    if (v.length === 0) return this.w.writeUint8(0x81);
    this.varIntFlag(true, v.length + 1);
    this.#units(v);
  }
  /** Kryo's `writeAscii` (class names in Kryo 5): any length of ASCII as a run; 0 or 1 character in the length form. */
  ascii(v: string): void {
    if (v.length === 0) return this.w.writeUint8(0x81);
    if (v.length === 1) {
      this.w.writeUint8(0x82);
      return this.w.writeUint8(v.charCodeAt(0));
    }
    this.#asciiRun(v);
  }
  #asciiRun(v: string): void {
    const n = v.length;
    for (let i = 0; i < n - 1; i++) this.w.writeUint8(v.charCodeAt(i));
    this.w.writeUint8(v.charCodeAt(n - 1) | 0x80);
  }
  #units(v: string): void {
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c <= 0x7f) this.w.writeUint8(c);
      else if (c > 0x7ff) {
        this.w.writeUint8(0xe0 | ((c >> 12) & 0x0f));
        this.w.writeUint8(0x80 | ((c >> 6) & 0x3f));
        this.w.writeUint8(0x80 | (c & 0x3f));
      } else {
        this.w.writeUint8(0xc0 | ((c >> 6) & 0x1f));
        this.w.writeUint8(0x80 | (c & 0x3f));
      }
    }
  }
}

/** True when every UTF-16 unit of `s` is 0-127. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}
