/** Frame message types; the values are Flink's `MessageType` ordinals on the wire. */
export const MessageType = {
  REQUEST: 0,
  REQUEST_RESULT: 1,
  REQUEST_FAILURE: 2,
  SERVER_FAILURE: 3,
} as const;
/** One of the {@link MessageType} values: 0 (REQUEST) to 3 (SERVER_FAILURE). */
export type MessageType = typeof MessageType[keyof typeof MessageType];

const NAMES = ["REQUEST", "REQUEST_RESULT", "REQUEST_FAILURE", "SERVER_FAILURE"] as const;

/** Flink's name of a message type, e.g. `"REQUEST_RESULT"`. */
export function messageTypeName(type: MessageType): string {
  return NAMES[type];
}

/** The protocol version every frame carries (`0x79a1b710` = 2040641296). */
export const PROTOCOL_VERSION = 0x79a1b710;
/** Bytes of version + message type after the length prefix. */
export const HEADER_LENGTH = 8;
/** Bytes of a request id. */
export const REQUEST_ID_SIZE = 8;
/** Default largest frame a decoder accepts: 64 MiB (Flink accepts 2 GiB, a memory-exhaustion hole). */
export const DEFAULT_MAX_FRAME_LENGTH = 64 * 1024 * 1024;
