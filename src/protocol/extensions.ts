/**
 * Protocol extensions: what our client, proxy and state server say to each other beyond Flink's protocol,
 * carried inside ordinary, valid Flink frames so that a Flink peer never sees a frame it does not know.
 *
 * - Client → proxy: a `KvStateRequest` for the reserved job id {@link EXTENSION_ID} ("QSTATE:EXTENSION" in
 *   ASCII) and state name {@link EXTENSION_STATE_NAME}; the key-and-namespace bytes carry the extension
 *   payload. Flink's proxy answers it as any query of a job it does not run: a REQUEST_FAILURE
 *   (`UnknownLocationException`), without a lookup at the job manager and without caching anything.
 * - Proxy → state server: a `KvStateInternalRequest` for the reserved KvStateID {@link EXTENSION_ID}; Flink's
 *   state server answers `UnknownKvStateIdException`.
 * - Our peers answer a REQUEST_RESULT whose `KvStateResponse` content is an extension answer:
 *   `[u8 version][u8 op][u8 status][body]`. Any REQUEST_FAILURE to an extension request therefore means
 *   "this peer does not speak extensions": the caller falls back or fails with `UNSUPPORTED_BY_PEER`.
 *
 * The README's "Protocol extensions" section documents every byte. Pure: web-standard globals only.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { QueryableStateError, TruncatedInputError } from "../core/errors.ts";
import { InvalidFrameError } from "./errors.ts";
import type { JavaThrowableInit } from "./remote-errors.ts";
import { decodeUtf8, encodeUtf8Java } from "./utf8.ts";
import { decodeScanBody, type ScanInternalRequest, ScanOp, type ScanRequest } from "./scan.ts";
import { decodeWatchBody, type WatchCancelRequest, type WatchInternalRequest, WatchOp, type WatchRequest } from "./watch.ts";

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

/** How fresh a state is in one key group, as a state server reports it (the shape of `KvStateFreshness`). */
export interface FreshnessRecord {
  /** Moves on with every write to the state in the key group; time-based (ms << 16 | count). */
  readonly version: bigint;
  /** The last write's time (ms since the epoch), null when never written. */
  readonly lastUpdateMs: number | null;
  /** Every record the subtask received before this time (ms since the epoch) is applied. */
  readonly asOfMs: number;
  /** The state server's now − `asOfMs`, in ms. */
  readonly stalenessMs: number;
}

/** Where an entry of a client's batch was served from, and how fresh (null: the state server gives no freshness). */
export interface EntryFreshness {
  /** The state server that holds the key's key group (`host:port`), or "" when no server holds it. */
  readonly node: string;
  /** The key's key group. */
  readonly keyGroup: number;
  /** The state's freshness there, or null when the server did not say (a Flink state server). */
  readonly state: FreshnessRecord | null;
}

/**
 * The freshness records that follow a batch answer's entries (one per entry, in order), with the FRESHNESS flag:
 * a state server's (`[u8 known][i64 version][i64 lastUpdateMs or -1][i64 asOfMs][i64 stalenessMs]`, only the byte when
 * unknown), or a proxy's (a table of nodes before the entries, `[i32 m][m × string node]`, and per entry
 * `[i32 node index or -1][i32 keyGroup]` and the state server's record). A record may be given as the bytes it was read
 * from (a proxy relays a state server's records without decoding them).
 */
export type BatchFreshness =
  | { readonly kind: "server"; readonly records: readonly (FreshnessRecord | Uint8Array | null)[] }
  | {
    readonly kind: "client";
    readonly nodes: readonly string[];
    readonly nodeOf: ArrayLike<number>;
    readonly keyGroups: ArrayLike<number>;
    readonly records: readonly (FreshnessRecord | Uint8Array | null | undefined)[];
  };

const UNKNOWN_RECORD = new Uint8Array([0]);

/**
 * A record whose version is also given as its millisecond and count (`version = ms << 16 | count`), so that it is
 * written without bigint arithmetic (a heap backend's records are).
 */
export interface SplitVersion {
  /** `version >> 16n`, as a number. */
  readonly versionMs: number;
  /** `version & 0xffffn`, as a number. */
  readonly versionSeq: number;
}

/** Writes a safe integer (or -1) as a Java long, without bigint arithmetic. */
function writeSafeLong(w: ByteWriter, n: number): void {
  if (n < 0) {
    w.writeInt32(-1);
    w.writeInt32(-1);
    return;
  }
  w.writeInt32(Math.floor(n / 0x1_0000_0000));
  w.writeUint32(n % 0x1_0000_0000);
}

