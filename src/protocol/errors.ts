import { QueryableStateError } from "../core/errors.ts";

/** Bytes on the wire break the frame format. The connection cannot be trusted afterwards when `fatal`. */
export class ProtocolError extends QueryableStateError {
  /** True when the byte stream lost its framing (the connection must be closed). */
  readonly fatal: boolean;
  constructor(code: string, message: string, fatal: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.fatal = fatal;
  }
}

/** A frame announced a length above the configured maximum (a guard against memory exhaustion). */
export class FrameTooLargeError extends ProtocolError {
  static readonly javaClassName = "io.netty.handler.codec.TooLongFrameException";
  readonly frameLength: number;
  readonly maxFrameLength: number;
  constructor(frameLength: number, maxFrameLength: number) {
    super(
      "FRAME_TOO_LARGE",
      `Frame of ${frameLength} bytes exceeds the maximum of ${maxFrameLength} bytes. ` +
        "Raise maxFrameLength if such large values are expected.",
      true,
    );
    this.frameLength = frameLength;
    this.maxFrameLength = maxFrameLength;
  }
}

/** A frame or message body is malformed: impossible length, too short, negative field length. */
export class InvalidFrameError extends ProtocolError {
  static readonly javaClassName = "java.lang.IllegalArgumentException";
  constructor(message: string, fatal: boolean, options?: { cause?: unknown }) {
    super("INVALID_FRAME", message, fatal, options);
  }
}

/** A frame carries another protocol version than 0x79a1b710. */
export class VersionMismatchError extends ProtocolError {
  static readonly javaClassName = "java.lang.IllegalStateException";
  readonly found: number;
  constructor(found: number, expected: number) {
    // Flink's text, two spaces included, so peers that match on it keep working.
    super("VERSION_MISMATCH", `Version Mismatch:  Found ${found}, Expected: ${expected}.`, false);
    this.found = found;
  }
}

/** A frame's message type is not one of REQUEST, REQUEST_RESULT, REQUEST_FAILURE, SERVER_FAILURE. */
export class UnknownMessageTypeError extends ProtocolError {
  static readonly javaClassName = "java.lang.IllegalStateException";
  readonly messageType: number;
  constructor(messageType: number) {
    super("UNKNOWN_MESSAGE_TYPE", `Illegal message type with index ${messageType}.`, false);
    this.messageType = messageType;
  }
}

/** A frame began arriving but did not complete within the connection's frame timeout (a stalled or slow sender). */
export class FrameTimeoutError extends ProtocolError {
  static readonly javaClassName = "java.lang.IllegalStateException";
  readonly timeoutMs: number;
  constructor(bufferedBytes: number, timeoutMs: number) {
    super(
      "FRAME_TIMEOUT",
      `A frame stayed incomplete for ${Math.round(timeoutMs)} ms (${bufferedBytes} bytes received); closing the connection. ` +
        "Send each frame whole, or raise frameTimeoutMs for very slow links.",
      true,
    );
    this.timeoutMs = timeoutMs;
  }
}
