import { InvalidArgumentError, TruncatedInputError } from "./errors.ts";

const EMPTY = new Uint8Array(0);

/**
 * A growable big-endian byte writer. Reuse one with `reset()` on hot paths: the backing
 * buffer is kept, so steady-state writes allocate nothing.
 *
 * @example
 * ```ts
 * import { ByteReader, ByteWriter } from "queryable-state";
 *
 * const w = new ByteWriter();
 * w.writeInt32(42);
 * w.writeInt64(-2n);
 * const bytes = w.toBytes(); // a copy; w.view() returns a view without copying
 * const r = new ByteReader(bytes);
 * console.log(r.readInt32(), r.readInt64()); // 42 -2n
 * ```
 */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;

  /** Starts with room for `initialCapacity` bytes (at least 16); the buffer doubles as needed. */
  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** Forget the written bytes, keep the buffer. */
  reset(): this {
    this.#pos = 0;
    return this;
  }

  /** Make room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** Writes one unsigned byte (0 to 255). */
  writeUint8(v: number): void {
    this.ensure(1);
    this.#buf[this.#pos++] = v;
  }
  /** Writes a Java `byte`; keeps the low 8 bits. */
  writeInt8(v: number): void {
    this.writeUint8(v & 0xff);
  }
  /** Writes a Java `boolean`: 1 or 0. */
  writeBoolean(v: boolean): void {
    this.writeUint8(v ? 1 : 0);
  }
  /** Writes a Java `short` (big-endian). */
  writeInt16(v: number): void {
    this.ensure(2);
    this.#view.setInt16(this.#pos, v);
    this.#pos += 2;
  }
  /** Writes an unsigned 16-bit value, e.g. a Java `char`. */
  writeUint16(v: number): void {
    this.ensure(2);
    this.#view.setUint16(this.#pos, v);
    this.#pos += 2;
  }
  /** Writes a Java `int` (big-endian). */
  writeInt32(v: number): void {
    this.ensure(4);
    this.#view.setInt32(this.#pos, v);
    this.#pos += 4;
  }
  /** Writes an unsigned 32-bit value (big-endian). */
  writeUint32(v: number): void {
    this.ensure(4);
    this.#view.setUint32(this.#pos, v);
    this.#pos += 4;
  }
  /** Writes a Java `long`; accepts any bigint and keeps its low 64 bits, as Java's cast would. */
  writeInt64(v: bigint): void {
    this.ensure(8);
    this.#view.setBigInt64(this.#pos, BigInt.asIntN(64, v));
    this.#pos += 8;
  }
  /** Writes a Java `float`; NaN is written as Java's canonical `7fc00000`. */
  writeFloat32(v: number): void {
    this.ensure(4);
    if (Number.isNaN(v)) this.#view.setUint32(this.#pos, 0x7fc00000);
    else this.#view.setFloat32(this.#pos, v);
    this.#pos += 4;
  }
  /** Writes a Java `double`; NaN is written as Java's canonical `7ff8000000000000`. */
  writeFloat64(v: number): void {
    this.ensure(8);
    if (Number.isNaN(v)) {
      this.#view.setUint32(this.#pos, 0x7ff80000);
      this.#view.setUint32(this.#pos + 4, 0);
    } else this.#view.setFloat64(this.#pos, v);
    this.#pos += 8;
  }
  /** Appends `bytes` as they are (no length prefix). */
  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }
  /** Overwrites a big-endian int32 at an earlier position (for back-patched lengths). */
  patchInt32(at: number, v: number): void {
    this.#view.setInt32(at, v);
  }

  /**
   * For tight encoding loops: call `ensure(max)` first, write into this buffer from
   * `length`, then `commit(newLength)`. The buffer changes identity when it grows.
   */
  get rawBuffer(): Uint8Array {
    return this.#buf;
  }
  /** Sets the written length after direct writes into `rawBuffer`. */
  commit(newLength: number): void {
    if (newLength < 0 || newLength > this.#buf.length) {
      throw new InvalidArgumentError(`commit(${newLength}) outside buffer of ${this.#buf.length}`);
    }
    this.#pos = newLength;
  }

  /** A view of the written bytes; valid until the next write or reset. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }
  /** A copy of the written bytes that the caller owns. */
  toBytes(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}