/** Writes a state server's freshness record (see {@link BatchFreshness}); bytes read earlier are copied as they are. */
export function writeFreshnessRecord(w: ByteWriter, f: FreshnessRecord | Uint8Array | null | undefined): void {
  if (f instanceof Uint8Array) {
    w.writeBytes(f);
    return;
  }
  if (f === null || f === undefined) {
    w.writeUint8(0);
    return;
  }
  w.writeUint8(1);
  const split = f as Partial<SplitVersion>;
  if (split.versionMs !== undefined && split.versionSeq !== undefined) {
    // (ms << 16 | seq) as two int32s: ms < 2^47, so ms >> 16 < 2^31.
    w.writeInt32(Math.floor(split.versionMs / 0x10000));
    w.writeUint32(((split.versionMs % 0x10000) * 0x10000 + split.versionSeq) >>> 0);
  } else w.writeInt64(BigInt.asIntN(64, f.version));
  writeSafeLong(w, f.lastUpdateMs === null ? -1 : Math.floor(f.lastUpdateMs));
  writeSafeLong(w, Math.floor(f.asOfMs));
  writeSafeLong(w, Math.max(0, Math.floor(f.stalenessMs)));
}

/** Decodes a record that {@link readServerBatchAnswer} kept as bytes. */
export function decodeFreshnessRecord(raw: Uint8Array): FreshnessRecord | null {
  return readExtension("freshness record", () => readFreshnessRecord(new ByteReader(raw)));
}

/** Skips a state server's freshness record and returns its bytes (checked, not decoded). */
function readRawFreshnessRecord(r: ByteReader): Uint8Array {
  const start = r.position;
  const known = r.readUint8();
  if (known === 0) return UNKNOWN_RECORD;
  if (known !== 1) throw new InvalidFrameError(`A freshness record's flag is ${known}, not 0 or 1.`, false);
  const body = r.readBytes(32);
  // Versions and times are never negative: their top bits are 0.
  if ((body[0] | body[8] | body[16] | body[24]) & 0x80) {
    if (!(body[8] === 0xff && body.subarray(8, 16).every((b) => b === 0xff)) || (body[0] | body[16] | body[24]) & 0x80) {
      throw new InvalidFrameError("A freshness record holds a negative version or time.", false);
    }
  }
  return r.bytes.subarray(start, r.position);
}

/** Reads what {@link writeFreshnessRecord} wrote. */
export function readFreshnessRecord(r: ByteReader): FreshnessRecord | null {
  const known = r.readUint8();
  if (known === 0) return null;
  if (known !== 1) throw new InvalidFrameError(`A freshness record's flag is ${known}, not 0 or 1.`, false);
  const version = r.readInt64();
  const last = r.readInt64();
  const asOf = r.readInt64();
  const staleness = r.readInt64();
  if (version < 0n || last < -1n || asOf < 0n || staleness < 0n) throw new InvalidFrameError("A freshness record holds a negative version or time.", false);
  return { version, lastUpdateMs: last === -1n ? null : Number(last), asOfMs: Number(asOf), stalenessMs: Number(staleness) };
}

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

/** A peer does not speak the extension a call needs (a Flink proxy or server, or an older version of ours). */
export class UnsupportedByPeerError extends QueryableStateError {
  /** The extension that was needed, e.g. `"batch-get"`. */
  readonly extension: string;
  /**
   * An error with code `UNSUPPORTED_BY_PEER`.
   * @param extension the extension the call needs
   * @param detail what the peer is or said, and what to do
   */
  constructor(extension: string, detail: string, options?: { cause?: unknown }) {
    super("UNSUPPORTED_BY_PEER", `The peer does not support the '${extension}' extension: ${detail}`, options);
    this.extension = extension;
  }
}

/** Where an answer was served and how fresh it is (the freshness extension; README "Freshness"). */
export interface Freshness {
  /** The state server that answered (`host:port`). */
  readonly node: string;
  /** The key's key group. */
  readonly keyGroup: number;
  /**
   * The state's version in this key group: it moves on with every write and never goes back (its high bits are the
   * write's time in ms since the epoch, `version >> 16n`). Pass it as `minVersion` to read at least this state.
   */
  readonly version: bigint;
  /** When the state was last written in this key group (ms since the epoch), null when never. */
  readonly lastUpdateMs: number | null;
  /** Everything the subtask received before this time (ms since the epoch, the state server's clock) is applied. */
  readonly asOfMs: number;
  /** How far behind its input the state was when it answered, in ms (0: caught up). */
  readonly stalenessMs: number;
}

