import type { ByteWriter } from "../core/bytes.ts";
import { HEADER_LENGTH, MessageType, PROTOCOL_VERSION, REQUEST_ID_SIZE } from "./message-type.ts";

/** One decoded frame. `body` is a view into the received bytes (no copy). */
export interface Frame {
  readonly type: MessageType;
  /** The request id; -1n for SERVER_FAILURE, which has none. */
  readonly requestId: bigint;
  readonly body: Uint8Array;
}

/**
 * Starts a frame in `w`: a length placeholder, the version, the type and (except for
 * SERVER_FAILURE) the request id. Returns the start offset for {@link endFrame}.
 */
export function beginFrame(w: ByteWriter, type: MessageType, requestId?: bigint): number {
  const start = w.length;
  w.writeInt32(0);
  w.writeInt32(PROTOCOL_VERSION);
  w.writeInt32(type);
  if (type !== MessageType.SERVER_FAILURE) w.writeInt64(requestId ?? 0n);
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
