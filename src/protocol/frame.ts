import type { ByteWriter } from "../core/bytes.ts";
import { HEADER_LENGTH, MessageType, PROTOCOL_VERSION, REQUEST_ID_SIZE } from "./message-type.ts";

/** One decoded frame. `body` is a view into the received bytes (no copy). */
export interface Frame {
  /** What the frame carries: a REQUEST, its REQUEST_RESULT or REQUEST_FAILURE, or a SERVER_FAILURE. */
  readonly type: MessageType;
  /** The request id; -1n for SERVER_FAILURE, which has none. */
  readonly requestId: bigint;
  /** High and low 32 bits of the request id (0 and -1 for SERVER_FAILURE): echo them without a bigint. */
  readonly requestIdHigh: number;
  /** Low 32 bits of the request id (see {@link requestIdHigh}). */
  readonly requestIdLow: number;
  /** The message body after the header and request id (a view, see above: copy it to keep it past the chunk). */
  readonly body: Uint8Array;
}

/** A request id as a number: exact below 2^53, which covers every id our clients make. */
export function requestIdNumber(f: Frame): number {
  return f.requestIdHigh * 0x1_0000_0000 + (f.requestIdLow >>> 0);
}

/**
 * Starts a frame in `w`: a length placeholder, the version, the type and (except for
 * SERVER_FAILURE) the request id. Returns the start offset for {@link endFrame}.
 */
export function beginFrame(w: ByteWriter, type: MessageType, requestId: bigint | number = 0, version: number = PROTOCOL_VERSION): number {
  if (typeof requestId === "number") {
    return beginFrameWithId(w, type, Math.floor(requestId / 0x1_0000_0000) | 0, requestId | 0, version);
  }
  return beginFrameWithId(w, type, Number(BigInt.asIntN(32, requestId >> 32n)), Number(BigInt.asIntN(32, requestId)), version);
}

/**
 * {@link beginFrame} with the id as its high and low 32 bits (as {@link Frame} carries them).
 * `version` is Flink's magic unless a message family of our own (the coordinator's) uses another.
 */
export function beginFrameWithId(w: ByteWriter, type: MessageType, idHigh: number, idLow: number, version: number = PROTOCOL_VERSION): number {
  const start = w.length;
  w.writeInt32(0);
  w.writeInt32(version);
  w.writeInt32(type);
  if (type !== MessageType.SERVER_FAILURE) {
    w.writeInt32(idHigh);
    w.writeInt32(idLow);
  }
  return start;
}

/** Back-patches the length prefix of the frame begun at `start`. */
export function endFrame(w: ByteWriter, start: number): void {
  w.patchInt32(start, w.length - start - 4);
}

/** Frame length (after the prefix) for a body of `bodyLength` bytes. */
export function frameLengthFor(type: MessageType, bodyLength: number): number {
  return HEADER_LENGTH + (type === MessageType.SERVER_FAILURE ? 0 : REQUEST_ID_SIZE) + bodyLength;
}
