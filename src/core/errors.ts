import type { ErrorCode } from "./error-codes.ts";

/**
 * The root of every error this library throws. Switch on `code`, never on the message:
 * codes are stable and documented, messages may be improved.
 *
 * @example
 * ```ts
 * import { deserializeValue, longSerializer, QueryableStateError } from "queryable-state";
 *
 * try {
 *   deserializeValue(new Uint8Array([0, 1]), longSerializer); // a long needs 8 bytes
 * } catch (e) {
 *   if (!(e instanceof QueryableStateError)) throw e;
 *   console.log(e.code); // "TRUNCATED_INPUT"
 * }
 * ```
 */
export class QueryableStateError extends Error {
  /** Stable machine-readable identifier of the failure kind: switch on it (see {@link ErrorCode}). */
  readonly code: ErrorCode;
  /** The Java class Flink uses for this failure on the wire or in its API, when there is one. */
  get javaClassName(): string | undefined {
    return (this.constructor as { javaClassName?: string }).javaClassName;
  }

  /**
   * An error of kind `code`. Subclasses fix the code; construct this class directly only for codes
   * without one of their own.
   *
   * @param code the failure kind, one of {@link ErrorCode}
   * @param message what happened and what to do about it
   * @param options `cause`: the underlying error, if any
   */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /**
   * `instanceof` also across copies of this library: the npm package's ESM and CommonJS builds
   * are two copies of every class, so an error thrown by one is matched by the other's class of
   * the same name (errors carry a brand shared through `Symbol.for`).
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (value === null || typeof value !== "object" || !(ERROR_BRAND in value)) return false;
    for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
      if (Object.hasOwn(p, "constructor") && (p.constructor as { name?: string }).name === this.name) return true;
    }
    return false;
  }
}

const ERROR_BRAND: unique symbol = Symbol.for("queryable-state.error") as never;
Object.defineProperty(QueryableStateError.prototype, ERROR_BRAND, { value: true });

/** Input ended before a value was complete (Java's `EOFException`). */
export class TruncatedInputError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.io.EOFException";
  /** Bytes the read needed. */
  readonly needed: number;
  /** Bytes that were left. */
  readonly available: number;
  /**
   * Made by {@link ByteReader} and the serializers when a read runs past the end of the input.
   *
   * @param needed bytes the read needed
   * @param available bytes that were left
   * @param what what was being read, for the message (e.g. "long", "string length")
   */
  constructor(needed: number, available: number, what = "value") {
    super(
      "TRUNCATED_INPUT",
      `Truncated input: reading a ${what} needs ${needed} byte(s) but only ${available} remain. ` +
        "The bytes were cut short or written with a different serializer.",
    );
    this.needed = needed;
    this.available = available;
  }
}

/**
 * A watch cannot go on: its resume version cannot be honoured (a version from the future, not of this state), the
 * state cannot be watched, the server holds too many watches, or a map prefix holds more entries than a change may
 * carry. Watch again without `fromVersion` (a new snapshot) or with other arguments, as the message says.
 */
export class WatchEndedError extends QueryableStateError {
  /** The watch's resume version when it ended (what it delivered or passed), when known. */
  readonly resumeVersion: bigint | undefined;
  /**
   * An error with code `WATCH_ENDED`.
   * @param message why the watch ended and what to do
   * @param resumeVersion the last version the watch delivered or passed, when known
   */
  constructor(message: string, resumeVersion?: bigint, options?: { cause?: unknown }) {
    super("WATCH_ENDED", message, options);
    this.resumeVersion = resumeVersion;
  }
}

/** An argument is out of its allowed range or malformed (Java's `IllegalArgumentException`). */
export class InvalidArgumentError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.IllegalArgumentException";
  /**
   * An error with code `INVALID_ARGUMENT`.
   * @param message which argument is wrong, what it was and what is allowed
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/**
 * Bytes do not match the serializer used to read them, or a value cannot be written
 * (Java's `IOException` from Flink's KvStateSerializer).
 */
export class SerializationError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.io.IOException";
  /**
   * An error with code `SERIALIZATION`.
   * @param message what did not match, and the likely cause (e.g. a different serializer)
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("SERIALIZATION", message, options);
  }
}