/** An answer did not meet a freshness bound of the query (`maxStalenessMs`, `minVersion`), also after `waitMs`. */
export class FreshnessBoundError extends QueryableStateError {
  /** Which bound was not met. */
  readonly bound: "maxStalenessMs" | "minVersion";
  /** How fresh the answer was. */
  readonly freshness: Freshness;
  /**
   * An error with code `FRESHNESS_BOUND_NOT_MET`.
   * @param bound the bound that was not met
   * @param required the bound's value
   * @param freshness how fresh the answer was
   */
  constructor(bound: "maxStalenessMs" | "minVersion", required: number | bigint, freshness: Freshness) {
    const where = `key group ${freshness.keyGroup} on ${freshness.node}`;
    super(
      "FRESHNESS_BOUND_NOT_MET",
      bound === "maxStalenessMs"
        ? `The state in ${where} is ${freshness.stalenessMs} ms behind its input, more than maxStalenessMs ${required}: ` +
          "retry later, allow more staleness, or give waitMs to wait for it to catch up."
        : `The state in ${where} is at version ${freshness.version}, below minVersion ${required}: the write has not been ` +
          "applied yet; give waitMs to wait for it.",
    );
    this.bound = bound;
    this.freshness = freshness;
  }
}

/** A key listing's cursor that this proxy cannot resume: from another state or namespace, or the state was rescaled. */
export class InvalidCursorError extends QueryableStateError {
  /** An error with code `INVALID_CURSOR`; `detail` says why and what to do. */
  constructor(detail: string, options?: { cause?: unknown }) {
    super("INVALID_CURSOR", detail, options);
  }
}

/** The Java class name our proxy gives a failure for an extension a state server lacks (the client makes it an `UnsupportedByPeerError`). */
export const UNSUPPORTED_BY_PEER_CLASS = "queryable_state.UnsupportedByPeerException";

// ---------------------------------------------------------------------------------------------------------
// strings and failure records

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

