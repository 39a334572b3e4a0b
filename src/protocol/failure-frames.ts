/** REQUEST_FAILURE and SERVER_FAILURE frames: a Java-serialized Throwable after the header. */
import { ByteWriter } from "../core/bytes.ts";
import { beginFrame, endFrame } from "./frame.ts";
import { type JavaThrowable, readJavaThrowable, writeJavaThrowable } from "./java/mod.ts";
import { MessageType } from "./message-type.ts";
import { errorFromJavaThrowable, type JavaThrowableInit, RemoteError } from "./remote-errors.ts";

/** Appends a REQUEST_FAILURE frame for `requestId` carrying `throwable`. */
export function writeRequestFailureFrame(w: ByteWriter, requestId: bigint, throwable: JavaThrowableInit, version?: number): void {
  const start = beginFrame(w, MessageType.REQUEST_FAILURE, requestId, version);
  writeJavaThrowable(throwable, w);
  endFrame(w, start);
}

/** Appends a SERVER_FAILURE frame (no request id) carrying `throwable`. */
export function writeServerFailureFrame(w: ByteWriter, throwable: JavaThrowableInit, version?: number): void {
  const start = beginFrame(w, MessageType.SERVER_FAILURE, 0, version);
  writeJavaThrowable(throwable, w);
  endFrame(w, start);
}

/** A REQUEST_FAILURE frame as fresh bytes. */
export function encodeRequestFailureFrame(requestId: bigint, throwable: JavaThrowableInit): Uint8Array {
  const w = new ByteWriter(512);
  writeRequestFailureFrame(w, requestId, throwable);
  return w.view();
}

/** A SERVER_FAILURE frame as fresh bytes. */
export function encodeServerFailureFrame(throwable: JavaThrowableInit): Uint8Array {
  const w = new ByteWriter(512);
  writeServerFailureFrame(w, throwable);
  return w.view();
}

/** Decodes the Throwable in a failure frame's body. Throws JavaSerializationError on a malformed stream. */
export function decodeFailureBody(body: Uint8Array): JavaThrowable {
  return readJavaThrowable(body);
}

/** Decodes a failure frame's body straight into one of our error classes. */
export function decodeFailureError(body: Uint8Array): RemoteError {
  return errorFromJavaThrowable(readJavaThrowable(body));
}

/**
 * The Throwable that describes a local error on the wire: remote errors are re-sent as
 * they came; our other errors go as their Java class when they have one, else as a
 * `java.lang.RuntimeException` carrying the message.
 */
export function javaThrowableOf(error: unknown): JavaThrowableInit {
  if (error instanceof RemoteError) return error.toJavaThrowable();
  if (error instanceof Error) {
    return { className: "java.lang.RuntimeException", message: `${error.name}: ${error.message}` };
  }
  return { className: "java.lang.RuntimeException", message: String(error) };
}
