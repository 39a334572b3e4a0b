/**
 * The protocol extensions' wire constants: the reserved id and state name, the version, the ops, the answer
 * statuses, the extension names in a HELLO answer, flags and entry tags. The README's "Protocol extensions" section
 * documents every byte. Pure: web-standard globals only.
 */

/** The 16 reserved id bytes, ASCII `QSTATE:EXTENSION`: the JobID of client → proxy and the KvStateID of proxy → server extension requests. */
export const EXTENSION_ID: Uint8Array = new TextEncoder().encode("QSTATE:EXTENSION");
/** The map key of {@link EXTENSION_ID} (as `idKeyOfBytes` makes it): the 16 bytes as characters. */
export const EXTENSION_ID_KEY = "QSTATE:EXTENSION";
/** The reserved state name of client → proxy extension requests. */
export const EXTENSION_STATE_NAME = "queryable-state.extensions";
/** The extension protocol's version, the first byte of every extension payload and answer. */
export const EXTENSION_VERSION = 1;

/** Extension operations (the second byte of a payload). */
export const ExtOp = {
  /** Which extensions the peer speaks, with its limits. */
  HELLO: 1,
  /** Many keys of one state, client → proxy. */
  BATCH_GET: 2,
  /** Many keys of one registered state, proxy → state server. */
  BATCH_GET_INTERNAL: 3,
  /** One page of a state's keys, client → proxy. */
  KEYS: 4,
  /** One page of a registered state's keys in a range of key groups, proxy → state server. */
  KEYS_INTERNAL: 5,
} as const;
/** One of the {@link ExtOp} values. */
export type ExtOp = typeof ExtOp[keyof typeof ExtOp];

/** The status of an extension answer (its third byte). */
export const ExtStatus = {
  /** Answered: the op's body follows. */
  OK: 0,
  /** The request as a whole failed: a failure record follows (unknown job, unknown state name, bad request …). */
  FAILED: 1,
  /** The peer speaks extensions but not this op, version or flag: a reason (string) follows. */
  UNSUPPORTED: 2,
  /** The answer would exceed the peer's answer size limit: `[i64 limit]` follows; ask for fewer keys. */
  TOO_LARGE: 3,
} as const;
/** One of the {@link ExtStatus} values. */
export type ExtStatus = typeof ExtStatus[keyof typeof ExtStatus];

/** Extension names in a HELLO answer. */
export const EXT_BATCH_GET = "batch-get";
/** The freshness extension: every batch entry carries its state's version, last update and staleness. */
export const EXT_FRESHNESS = "freshness";
/** The key-listing extension: a state's keys, a page at a time, with an opaque cursor. */
export const EXT_KEYS = "keys";
/** The Java class name our proxy gives a failure for a cursor it cannot resume (the client makes it an `InvalidCursorError`). */
export const INVALID_CURSOR_CLASS = "queryable_state.InvalidCursorException";

/** Option bits of BATCH_GET and BATCH_GET_INTERNAL (the `flags` field). */
export const BatchFlags = {
  /**
   * Freshness: every entry of the answer is followed by a freshness record; in a BATCH_GET_INTERNAL each key is
   * preceded by its key group (`[i32 keyGroup]`), which the state server needs to look its version up.
   */
  FRESHNESS: 1,
} as const;

/** Per-key outcome tags in a batch answer. */
export const EntryTag = {
  /** `[i32 len][value bytes]` follows. */
  VALUE: 0,
  /** No value for the key (Flink's `UnknownKeyOrNamespaceException`); nothing follows. */
  MISSING: 1,
  /** A failure record follows. */
  ERROR: 2,
} as const;

/** Deepest cause chain a failure record may carry. */
export const MAX_FAILURE_DEPTH = 8;

/** The Java class name our proxy gives a failure for an extension a state server lacks (the client makes it an `UnsupportedByPeerError`). */
export const UNSUPPORTED_BY_PEER_CLASS = "queryable_state.UnsupportedByPeerException";

/** True when `jobIdBytes` (16 wire bytes) are {@link EXTENSION_ID}. */
export function isExtensionId(idBytes: Uint8Array): boolean {
  if (idBytes.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (idBytes[i] !== EXTENSION_ID[i]) return false;
  return true;
}
