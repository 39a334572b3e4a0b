/**
 * Java's `DataInputStream` over one file of a checkpoint, as Flink's serializers read it: big-endian numbers,
 * `readUTF` strings. Every failure is a {@link SnapshotFormatError} naming the file, the offset and what was being read,
 * never a bare truncation or a RangeError; counts are checked against the bytes left, so a corrupted count fails at
 * once instead of looping or allocating.
 */
import { ByteReader } from "../core/bytes.ts";
import { toHex } from "../core/hex.ts";
import { decodeModifiedUtf8 } from "../protocol/java/modified-utf8.ts";
import { SnapshotFormatError } from "./errors.ts";

/** A reader of one snapshot file's bytes (or of a region of them). */
export class SnapshotInput {
  /** The file's name in messages (relative to the directory read). */
  readonly file: string;
  /** The offset of `bytes[0]` in the file (a region read on its own, e.g. a framed entry). */
  readonly base: number;
  readonly #r: ByteReader;

  /**
   * @param bytes the file's bytes (or a region of them)
   * @param file the file's name in messages
   * @param base the offset of `bytes[0]` in the file
   */
  constructor(bytes: Uint8Array, file: string, base = 0) {
    this.#r = new ByteReader(bytes);
    this.file = file;
    this.base = base;
  }

  /** The bytes read from. */
  get bytes(): Uint8Array {
    return this.#r.bytes;
  }
  /** The position within `bytes`. */
  get position(): number {
    return this.#r.position;
  }
  /** Bytes left. */
  get remaining(): number {
    return this.#r.remaining;
  }

  /** A {@link SnapshotFormatError} at the current position (or `at`, relative to `bytes`). */
  fail(problem: string, at = this.position): SnapshotFormatError {
    return new SnapshotFormatError(this.file, this.base + at, problem);
  }

  #need(n: number, what: string): void {
    if (n > this.remaining) {
      throw new SnapshotFormatError(
        this.file,
        this.base + this.position,
        `the file ends while reading ${what} (${n} byte(s) needed, ${this.remaining} left).`,
        { endOfInput: true },
      );
    }
  }

  /** Java `readByte`. */
  byte(what: string): number {
    this.#need(1, what);
    return this.#r.readInt8();
  }
  /** Java `read()` of one unsigned byte. */
  ubyte(what: string): number {
    this.#need(1, what);
    return this.#r.readUint8();
  }
  /** Java `readBoolean`. */
  boolean(what: string): boolean {
    this.#need(1, what);
    return this.#r.readBoolean();
  }
  /** Java `readShort`. */
  short(what: string): number {
    this.#need(2, what);
    return this.#r.readInt16();
  }
  /** Java `readInt`. */
  int(what: string): number {
    this.#need(4, what);
    return this.#r.readInt32();
  }
  /** Java `readLong`. */
  long(what: string): bigint {
    this.#need(8, what);
    return this.#r.readInt64();
  }
  /** `n` bytes (a view, no copy). */
  bytesOf(n: number, what: string): Uint8Array {
    if (n < 0) throw this.fail(`${what} has a negative length (${n}).`);
    this.#need(n, what);
    return this.#r.readBytes(n);
  }
  /** Skips `n` bytes. */
  skip(n: number, what: string): void {
    this.bytesOf(n, what);
  }

  /** Java `readUTF`: a 2-byte length, then modified UTF-8. */
  utf(what: string): string {
    const n = (this.short(`the length of ${what}`) & 0xffff);
    const start = this.position;
    const b = this.bytesOf(n, what);
    return decodeModifiedUtf8(b, 0, n, (rel, reason) => {
      throw this.fail(`${what} is not valid modified UTF-8 (${reason}).`, start + rel);
    });
  }

  /**
   * A count (of entries, states, subtasks …) read as a Java int: refused when negative or larger than the bytes left
   * divided by the least bytes one entry takes, so a corrupted count fails here instead of later or never.
   */
  count(what: string, minBytesEach = 1): number {
    const at = this.position;
    const n = this.int(what);
    if (n < 0) throw this.fail(`${what} is ${n}.`, at);
    if (n * minBytesEach > this.remaining) {
      throw new SnapshotFormatError(this.file, this.base + at, `${what} is ${n}, impossible with ${this.remaining} byte(s) left.`, {
        endOfInput: true,
      });
    }
    return n;
  }

  /** An int that must be `expected` (a magic number or a version). */
  expectInt(expected: number, what: string): void {
    const at = this.position;
    const v = this.int(what);
    if (v !== expected) {
      throw this.fail(`expected ${what} ${hex32(expected)}, found ${hex32(v)}.`, at);
    }
  }

  /** The next `n` bytes as hex, for messages (fewer when the file ends). */
  peekHex(n: number): string {
    const p = this.position;
    return toHex(this.bytes.subarray(p, Math.min(p + n, this.bytes.length)));
  }
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, "0")} (${v})`;
}
