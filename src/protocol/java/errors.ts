import { QueryableStateError } from "../../core/errors.ts";

/**
 * A Java Object Serialization stream is malformed, hostile, exceeds a configured limit,
 * or holds something other than what was expected (e.g. not a Throwable). Truncated
 * streams raise {@link TruncatedInputError} instead.
 */
export class JavaSerializationError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.io.StreamCorruptedException";
  /** Offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;

  /**
   * An error with code `JAVA_SERIALIZATION`.
   * @param message what is wrong with the stream
   * @param offset where in the input it was found, when known (the message then names it)
   */
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