/**
 * A bounds-checked big-endian reader over one region of bytes. It never reads before
 * `start` or past `end`: a read that would throws {@link TruncatedInputError}.
 */
export class ByteReader {
  /** The underlying bytes; offsets such as `position` are into this array. */
  readonly bytes: Uint8Array;
  // Created on first use: most message bodies need only byte-math reads, and a DataView per
  // decoded body would be most of the cost of decoding it.
  #dataView: DataView | undefined;
  readonly #end: number;
  #pos: number;

  /** Reads `bytes` from `start` up to (not including) `end`; throws InvalidArgumentError (`INVALID_ARGUMENT`) for an invalid region. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new InvalidArgumentError(`Invalid region [${start}, ${end}) of ${bytes.length} byte(s)`);
    }
    this.bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  get #view(): DataView {
    return this.#dataView ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  /** Current offset into `bytes`. */
  get position(): number {
    return this.#pos;
  }
  /** Bytes left before the end of the region. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  #need(n: number, what: string): number {
    const at = this.#pos;
    if (n > this.#end - at) throw new TruncatedInputError(n, this.#end - at, what);
    this.#pos = at + n;
    return at;
  }

  /** Reads one unsigned byte (0 to 255). */
  readUint8(): number {
    return this.bytes[this.#need(1, "byte")];
  }
  /** Reads a Java `byte` (-128 to 127). */
  readInt8(): number {
    return (this.bytes[this.#need(1, "byte")] << 24) >> 24;
  }
  /** Java `readBoolean`: any non-zero byte is true. */
  readBoolean(): boolean {
    return this.bytes[this.#need(1, "boolean")] !== 0;
  }
  /** Reads a Java `short`. */
  readInt16(): number {
    const at = this.#need(2, "short"), b = this.bytes;
    return ((b[at] << 24) | (b[at + 1] << 16)) >> 16;
  }
  /** Reads an unsigned 16-bit value, e.g. a Java `char`. */
  readUint16(): number {
    const at = this.#need(2, "char"), b = this.bytes;
    return (b[at] << 8) | b[at + 1];
  }
  /** Reads a Java `int`. */
  readInt32(): number {
    const at = this.#need(4, "int"), b = this.bytes;
    return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
  }
  /** Reads a Java `long`. */
  readInt64(): bigint {
    return this.#view.getBigInt64(this.#need(8, "long"));
  }
  /** Reads a Java `float`. */
  readFloat32(): number {
    return this.#view.getFloat32(this.#need(4, "float"));
  }
  /** Reads a Java `double`. */
  readFloat64(): number {
    return this.#view.getFloat64(this.#need(8, "double"));
  }
  /** Returns a view (no copy) of the next `n` bytes. */
  readBytes(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const at = this.#need(n, `${n}-byte block`);
    return this.bytes.subarray(at, at + n);
  }
  /** Skips the next `n` bytes; throws {@link TruncatedInputError} if fewer are left. */
  skip(n: number): void {
    this.#need(n, `${n}-byte block`);
  }
}

/** The big-endian int32 at `at` in `b` (no bounds check: callers have checked the length). */
export function int32At(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}

/** Whether `a` and `b` hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && bytesEqualAt(a, 0, b);
}

/** Whether `b` holds `x`'s bytes from `at` on. */
export function bytesEqualAt(b: Uint8Array, at: number, x: Uint8Array): boolean {
  for (let i = 0; i < x.length; i++) if (b[at + i] !== x[i]) return false;
  return true;
}
