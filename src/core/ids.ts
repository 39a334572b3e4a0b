import { ByteReader, type ByteWriter } from "./bytes.ts";
import { InvalidArgumentError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";

/**
 * A 16-byte id as Flink's `AbstractID`: two Java longs, `lowerPart` then `upperPart`
 * on the wire; the hex form is those 16 bytes in order (32 lower-case hex chars).
 */
export abstract class AbstractId {
  /** Signed 64-bit lower part (Java `long`). */
  readonly lowerPart: bigint;
  /** Signed 64-bit upper part (Java `long`). */
  readonly upperPart: bigint;
  // The wire bytes and the map key, made once: a proxy uses the same ids for every request it forwards.
  #wire: Uint8Array | undefined;
  #key: string | undefined;

  /** An id of two Java longs; each part is wrapped to signed 64 bits. */
  constructor(lowerPart: bigint, upperPart: bigint) {
    this.lowerPart = BigInt.asIntN(64, lowerPart);
    this.upperPart = BigInt.asIntN(64, upperPart);
  }

  /** The 16 wire bytes (lower part, then upper part, big-endian). */
  toBytes(): Uint8Array {
    return this.#wireBytes().slice();
  }

  /** The 16 wire bytes, computed once (never handed out: callers of toBytes get a copy). */
  #wireBytes(): Uint8Array {
    let out = this.#wire;
    if (out === undefined) {
      out = new Uint8Array(16);
      const v = new DataView(out.buffer);
      v.setBigInt64(0, this.lowerPart);
      v.setBigInt64(8, this.upperPart);
      this.#wire = out;
    }
    return out;
  }

  /**
   * A compact map key for the id: its 16 wire bytes as a 16-character latin1 string.
   * {@link idKeyOfBytes} gives the same key straight from wire bytes, without parsing.
   */
  get key(): string {
    return this.#key ??= idKeyOfBytes(this.#wireBytes(), 0);
  }

  /** Writes the 16 wire bytes. */
  writeTo(w: ByteWriter): void {
    w.writeBytes(this.#wireBytes());
  }

  /** 32 lower-case hex characters, identical to Flink's `toString()`. */
  toString(): string {
    return toHex(this.#wireBytes());
  }

  /** The hex form, so ids serialize to JSON as strings. */
  toJSON(): string {
    return this.toString();
  }

  /** Same class and same 16 bytes, as Java's `AbstractID.equals`. */
  equals(other: unknown): boolean {
    return other instanceof AbstractId && other.constructor === this.constructor &&
      other.lowerPart === this.lowerPart && other.upperPart === this.upperPart;
  }

  /** Java's `AbstractID.hashCode()`. */
  hashCode(): number {
    const l = BigInt.asUintN(64, this.lowerPart);
    const u = BigInt.asUintN(64, this.upperPart);
    return (Number(l & 0xffffffffn) ^ Number(l >> 32n) ^ Number(u & 0xffffffffn) ^
      Number(u >> 32n)) | 0;
  }
}

/** The map key of the id whose 16 wire bytes start at `at` (see {@link AbstractId.key}). */
export function idKeyOfBytes(b: Uint8Array, at: number): string {
  return String.fromCharCode(
    b[at], b[at + 1], b[at + 2], b[at + 3], b[at + 4], b[at + 5], b[at + 6], b[at + 7],
    b[at + 8], b[at + 9], b[at + 10], b[at + 11], b[at + 12], b[at + 13], b[at + 14], b[at + 15],
  );
}

type IdClass<T> = { new (lowerPart: bigint, upperPart: bigint): T; readonly kind: string };

function parseHex<T>(cls: IdClass<T>, text: string): T {
  if (typeof text !== "string" || text.length !== 32) {
    throw new InvalidArgumentError(
      `A ${cls.kind} is 32 hex characters (16 bytes), got ${JSON.stringify(text)}.`,
    );
  }
  return fromBytes(cls, fromHex(text));
}

function fromBytes<T>(cls: IdClass<T>, bytes: Uint8Array): T {
  if (bytes.length !== 16) {
    throw new InvalidArgumentError(`A ${cls.kind} is 16 bytes, got ${bytes.length}.`);
  }
  const r = new ByteReader(bytes);
  return new cls(r.readInt64(), r.readInt64());
}

function randomParts(): [bigint, bigint] {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  const v = new DataView(b.buffer);
  return [v.getBigInt64(0), v.getBigInt64(8)];
}

/** Identifies a job. */
export class JobID extends AbstractId {
  /** The id type's name, used in error messages. */
  static readonly kind = "JobID";
  /** Parses Flink's 32-character hex form. */
  static fromHex(text: string): JobID {
    return parseHex(JobID, text);
  }
  /** The id whose 16 wire bytes are `bytes`; throws InvalidArgumentError for another length. */
  static fromBytes(bytes: Uint8Array): JobID {
    return fromBytes(JobID, bytes);
  }
  /** A random id (from `crypto.getRandomValues`), as Flink's `new JobID()`. */
  static random(): JobID {
    return new JobID(...randomParts());
  }
  /** Reads the 16 wire bytes from `r`. */
  static readFrom(r: ByteReader): JobID {
    return new JobID(r.readInt64(), r.readInt64());
  }
}

/** Identifies one registered KvState instance on a state server. */
export class KvStateID extends AbstractId {
  /** The id type's name, used in error messages. */
  static readonly kind = "KvStateID";
  /** Parses Flink's 32-character hex form. */
  static fromHex(text: string): KvStateID {
    return parseHex(KvStateID, text);
  }
  /** The id whose 16 wire bytes are `bytes`; throws InvalidArgumentError for another length. */
  static fromBytes(bytes: Uint8Array): KvStateID {
    return fromBytes(KvStateID, bytes);
  }
  /** A random id (from `crypto.getRandomValues`), as Flink's `new KvStateID()`. */
  static random(): KvStateID {
    return new KvStateID(...randomParts());
  }
  /** Reads the 16 wire bytes from `r`. */
  static readFrom(r: ByteReader): KvStateID {
    return new KvStateID(r.readInt64(), r.readInt64());
  }
}
