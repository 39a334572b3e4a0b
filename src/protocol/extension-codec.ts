/**
 * The building blocks of every extension payload and answer: strings, failure records, nullable byte fields,
 * counts checked against the bytes present, and the payload and answer headers. Pure: web-standard globals only.
 */
import { type ByteReader, ByteWriter } from "../core/bytes.ts";
import { TruncatedInputError } from "../core/errors.ts";
import { InvalidFrameError } from "./errors.ts";
import { EXTENSION_VERSION, type ExtOp, ExtStatus, MAX_FAILURE_DEPTH } from "./extension-ops.ts";
import type { JavaThrowableInit } from "./remote-errors.ts";
import { decodeUtf8, encodeUtf8Java } from "./utf8.ts";

/** Writes `[i32 n][n bytes UTF-8]`, or `[i32 -1]` for null. */
export function writeExtString(w: ByteWriter, s: string | null): void {
  if (s === null) {
    w.writeInt32(-1);
    return;
  }
  const b = encodeUtf8Java(s);
  w.writeInt32(b.length);
  w.writeBytes(b);
}

/** Reads what {@link writeExtString} wrote; a negative length other than -1 is malformed. */
export function readExtString(r: ByteReader, what: string): string | null {
  const n = r.readInt32();
  if (n === -1) return null;
  if (n < 0) throw new InvalidFrameError(`Negative length ${n} for ${what} in an extension message.`, false);
  return decodeUtf8(r.readBytes(n));
}

export function readNonNullString(r: ByteReader, what: string): string {
  const s = readExtString(r, what);
  if (s === null) throw new InvalidFrameError(`Missing ${what} in an extension message.`, false);
  return s;
}

/** Writes a failure: `[string className][string|null message][u8 hasCause][cause …]`, at most {@link MAX_FAILURE_DEPTH} deep. */
export function writeFailureRecord(w: ByteWriter, t: JavaThrowableInit, depth = 0): void {
  writeExtString(w, t.className);
  writeExtString(w, t.message);
  const cause = depth + 1 < MAX_FAILURE_DEPTH ? t.cause ?? null : null;
  w.writeUint8(cause === null ? 0 : 1);
  if (cause !== null) writeFailureRecord(w, cause, depth + 1);
}

/** Reads a failure record; deeper chains than {@link MAX_FAILURE_DEPTH} are malformed. */
export function readFailureRecord(r: ByteReader, depth = 0): JavaThrowableInit {
  if (depth >= MAX_FAILURE_DEPTH) throw new InvalidFrameError(`A failure record nests more than ${MAX_FAILURE_DEPTH} causes.`, false);
  const className = readNonNullString(r, "a failure's class name");
  const message = readExtString(r, "a failure's message");
  const hasCause = r.readUint8();
  if (hasCause > 1) throw new InvalidFrameError(`A failure record's cause flag is ${hasCause}, not 0 or 1.`, false);
  return { className, message, cause: hasCause === 1 ? readFailureRecord(r, depth + 1) : null };
}

export function writeNullableBytes(w: ByteWriter, b: Uint8Array | null): void {
  if (b === null) {
    w.writeInt32(-1);
    return;
  }
  w.writeInt32(b.length);
  w.writeBytes(b);
}

export function readNullableBytes(r: ByteReader, what: string): Uint8Array | null {
  const n = r.readInt32();
  if (n === -1) return null;
  if (n < 0) throw new InvalidFrameError(`Negative length ${n} for ${what} in an extension message.`, false);
  return r.readBytes(n);
}

export function beginPayload(op: ExtOp, size = 64): ByteWriter {
  const w = new ByteWriter(size);
  w.writeUint8(EXTENSION_VERSION);
  w.writeUint8(op);
  return w;
}

/** A count that fits in what is left (each item takes at least `minBytes`): a hostile count allocates nothing. */
export function readCount(r: ByteReader, minBytes: number, what: string): number {
  const n = r.readInt32();
  if (n < 0 || n * minBytes > r.remaining) {
    throw new InvalidFrameError(`Impossible count ${n} of ${what} in an extension message of ${r.remaining} bytes left.`, false);
  }
  return n;
}

export function readBytesField(r: ByteReader, what: string): Uint8Array {
  const n = r.readInt32();
  if (n < 0) throw new InvalidFrameError(`Negative length ${n} for ${what} in an extension message.`, false);
  return r.readBytes(n);
}

/** Starts an answer: `[u8 version][u8 op][u8 status]`; append the body to the returned writer. */
export function beginAnswer(op: number, status: ExtStatus, sizeHint = 64): ByteWriter {
  const w = new ByteWriter(sizeHint);
  w.writeUint8(EXTENSION_VERSION);
  w.writeUint8(op);
  w.writeUint8(status);
  return w;
}

/** A FAILED answer carrying `failure`. */
export function encodeFailedAnswer(op: number, failure: JavaThrowableInit): Uint8Array {
  const w = beginAnswer(op, ExtStatus.FAILED, 256);
  writeFailureRecord(w, failure);
  return w.view();
}

/** An UNSUPPORTED answer with its reason. */
export function encodeUnsupportedAnswer(op: number, reason: string): Uint8Array {
  const w = beginAnswer(op, ExtStatus.UNSUPPORTED);
  writeExtString(w, reason);
  return w.view();
}

/** A TOO_LARGE answer naming the size limit. */
export function encodeTooLargeAnswer(op: number, limitBytes: number): Uint8Array {
  const w = beginAnswer(op, ExtStatus.TOO_LARGE);
  w.writeInt64(BigInt(limitBytes));
  return w.view();
}

/** Runs `read` over a peer's bytes: truncation and bad fields become one `InvalidFrameError` naming `what`. */
export function readExtension<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof TruncatedInputError || e instanceof InvalidFrameError) {
      throw new InvalidFrameError(`Malformed ${what}: ${e.message}`, false, { cause: e });
    }
    throw e;
  }
}
