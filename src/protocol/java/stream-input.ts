/**
 * What reading one Java object stream keeps track of (internal to {@link ObjectStreamReader}):
 * the bytes, the handle table, the nesting depth and the limits that bound hostile input, plus
 * the primitives every part of the reader uses (strings, handles, back references).
 */
import { ByteReader } from "../../core/bytes.ts";
import { InvalidArgumentError, TruncatedInputError } from "../../core/errors.ts";
import { JavaSerializationError } from "./errors.ts";
import { decodeModifiedUtf8 } from "./modified-utf8.ts";
import {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_HANDLES,
  type JavaBlockData,
  type JavaClassDesc,
  type JavaContent,
  type JavaValue,
  type ObjectStreamReaderOptions,
} from "./object-model.ts";
import { BASE_WIRE_HANDLE, TC } from "./stream-constants.ts";

export const EMPTY_VALUES: ReadonlyMap<string, JavaValue> = new Map();
export const EMPTY_CONTENTS: readonly JavaContent[] = Object.freeze([]);
/** Returned by readItem for TC_ENDBLOCKDATA in content position. */
export const END_BLOCK: unique symbol = Symbol("TC_ENDBLOCKDATA");

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
export type Item = JavaContent | typeof END_BLOCK;

export function isBlockData(item: Item): item is JavaBlockData {
  return typeof item === "object" && item !== null && (item as { kind: string }).kind === "blockData";
}

/** True if the error is the JS engine's stack overflow (RangeError). */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

function checkLimit(value: number | undefined, fallback: number, name: string, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${value}.`);
  }
  return value;
}

/** The bytes of one stream and its handle table, nesting depth and limits. */
export class StreamInput {
  readonly in: ByteReader;
  readonly maxDepth: number;
  readonly maxHandles: number;
  /** Descriptors whose handle exists but whose definition is still being read. */
  readonly pendingDescs: Set<JavaClassDesc> = new Set();
  #handles: unknown[] = [];
  #depth = 0;

  constructor(bytes: Uint8Array, options: ObjectStreamReaderOptions | undefined, start: number, end: number) {
    this.in = new ByteReader(bytes, start, end);
    this.maxDepth = checkLimit(options?.maxDepth, DEFAULT_MAX_DEPTH, "maxDepth", 1);
    this.maxHandles = checkLimit(options?.maxHandles, DEFAULT_MAX_HANDLES, "maxHandles", 0);
  }

  /** The next type code, not consumed. */
  peek(): number {
    const at = this.in.position;
    if (this.in.remaining === 0) throw new TruncatedInputError(1, 0, "type code");
    return this.in.bytes[at];
  }

  /** TC_RESET: the handles assigned so far are forgotten. */
  resetHandles(): void {
    this.#handles = [];
  }

  /** One level deeper (the item at `at`); {@link leave} when it is read. */
  enter(at: number): void {
    if (++this.#depth > this.maxDepth) {
      throw new JavaSerializationError(`nesting deeper than maxDepth (${this.maxDepth})`, at);
    }
  }

  leave(): void {
    this.#depth--;
  }

  /** Gives `value` the next handle. */
  assign(value: unknown, at: number): void {
    if (this.#handles.length >= this.maxHandles) {
      throw new JavaSerializationError(
        `more than maxHandles (${this.maxHandles}) objects in one stream`,
        at,
      );
    }
    this.#handles.push(value);
  }

  /** Reads a handle and returns what it names (TC_REFERENCE at `at`). */
  lookup(at: number): unknown {
    const handle = this.in.readInt32();
    const index = handle - BASE_WIRE_HANDLE;
    if (index < 0 || index >= this.#handles.length) {
      throw new JavaSerializationError(
        `back-reference to handle 0x${(handle >>> 0).toString(16)}, which does not exist ` +
          `(${this.#handles.length} handle(s) assigned)`,
        at,
      );
    }
    return this.#handles[index];
  }

  /** A modified UTF-8 string with a 16-bit length (writeUTF), not a handle of its own. */
  readUtf(what: string): string {
    const length = this.in.readUint16();
    return this.#decodeUtf(length, what);
  }

  #decodeUtf(length: number, what: string): string {
    const start = this.in.position;
    this.in.skip(length);
    return decodeModifiedUtf8(this.in.bytes, start, length, (rel, reason) => {
      throw new JavaSerializationError(`invalid modified UTF-8 in ${what}: ${reason}`, start + rel);
    });
  }

  /** The body of TC_STRING / TC_LONGSTRING (type code `tc` at `at`, already read); assigns its handle. */
  readString(tc: number, at: number): string {
    let length: number;
    if (tc === TC.STRING) {
      length = this.in.readUint16();
    } else {
      const long = this.in.readInt64();
      if (long < 0n) throw new JavaSerializationError(`negative long string length ${long}`, at);
      if (long > BigInt(this.in.remaining)) {
        throw new TruncatedInputError(Number(long), this.in.remaining, "long string");
      }
      length = Number(long);
    }
    const s = this.#decodeUtf(length, "string");
    this.assign(s, at);
    return s;
  }
}