function readNonNullString(r: ByteReader, what: string): string {
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

// ---------------------------------------------------------------------------------------------------------
// requests

/** One key of a client → proxy batch: its Java hash (the proxy routes by it) and its key+namespace bytes. */
export interface BatchKey {
  /** Java `hashCode()` of the key. */
  readonly keyHash: number;
  /** `serializeKeyAndNamespace` bytes. */
  readonly keyAndNamespace: Uint8Array;
}

/** A decoded HELLO request. */
export interface HelloRequest {
  /** The op. */
  readonly op: typeof ExtOp.HELLO;
  /** The extensions the sender speaks (informational). */
  readonly offered: readonly string[];
}

/** A decoded client → proxy BATCH_GET. */
export interface BatchGetRequest {
  /** The op. */
  readonly op: typeof ExtOp.BATCH_GET;
  /** The job's 16 id bytes. */
  readonly jobId: Uint8Array;
  /** The queryable state name. */
  readonly stateName: string;
  /** Option bits ({@link BatchFlags}). */
  readonly flags: number;
  /** The keys, in the caller's order. */
  readonly keys: readonly BatchKey[];
}

/** A decoded proxy → server BATCH_GET_INTERNAL. */
export interface BatchGetInternalRequest {
  /** The op. */
  readonly op: typeof ExtOp.BATCH_GET_INTERNAL;
  /** The 16 bytes of the KvStateID the keys are asked of. */
  readonly kvStateId: Uint8Array;
  /** Option bits ({@link BatchFlags}). */
  readonly flags: number;
  /** The key+namespace bytes, in order. */
  readonly keys: readonly Uint8Array[];
  /** Each key's key group, with {@link BatchFlags.FRESHNESS}. */
  readonly keyGroups?: readonly number[];
}

/** A payload this peer cannot serve: another version or an op it does not know. */
export interface UnsupportedRequest {
  /** Marks the case. */
  readonly op: "unsupported";
  /** The op byte as sent (0 when the payload was too short to hold one). */
  readonly rawOp: number;
  /** Why, for the UNSUPPORTED answer. */
  readonly reason: string;
}

/** A decoded client → proxy KEYS. */
export interface KeysRequest {
  /** The op. */
  readonly op: typeof ExtOp.KEYS;
  /** The job's 16 id bytes. */
  readonly jobId: Uint8Array;
  /** The queryable state name. */
  readonly stateName: string;
  /** Option bits (none yet: 0). */
  readonly flags: number;
  /** The key groups to list, inclusive (0 and 2^31-1 for all). */
  readonly fromKeyGroup: number;
  /** Last key group to list, inclusive. */
  readonly toKeyGroup: number;
  /** The namespace's serialized bytes (one byte 0 for VoidNamespace). */
  readonly namespace: Uint8Array;
  /** Most keys in the page. */
  readonly pageSize: number;
  /** Where to resume (a cursor a previous page gave), or null to start. */
  readonly cursor: Uint8Array | null;
}

/** A decoded proxy → server KEYS_INTERNAL. */
export interface KeysInternalRequest {
  /** The op. */
  readonly op: typeof ExtOp.KEYS_INTERNAL;
  /** The 16 bytes of the KvStateID. */
  readonly kvStateId: Uint8Array;
  /** First key group, inclusive. */
  readonly fromKeyGroup: number;
  /** Last key group, inclusive. */
  readonly toKeyGroup: number;
  /** Resume after this key of `fromKeyGroup` (its bytes), or null. */
  readonly after: Uint8Array | null;
  /** The namespace's serialized bytes. */
  readonly namespace: Uint8Array;
  /** Most keys to answer. */
  readonly limit: number;
}

/** Any decoded extension payload. */
export type ExtensionRequest =
  | HelloRequest
  | BatchGetRequest
  | BatchGetInternalRequest
  | KeysRequest
  | KeysInternalRequest
  | ScanRequest
  | ScanInternalRequest
  | WatchRequest
  | WatchInternalRequest
  | WatchCancelRequest
  | UnsupportedRequest;

function writeNullableBytes(w: ByteWriter, b: Uint8Array | null): void {
  if (b === null) {
    w.writeInt32(-1);
    return;
  }
  w.writeInt32(b.length);
  w.writeBytes(b);
}

function readNullableBytes(r: ByteReader, what: string): Uint8Array | null {
  const n = r.readInt32();
  if (n === -1) return null;
  if (n < 0) throw new InvalidFrameError(`Negative length ${n} for ${what} in an extension message.`, false);
  return r.readBytes(n);
}

/**
 * The payload of a KEYS: `[u8 1][u8 4][16 jobId][string name][i32 flags][i32 fromKeyGroup][i32 toKeyGroup][i32 len]
 * [namespace][i32 pageSize][i32 len or -1][cursor]`.
 */
export function encodeKeys(r: Omit<KeysRequest, "op">): Uint8Array {
  const w = beginPayload(ExtOp.KEYS, 64 + r.stateName.length * 3 + r.namespace.length + (r.cursor?.length ?? 0));
  w.writeBytes(r.jobId);
  writeExtString(w, r.stateName);
  w.writeInt32(r.flags);
  w.writeInt32(r.fromKeyGroup);
  w.writeInt32(r.toKeyGroup);
  writeNullableBytes(w, r.namespace);
  w.writeInt32(r.pageSize);
  writeNullableBytes(w, r.cursor);
  return w.view();
}

/** The payload of a KEYS_INTERNAL: `[u8 1][u8 5][16 kvStateId][i32 from][i32 to][i32 len or -1][after][i32 len][namespace][i32 limit]`. */
export function encodeKeysInternal(r: Omit<KeysInternalRequest, "op">): Uint8Array {
  const w = beginPayload(ExtOp.KEYS_INTERNAL, 48 + r.namespace.length + (r.after?.length ?? 0));
  w.writeBytes(r.kvStateId);
  w.writeInt32(r.fromKeyGroup);
  w.writeInt32(r.toKeyGroup);
  writeNullableBytes(w, r.after);
  writeNullableBytes(w, r.namespace);
  w.writeInt32(r.limit);
  return w.view();
}

/** Keys of a page, each with its key group: `[i32 n][n × ([i32 keyGroup][i32 len][key])]`, then the op's tail. */
export interface KeysPage {
  /** Each key's key group and serialized bytes. */
  readonly keys: readonly { readonly keyGroup: number; readonly key: Uint8Array }[];
}

/** A KEYS answer's OK body: the keys, then `[i32 len or -1][cursor]` (-1: the listing is done). */
export function encodeKeysAnswer(keys: KeysPage["keys"], cursor: Uint8Array | null): Uint8Array {
  let size = 16 + (cursor?.length ?? 0);
  for (const k of keys) size += 8 + k.key.length;
  const w = beginAnswer(ExtOp.KEYS, ExtStatus.OK, size);
  writeKeys(w, keys);
  writeNullableBytes(w, cursor);
  return w.view();
}

/** A KEYS_INTERNAL answer's OK body: the keys, then `[u8 complete]` (1: no more keys in the key groups asked for). */
export function encodeKeysInternalAnswer(keys: KeysPage["keys"], complete: boolean): Uint8Array {
  let size = 16;
  for (const k of keys) size += 8 + k.key.length;
  const w = beginAnswer(ExtOp.KEYS_INTERNAL, ExtStatus.OK, size);
  writeKeys(w, keys);
  w.writeUint8(complete ? 1 : 0);
  return w.view();
}

function writeKeys(w: ByteWriter, keys: KeysPage["keys"]): void {
  w.writeInt32(keys.length);
  for (const k of keys) {
    w.writeInt32(k.keyGroup);
    w.writeInt32(k.key.length);
    w.writeBytes(k.key);
  }
}

function readKeys(r: ByteReader): { keyGroup: number; key: Uint8Array }[] {
  const n = readCount(r, 8, "keys");
  const keys: { keyGroup: number; key: Uint8Array }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const keyGroup = r.readInt32();
    if (keyGroup < 0) throw new InvalidFrameError(`key ${i} has key group ${keyGroup}`, false);
    keys[i] = { keyGroup, key: readBytesField(r, "a key") };
  }
  return keys;
}

