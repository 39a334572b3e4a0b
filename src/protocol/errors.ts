import { QueryableStateError } from "../core/errors.ts";
import type { ErrorCode } from "../core/error-codes.ts";

/** Bytes on the wire break the frame format. The connection cannot be trusted afterwards when `fatal`. */
export class ProtocolError extends QueryableStateError {
  /** True when the byte stream lost its framing (the connection must be closed). */
  readonly fatal: boolean;
  /** Builds an error with `code`; `fatal` says whether the connection lost its framing. */
  constructor(code: ErrorCode, message: string, fatal: boolean, options?: { cause?: unknown }) {
    super(code, message, options);
    this.fatal = fatal;
  }
}

/** Text protocols whose first four bytes, read as a frame length, look like a huge frame. */
const TEXT_PEERS: Record<number, string> = {
  0x48545450: "an HTTP server (it answered \"HTTP\")",
  0x3c21444f: "an HTTP server (it answered with an HTML page)",
  0x3c68746d: "an HTTP server (it answered with an HTML page)",
  0x3c48544d: "an HTTP server (it answered with an HTML page)",
  0x47455420: "an HTTP client (it sent \"GET \")",
  0x504f5354: "an HTTP client (it sent \"POST\")",
  0x5353482d: "an SSH server (it sent \"SSH-\")",
};

function tooLargeMessage(frameLength: number, maxFrameLength: number): string {
  const peer = TEXT_PEERS[frameLength];
  if (peer !== undefined) {
    return `The peer is ${peer}, not a queryable-state server or proxy: check the address and port ` +
      "(a Flink proxy listens on queryable-state.proxy.ports, 9069 by default).";
  }
  if (frameLength >= 0x16030000 && frameLength <= 0x160304ff) {
    return "The peer speaks TLS: connect with the tls option, or point at a plaintext port.";
  }
  return `Frame of ${frameLength} bytes exceeds the maximum of ${maxFrameLength} bytes. ` +
    "Raise maxFrameLength if such large values are expected.";
}

/** A frame announced a length above the configured maximum (a guard against memory exhaustion). */
export class FrameTooLargeError extends ProtocolError {
  /** The Java exception Netty throws in this case. */
  static readonly javaClassName = "io.netty.handler.codec.TooLongFrameException";
  /** The announced frame length. */
  readonly frameLength: number;
  /** The configured maximum. */
  readonly maxFrameLength: number;
  /** Builds the error; its message names the peer when the length looks like HTTP, SSH or TLS bytes. */
  constructor(frameLength: number, maxFrameLength: number) {
    super("FRAME_TOO_LARGE", tooLargeMessage(frameLength, maxFrameLength), true);
    this.frameLength = frameLength;
    this.maxFrameLength = maxFrameLength;
  }
}

/** A frame or message body is malformed: impossible length, too short, negative field length. */
export class InvalidFrameError extends ProtocolError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalArgumentException";
  /** Builds the error; `fatal` when the framing itself is broken. */
  constructor(message: string, fatal: boolean, options?: { cause?: unknown }) {
    super("INVALID_FRAME", message, fatal, options);
  }
}

/** A frame carries another protocol version than 0x79a1b710. */
export class VersionMismatchError extends ProtocolError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The version the frame carried. */
  readonly found: number;
  /** Builds the error with Flink's exact text. */
  constructor(found: number, expected: number) {
    // Flink's text, two spaces included, so peers that match on it keep working.
    super("VERSION_MISMATCH", `Version Mismatch:  Found ${found}, Expected: ${expected}.`, false);
    this.found = found;
  }
}

/** A frame's message type is not one of REQUEST, REQUEST_RESULT, REQUEST_FAILURE, SERVER_FAILURE. */
export class UnknownMessageTypeError extends ProtocolError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The message type index the frame carried. */
  readonly messageType: number;
  /** Builds the error with Flink's text. */
  constructor(messageType: number) {
    super("UNKNOWN_MESSAGE_TYPE", `Illegal message type with index ${messageType}.`, false);
    this.messageType = messageType;
  }
}

/** A frame began arriving but did not complete within the connection's frame timeout (a stalled or slow sender). */
export class FrameTimeoutError extends ProtocolError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The frame timeout that passed, in milliseconds (`frameTimeoutMs`). */
  readonly timeoutMs: number;
  /**
   * Made by a server connection whose incomplete frame made no progress for `timeoutMs`.
   * @param bufferedBytes bytes of the incomplete frame received so far
   * @param timeoutMs the frame timeout, in milliseconds
   */
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
