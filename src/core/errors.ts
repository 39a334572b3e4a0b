import type { ErrorCode } from "./error-codes.ts";

/**
 * The root of every error this library throws. Switch on `code`, never on the message:
 * codes are stable and documented, messages may be improved.
 *
 * @example
 * ```ts
 * try { deserializeValue(bytes, longSerializer); }
 * catch (e) { if (e instanceof QueryableStateError && e.code === "TRUNCATED_INPUT") { ... } }
 * ```
 */
export class QueryableStateError extends Error {
  /** Stable machine-readable identifier of the failure kind: switch on it (see {@link ErrorCode}). */
  readonly code: ErrorCode;
  /** The Java class Flink uses for this failure on the wire or in its API, when there is one. */
  get javaClassName(): string | undefined {
    return (this.constructor as { javaClassName?: string }).javaClassName;
  }

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
  static readonly javaClassName = "java.io.EOFException";
  /** Bytes the read needed. */
  readonly needed: number;
  /** Bytes that were left. */
  readonly available: number;
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

/** An argument is out of its allowed range or malformed (Java's `IllegalArgumentException`). */
export class InvalidArgumentError extends QueryableStateError {
  static readonly javaClassName = "java.lang.IllegalArgumentException";
  constructor(message: string, options?: { cause?: unknown }) {
    super("INVALID_ARGUMENT", message, options);
  }
}

/**
 * Bytes do not match the serializer used to read them, or a value cannot be written
 * (Java's `IOException` from Flink's KvStateSerializer).
 */
export class SerializationError extends QueryableStateError {
  static readonly javaClassName = "java.io.IOException";
  constructor(message: string, options?: { cause?: unknown }) {
    super("SERIALIZATION", message, options);
  }
}