/** Reads a KEYS answer's OK body. */
export function readKeysAnswer(r: ByteReader): { keys: { keyGroup: number; key: Uint8Array }[]; cursor: Uint8Array | null } {
  return readExtension("keys answer", () => ({ keys: readKeys(r), cursor: readNullableBytes(r, "the cursor") }));
}

/** Reads a KEYS_INTERNAL answer's OK body. */
export function readKeysInternalAnswer(r: ByteReader): { keys: { keyGroup: number; key: Uint8Array }[]; complete: boolean } {
  return readExtension("keys answer", () => {
    const keys = readKeys(r);
    const complete = r.readUint8();
    if (complete > 1) throw new InvalidFrameError(`the complete flag is ${complete}, not 0 or 1`, false);
    return { keys, complete: complete === 1 };
  });
}

function beginPayload(op: ExtOp, size = 64): ByteWriter {
  const w = new ByteWriter(size);
  w.writeUint8(EXTENSION_VERSION);
  w.writeUint8(op);
  return w;
}

/** The payload of a HELLO: `[u8 1][u8 1][i32 n][n × string]`. */
export function encodeHello(offered: readonly string[]): Uint8Array {
  const w = beginPayload(ExtOp.HELLO);
  w.writeInt32(offered.length);
  for (const name of offered) writeExtString(w, name);
  return w.view();
}

/** The payload of a BATCH_GET: `[u8 1][u8 2][16 jobId][string name][i32 flags][i32 n][n × ([i32 hash][i32 len][bytes])]`. */
export function encodeBatchGet(jobId: Uint8Array, stateName: string, keys: readonly BatchKey[], flags = 0): Uint8Array {
  let size = 2 + 16 + 4 + stateName.length * 3 + 8;
  for (const k of keys) size += 8 + k.keyAndNamespace.length;
  const w = beginPayload(ExtOp.BATCH_GET, size);
  w.writeBytes(jobId);
  writeExtString(w, stateName);
  w.writeInt32(flags);
  w.writeInt32(keys.length);
  for (const k of keys) {
    w.writeInt32(k.keyHash);
    w.writeInt32(k.keyAndNamespace.length);
    w.writeBytes(k.keyAndNamespace);
  }
  return w.view();
}

/**
 * The payload of a BATCH_GET_INTERNAL: `[u8 1][u8 3][16 kvStateId][i32 flags][i32 n][n × ([i32 len][bytes])]`; with
 * `keyGroups` (one per key) the FRESHNESS flag is set and each key is `[i32 keyGroup][i32 len][bytes]`.
 */
export function encodeBatchGetInternal(kvStateId: Uint8Array, keys: readonly Uint8Array[], flags = 0, keyGroups?: readonly number[]): Uint8Array {
  if (keyGroups !== undefined) flags |= BatchFlags.FRESHNESS;
  let size = 2 + 16 + 8;
  for (const k of keys) size += 8 + k.length;
  const w = beginPayload(ExtOp.BATCH_GET_INTERNAL, size);
  w.writeBytes(kvStateId);
  w.writeInt32(flags);
  w.writeInt32(keys.length);
  for (let i = 0; i < keys.length; i++) {
    if (keyGroups !== undefined) w.writeInt32(keyGroups[i]);
    w.writeInt32(keys[i].length);
    w.writeBytes(keys[i]);
  }
  return w.view();
}

/** A count that fits in what is left (each item takes at least `minBytes`): a hostile count allocates nothing. */
function readCount(r: ByteReader, minBytes: number, what: string): number {
  const n = r.readInt32();
  if (n < 0 || n * minBytes > r.remaining) {
    throw new InvalidFrameError(`Impossible count ${n} of ${what} in an extension message of ${r.remaining} bytes left.`, false);
  }
  return n;
}

function readBytesField(r: ByteReader, what: string): Uint8Array {
  const n = r.readInt32();
  if (n < 0) throw new InvalidFrameError(`Negative length ${n} for ${what} in an extension message.`, false);
  return r.readBytes(n);
}

