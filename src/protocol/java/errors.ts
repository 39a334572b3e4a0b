import { QueryableStateError } from "../../core/errors.ts";

/**
 * A Java Object Serialization stream is malformed, hostile, exceeds a configured limit,
 * or holds something other than what was expected (e.g. not a Throwable). Truncated
 * streams raise {@link TruncatedInputError} instead.
 */
export class JavaSerializationError extends QueryableStateError {
  static readonly javaClassName = "java.io.StreamCorruptedException";
  /** Offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(
      "JAVA_SERIALIZATION",
      offset === undefined
        ? `Invalid Java serialization stream: ${message}`
        : `Invalid Java serialization stream at offset ${offset}: ${message}`,
      options,
    );
    this.offset = offset;
  }
}