/**
 * Decodes an extension payload (the key-and-namespace bytes of a request for the reserved id). Another version
 * or an unknown op is an {@link UnsupportedRequest}, not an error; malformed bytes throw `InvalidFrameError`.
 * Views into `payload` are kept (no copies).
 */
export function decodeExtensionRequest(payload: Uint8Array): ExtensionRequest {
  if (payload.length < 2) return { op: "unsupported", rawOp: 0, reason: `an extension payload of ${payload.length} byte(s) has no version and op` };
  const version = payload[0], op = payload[1];
  if (version !== EXTENSION_VERSION) {
    return { op: "unsupported", rawOp: op, reason: `extension protocol version ${version} (this peer speaks version ${EXTENSION_VERSION})` };
  }
  const r = new ByteReader(payload, 2);
  try {
    switch (op) {
      case ExtOp.HELLO: {
        const n = readCount(r, 4, "extension names");
        const offered: string[] = [];
        for (let i = 0; i < n; i++) offered.push(readNonNullString(r, "an extension name"));
        return { op, offered };
      }
      case ExtOp.BATCH_GET: {
        const jobId = r.readBytes(16);
        const stateName = readNonNullString(r, "the state name");
        const flags = r.readInt32();
        const n = readCount(r, 8, "keys");
        const keys: BatchKey[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const keyHash = r.readInt32();
          keys[i] = { keyHash, keyAndNamespace: readBytesField(r, "a key") };
        }
        return { op, jobId, stateName, flags, keys };
      }
      case ExtOp.BATCH_GET_INTERNAL: {
        const kvStateId = r.readBytes(16);
        const flags = r.readInt32();
        const withGroups = (flags & BatchFlags.FRESHNESS) !== 0;
        const n = readCount(r, withGroups ? 8 : 4, "keys");
        const keys: Uint8Array[] = new Array(n);
        const keyGroups: number[] | undefined = withGroups ? new Array(n) : undefined;
        for (let i = 0; i < n; i++) {
          if (keyGroups !== undefined) keyGroups[i] = r.readInt32();
          keys[i] = readBytesField(r, "a key");
        }
        return keyGroups === undefined ? { op, kvStateId, flags, keys } : { op, kvStateId, flags, keys, keyGroups };
      }
      case ExtOp.KEYS: {
        const jobId = r.readBytes(16);
        const stateName = readNonNullString(r, "the state name");
        const flags = r.readInt32();
        const fromKeyGroup = r.readInt32();
        const toKeyGroup = r.readInt32();
        const namespace = readBytesField(r, "the namespace");
        const pageSize = r.readInt32();
        const cursor = readNullableBytes(r, "the cursor");
        return { op, jobId, stateName, flags, fromKeyGroup, toKeyGroup, namespace, pageSize, cursor };
      }
      case ExtOp.KEYS_INTERNAL: {
        const kvStateId = r.readBytes(16);
        const fromKeyGroup = r.readInt32();
        const toKeyGroup = r.readInt32();
        const after = readNullableBytes(r, "the last key");
        const namespace = readBytesField(r, "the namespace");
        const limit = r.readInt32();
        return { op, kvStateId, fromKeyGroup, toKeyGroup, after, namespace, limit };
      }
      case ScanOp.SCAN:
      case ScanOp.SCAN_INTERNAL:
        return decodeScanBody(op, r);
      case WatchOp.WATCH:
      case WatchOp.WATCH_INTERNAL:
      case WatchOp.WATCH_CANCEL:
      case WatchOp.WATCH_CANCEL_INTERNAL:
        return decodeWatchBody(op, r);
      default:
        return { op: "unsupported", rawOp: op, reason: `extension op ${op} is unknown to this peer` };
    }
  } catch (e) {
    if (e instanceof TruncatedInputError) throw new InvalidFrameError(`Truncated extension request (op ${op}): ${e.message}`, false, { cause: e });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// answers

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

/** What the peer said to HELLO. */
export interface HelloAnswer {
  /** The peer's implementation, e.g. `"queryable-state 0.1.0 (proxy)"`. */
  readonly implementation: string;
  /** Extension name → version. */
  readonly extensions: ReadonlyMap<string, number>;
  /** Limit name → value, e.g. `batch-get.max-keys` → 4096. */
  readonly limits: ReadonlyMap<string, number>;
}

/** The OK body of HELLO: `[string implementation][i32 n][n × (string name, i32 version)][i32 m][m × (string limit, i64 value)]`. */
export function encodeHelloAnswer(answer: HelloAnswer): Uint8Array {
  const w = beginAnswer(ExtOp.HELLO, ExtStatus.OK, 128);
  writeExtString(w, answer.implementation);
  w.writeInt32(answer.extensions.size);
  for (const [name, version] of answer.extensions) {
    writeExtString(w, name);
    w.writeInt32(version);
  }
  w.writeInt32(answer.limits.size);
  for (const [name, value] of answer.limits) {
    writeExtString(w, name);
    w.writeInt64(BigInt(value));
  }
  return w.view();
}

/**
 * One key's outcome in a batch answer. A decoded value or miss keeps its encoded bytes (`raw`, a view), so that a
 * proxy relays a state server's entries without encoding them again.
 */
export type BatchEntry =
  | { readonly tag: typeof EntryTag.VALUE; readonly value: Uint8Array; readonly raw?: Uint8Array }
  | { readonly tag: typeof EntryTag.MISSING; readonly raw?: Uint8Array }
  | { readonly tag: typeof EntryTag.ERROR; readonly error: JavaThrowableInit };

const MISSING_RAW = new Uint8Array([EntryTag.MISSING]);

/** Appends one entry of a batch answer. */
export function writeBatchEntry(w: ByteWriter, e: BatchEntry): void {
  if (e.tag !== EntryTag.ERROR && e.raw !== undefined) {
    w.writeBytes(e.raw);
    return;
  }
  w.writeUint8(e.tag);
  if (e.tag === EntryTag.VALUE) {
    w.writeInt32(e.value.length);
    w.writeBytes(e.value);
  } else if (e.tag === EntryTag.ERROR) writeFailureRecord(w, e.error);
}

/** Bytes {@link writeBatchEntry} writes for `e`, failures estimated (for size limits). */
export function batchEntrySize(e: BatchEntry): number {
  if (e.tag === EntryTag.VALUE) return e.raw?.length ?? 5 + e.value.length;
  if (e.tag === EntryTag.MISSING) return 1;
  return 1 + 16 + e.error.className.length * 3 + (e.error.message?.length ?? 0) * 3 + 256;
}

/** Bytes of the freshness records of `n` entries (an upper bound, for size limits and buffers). */
export function freshnessSize(f: BatchFreshness | undefined, n: number): number {
  if (f === undefined) return 0;
  if (f.kind === "server") return 33 * n;
  let nodes = 4;
  for (const node of f.nodes) nodes += 4 + node.length * 3;
  return nodes + 41 * n;
}

/**
 * The OK body of a batch: `[i32 n][n × entry]`; with `freshness`, each entry followed by its record (a proxy's answer
 * begins with its table of nodes: `[i32 m][m × string node]`).
 */
export function encodeBatchAnswer(op: number, entries: readonly BatchEntry[], freshness?: BatchFreshness): Uint8Array {
  let size = 8 + freshnessSize(freshness, entries.length);
  for (const e of entries) size += batchEntrySize(e);
  const w = beginAnswer(op, ExtStatus.OK, size);
  if (freshness?.kind === "client") {
    w.writeInt32(freshness.nodes.length);
    for (const node of freshness.nodes) writeExtString(w, node);
  }
  w.writeInt32(entries.length);
  for (let i = 0; i < entries.length; i++) {
    writeBatchEntry(w, entries[i]);
    if (freshness === undefined) continue;
    if (freshness.kind === "client") {
      w.writeInt32(freshness.nodeOf[i]);
      w.writeInt32(freshness.keyGroups[i]);
    }
    writeFreshnessRecord(w, freshness.records[i]);
  }
  return w.view();
}

/** A decoded extension answer. */
export type ExtensionAnswer =
  | { readonly status: typeof ExtStatus.OK; readonly op: number; readonly body: ByteReader }
  | { readonly status: typeof ExtStatus.FAILED; readonly op: number; readonly failure: JavaThrowableInit }
  | { readonly status: typeof ExtStatus.UNSUPPORTED; readonly op: number; readonly reason: string }
  | { readonly status: typeof ExtStatus.TOO_LARGE; readonly op: number; readonly limitBytes: number };

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

/**
 * Decodes the content of a REQUEST_RESULT answering an extension request for `op`. Throws `InvalidFrameError`
 * for anything that is not an extension answer to that op (the caller treats the peer as not ours).
 */
export function decodeExtensionAnswer(content: Uint8Array, op: number): ExtensionAnswer {
  return readExtension("extension answer", () => {
    const r = new ByteReader(content);
    const version = r.readUint8(), answeredOp = r.readUint8(), status = r.readUint8();
    if (version !== EXTENSION_VERSION) throw new InvalidFrameError(`extension answer of version ${version}, expected ${EXTENSION_VERSION}`, false);
    if (answeredOp !== op) throw new InvalidFrameError(`extension answer for op ${answeredOp}, expected op ${op}`, false);
    switch (status) {
      case ExtStatus.OK:
        return { status, op, body: r };
      case ExtStatus.FAILED:
        return { status, op, failure: readFailureRecord(r) };
      case ExtStatus.UNSUPPORTED:
        return { status, op, reason: readExtString(r, "the reason") ?? "(no reason given)" };
      case ExtStatus.TOO_LARGE: {
        const limit = r.readInt64();
        return { status, op, limitBytes: limit < 0n ? 0 : Number(limit) };
      }
      default:
        throw new InvalidFrameError(`extension answer status ${status} is unknown`, false);
    }
  });
}

/** Reads a HELLO answer's OK body. */
export function readHelloAnswer(r: ByteReader): HelloAnswer {
  return readExtension("HELLO answer", () => {
    const implementation = readNonNullString(r, "the implementation");
    const extensions = new Map<string, number>();
    for (let i = 0, n = readCount(r, 8, "extensions"); i < n; i++) {
      const name = readNonNullString(r, "an extension name");
      extensions.set(name, r.readInt32());
    }
    const limits = new Map<string, number>();
    for (let i = 0, n = readCount(r, 12, "limits"); i < n; i++) {
      const name = readNonNullString(r, "a limit name");
      limits.set(name, Number(r.readInt64()));
    }
    return { implementation, extensions, limits };
  });
}

function readEntry(r: ByteReader, i: number): BatchEntry {
  const tag = r.readUint8();
  if (tag === EntryTag.VALUE) {
    const start = r.position - 1;
    const value = readBytesField(r, "a value");
    return { tag, value, raw: r.bytes.subarray(start, r.position) };
  }
  if (tag === EntryTag.MISSING) return { tag, raw: MISSING_RAW };
  if (tag === EntryTag.ERROR) return { tag, error: readFailureRecord(r) };
  throw new InvalidFrameError(`entry ${i} has tag ${tag}, not 0, 1 or 2`, false);
}

function readEntryCount(r: ByteReader, expected: number): number {
  const n = readCount(r, 1, "entries");
  if (n !== expected) throw new InvalidFrameError(`a batch of ${expected} key(s) was answered with ${n} entries`, false);
  return n;
}

/** Reads a batch answer's OK body (no freshness): exactly `expected` entries. */
export function readBatchAnswer(r: ByteReader, expected: number): BatchEntry[] {
  return readExtension("batch answer", () => {
    const n = readEntryCount(r, expected);
    const entries: BatchEntry[] = new Array(n);
    for (let i = 0; i < n; i++) entries[i] = readEntry(r, i);
    return entries;
  });
}

/** Reads a state server's batch answer with freshness: the entries and each one's record, kept as its (checked) bytes. */
export function readServerBatchAnswer(r: ByteReader, expected: number): { entries: BatchEntry[]; records: Uint8Array[] } {
  return readExtension("batch answer", () => {
    const n = readEntryCount(r, expected);
    const entries: BatchEntry[] = new Array(n);
    const records: Uint8Array[] = new Array(n);
    for (let i = 0; i < n; i++) {
      entries[i] = readEntry(r, i);
      records[i] = readRawFreshnessRecord(r);
    }
    return { entries, records };
  });
}

/** Reads a proxy's batch answer with freshness: the entries and where each was served and how fresh. */
export function readClientBatchAnswer(r: ByteReader, expected: number): { entries: BatchEntry[]; served: EntryFreshness[] } {
  return readExtension("batch answer", () => {
    const nodes: string[] = [];
    for (let i = 0, m = readCount(r, 4, "nodes"); i < m; i++) nodes.push(readNonNullString(r, "a node"));
    const n = readEntryCount(r, expected);
    const entries: BatchEntry[] = new Array(n);
    const served: EntryFreshness[] = new Array(n);
    for (let i = 0; i < n; i++) {
      entries[i] = readEntry(r, i);
      const at = r.readInt32();
      if (at < -1 || at >= nodes.length) throw new InvalidFrameError(`entry ${i} names node ${at} of ${nodes.length}`, false);
      const keyGroup = r.readInt32();
      served[i] = { node: at === -1 ? "" : nodes[at], keyGroup, state: readFreshnessRecord(r) };
    }
    return { entries, served };
  });
}

/** True when `jobIdBytes` (16 wire bytes) are {@link EXTENSION_ID}. */
export function isExtensionId(idBytes: Uint8Array): boolean {
  if (idBytes.length !== 16) return false;
  for (let i = 0; i < 16; i++) if (idBytes[i] !== EXTENSION_ID[i]) return false;
  return true;
}
