/**
 * The watch extension's bytes (see `extensions.ts` for the frames they travel in): a long poll for changes of keys of
 * one state, or of one key's MapState entries under a prefix, after a version per key.
 *
 *   WATCH (8, client → proxy)           [16 jobId][string state][i32 flags = 0][i32 waitMs][i64 pollId]
 *                                       [i32 n][n × ([i32 keyHash][i64 fromVersion][bytes key+namespace])][bytes prefix]
 *   WATCH_INTERNAL (9, proxy → server)  [i32 flags = 0][i32 waitMs][i64 pollId]
 *                                       [i32 n][n × ([16 kvStateId][i32 keyGroup][i64 fromVersion][bytes key+namespace])]
 *                                       [bytes prefix]
 *   WATCH_CANCEL (10) / WATCH_CANCEL_INTERNAL (11)   [i64 pollId]: answer the poll of that id now (OK, empty body)
 *   OK answer of WATCH_INTERNAL         [i32 n][n × change]
 *   OK answer of WATCH                  [i32 m][m × string node][i32 n][n × ([i32 node index or -1] change)]
 *   change                              [i64 resumeVersion][u8 tag] then by tag: 0 UNCHANGED –; 1 VALUE [i64 version]
 *                                       [bytes value]; 2 DELETED [i64 version]; 3 ENTRIES [i64 version][i32 e]
 *                                       [e × ([bytes userKey][u8 hasValue][bytes value] if hasValue)]; 4 ENDED [string reason]
 *
 * `bytes` is `[i32 len][len bytes]`, or `[i32 -1]` for none. One change per key asked, in order. Pure: web-standard
 * globals only.
 */
import { type ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidFrameError } from "./errors.ts";
import { readExtension, readExtString, readNullableBytes as readBytes, writeExtString, writeNullableBytes as writeBytes } from "./extension-codec.ts";

/** Op numbers of the watch extension (they continue `ScanOp`). */
export const WatchOp = { WATCH: 8, WATCH_INTERNAL: 9, WATCH_CANCEL: 10, WATCH_CANCEL_INTERNAL: 11 } as const;
/** The watch extension's name in a HELLO answer. */
export const EXT_WATCH = "watch";
/** The Java class name a proxy or state server gives a watch it cannot go on with (the client makes it a `WatchEndedError`). */
export const WATCH_ENDED_CLASS = "queryable_state.WatchEndedException";

/** Tags of a change. */
export const ChangeTag = {
  /** Nothing changed after the from-version (the resume version may still move on). */
  UNCHANGED: 0,
  /** The key's value changed: its bytes follow. */
  VALUE: 1,
  /** The key's value was deleted (or never existed, when resuming). */
  DELETED: 2,
  /** Prefix watches: the key's map changed; every entry under the prefix follows. */
  ENTRIES: 3,
  /** This key's watch cannot go on: a reason follows. */
  ENDED: 4,
} as const;

/** One key of a WATCH. */
export interface WatchKey {
  /** The key's Java hash (the proxy routes by it). */
  readonly keyHash: number;
  /** Deliver only changes after this version. */
  readonly fromVersion: bigint;
  /** The key and namespace, serialized. */
  readonly keyAndNamespace: Uint8Array;
}

/** One key of a WATCH_INTERNAL. */
export interface WatchInternalKey {
  /** The 16 bytes of the KvStateID holding the key. */
  readonly kvStateId: Uint8Array;
  /** The key's key group. */
  readonly keyGroup: number;
  /** Deliver only changes after this version. */
  readonly fromVersion: bigint;
  /** The key and namespace, serialized. */
  readonly keyAndNamespace: Uint8Array;
}

/** A decoded WATCH. */
export interface WatchRequest {
  /** The op. */
  readonly op: typeof WatchOp.WATCH;
  /** The job's 16 id bytes. */
  readonly jobId: Uint8Array;
  /** The queryable state name. */
  readonly stateName: string;
  /** Option bits (none yet: 0). */
  readonly flags: number;
  /** Hold the poll up to this long when nothing changed. */
  readonly waitMs: number;
  /** The poll's id (for WATCH_CANCEL), chosen by the client. */
  readonly pollId: bigint;
  /** The keys. */
  readonly keys: readonly WatchKey[];
  /** Map states: watch the entries under this serialized user-key prefix of the (single) key, or null. */
  readonly prefix: Uint8Array | null;
}

/** A decoded WATCH_INTERNAL. */
export interface WatchInternalRequest {
  /** The op. */
  readonly op: typeof WatchOp.WATCH_INTERNAL;
  /** Option bits (none yet: 0). */
  readonly flags: number;
  /** Hold the poll up to this long when nothing changed. */
  readonly waitMs: number;
  /** The poll's id (for WATCH_CANCEL_INTERNAL), chosen by the proxy. */
  readonly pollId: bigint;
  /** The keys. */
  readonly keys: readonly WatchInternalKey[];
  /** Map states: the serialized user-key prefix, or null. */
  readonly prefix: Uint8Array | null;
}

/** A decoded WATCH_CANCEL or WATCH_CANCEL_INTERNAL. */
export interface WatchCancelRequest {
  /** The op. */
  readonly op: typeof WatchOp.WATCH_CANCEL | typeof WatchOp.WATCH_CANCEL_INTERNAL;
  /** The id of the poll to answer now. */
  readonly pollId: bigint;
}

/** One map entry of an ENTRIES change (value null: a null value). */
export interface WatchEntry {
  /** The user key's bytes. */
  readonly key: Uint8Array;
  /** The value's bytes, or null. */
  readonly value: Uint8Array | null;
}

/** What happened to one key after its from-version. */
export type WatchChange =
  | { readonly tag: typeof ChangeTag.UNCHANGED; readonly resumeVersion: bigint }
  | { readonly tag: typeof ChangeTag.VALUE; readonly resumeVersion: bigint; readonly version: bigint; readonly value: Uint8Array }
  | { readonly tag: typeof ChangeTag.DELETED; readonly resumeVersion: bigint; readonly version: bigint }
  | { readonly tag: typeof ChangeTag.ENTRIES; readonly resumeVersion: bigint; readonly version: bigint; readonly entries: readonly WatchEntry[] }
  | { readonly tag: typeof ChangeTag.ENDED; readonly resumeVersion: bigint; readonly reason: string };

function readVersion(r: ByteReader, what: string): bigint {
  const v = r.readInt64();
  if (v < 0n) throw new InvalidFrameError(`Negative ${what} ${v} in a watch message.`, false);
  return v;
}

/** A count that fits in what is left (each item takes at least `minBytes`): a hostile count allocates nothing. */
function readCount(r: ByteReader, minBytes: number, what: string): number {
  const n = r.readInt32();
  if (n < 0 || n * minBytes > r.remaining) throw new InvalidFrameError(`Impossible count ${n} of ${what} in a watch message.`, false);
  return n;
}

/** The payload of a WATCH. */
export function encodeWatch(q: Omit<WatchRequest, "op">): Uint8Array {
  let size = 64 + q.stateName.length * 3 + (q.prefix?.length ?? 0);
  for (const k of q.keys) size += 16 + k.keyAndNamespace.length;
  const w = new ByteWriter(size);
  w.writeUint8(1);
  w.writeUint8(WatchOp.WATCH);
  w.writeBytes(q.jobId);
  writeExtString(w, q.stateName);
  w.writeInt32(q.flags);
  w.writeInt32(q.waitMs);
  w.writeInt64(BigInt.asIntN(64, q.pollId));
  w.writeInt32(q.keys.length);
  for (const k of q.keys) {
    w.writeInt32(k.keyHash);
    w.writeInt64(k.fromVersion);
    writeBytes(w, k.keyAndNamespace);
  }
  writeBytes(w, q.prefix);
  return w.view();
}

/** The payload of a WATCH_INTERNAL. */
export function encodeWatchInternal(q: Omit<WatchInternalRequest, "op">): Uint8Array {
  let size = 32 + (q.prefix?.length ?? 0);
  for (const k of q.keys) size += 36 + k.keyAndNamespace.length;
  const w = new ByteWriter(size);
  w.writeUint8(1);
  w.writeUint8(WatchOp.WATCH_INTERNAL);
  w.writeInt32(q.flags);
  w.writeInt32(q.waitMs);
  w.writeInt64(BigInt.asIntN(64, q.pollId));
  w.writeInt32(q.keys.length);
  for (const k of q.keys) {
    w.writeBytes(k.kvStateId);
    w.writeInt32(k.keyGroup);
    w.writeInt64(k.fromVersion);
    writeBytes(w, k.keyAndNamespace);
  }
  writeBytes(w, q.prefix);
  return w.view();
}

/** The payload of a WATCH_CANCEL (`internal`: WATCH_CANCEL_INTERNAL). */
export function encodeWatchCancel(pollId: bigint, internal = false): Uint8Array {
  const w = new ByteWriter(10);
  w.writeUint8(1);
  w.writeUint8(internal ? WatchOp.WATCH_CANCEL_INTERNAL : WatchOp.WATCH_CANCEL);
  w.writeInt64(BigInt.asIntN(64, pollId));
  return w.view();
}

/** Decodes the body of a watch payload (after its version and op bytes); malformed bytes throw `InvalidFrameError`. */
export function decodeWatchBody(op: number, r: ByteReader): WatchRequest | WatchInternalRequest | WatchCancelRequest {
  if (op === WatchOp.WATCH_CANCEL || op === WatchOp.WATCH_CANCEL_INTERNAL) {
    const pollId = r.readInt64();
    return { op, pollId };
  }
  if (op === WatchOp.WATCH) {
    const jobId = r.readBytes(16);
    const stateName = readExtString(r, "the state name");
    if (stateName === null) throw new InvalidFrameError("Missing state name in a watch.", false);
    const flags = r.readInt32();
    const waitMs = r.readInt32();
    const pollId = r.readInt64();
    const n = readCount(r, 16, "keys");
    const keys: WatchKey[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const keyHash = r.readInt32();
      const fromVersion = readVersion(r, "from-version");
      const keyAndNamespace = readBytes(r, "a key");
      if (keyAndNamespace === null) throw new InvalidFrameError("Missing key in a watch.", false);
      keys[i] = { keyHash, fromVersion, keyAndNamespace };
    }
    const prefix = readBytes(r, "the prefix");
    return { op, jobId, stateName, flags, waitMs, pollId, keys, prefix };
  }
  const flags = r.readInt32();
  const waitMs = r.readInt32();
  const pollId = r.readInt64();
  const n = readCount(r, 36, "keys");
  const keys: WatchInternalKey[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const kvStateId = r.readBytes(16);
    const keyGroup = r.readInt32();
    const fromVersion = readVersion(r, "from-version");
    const keyAndNamespace = readBytes(r, "a key");
    if (keyAndNamespace === null) throw new InvalidFrameError("Missing key in a watch.", false);
    keys[i] = { kvStateId, keyGroup, fromVersion, keyAndNamespace };
  }
  const prefix = readBytes(r, "the prefix");
  return { op: WatchOp.WATCH_INTERNAL, flags, waitMs, pollId, keys, prefix };
}

/** Bytes a change takes (an upper bound, for buffers). */
export function changeSize(c: WatchChange): number {
  switch (c.tag) {
    case ChangeTag.VALUE:
      return 21 + c.value.length;
    case ChangeTag.ENTRIES: {
      let n = 21;
      for (const e of c.entries) n += 9 + e.key.length + (e.value?.length ?? 0);
      return n;
    }
    case ChangeTag.ENDED:
      return 13 + c.reason.length * 3;
    default:
      return 17;
  }
}

/** Appends one change. */
export function writeChange(w: ByteWriter, c: WatchChange): void {
  w.writeInt64(c.resumeVersion);
  w.writeUint8(c.tag);
  switch (c.tag) {
    case ChangeTag.VALUE:
      w.writeInt64(c.version);
      writeBytes(w, c.value);
      break;
    case ChangeTag.DELETED:
      w.writeInt64(c.version);
      break;
    case ChangeTag.ENTRIES:
      w.writeInt64(c.version);
      w.writeInt32(c.entries.length);
      for (const e of c.entries) {
        writeBytes(w, e.key);
        w.writeUint8(e.value === null ? 0 : 1);
        if (e.value !== null) writeBytes(w, e.value);
      }
      break;
    case ChangeTag.ENDED:
      writeExtString(w, c.reason);
      break;
  }
}

/** Reads one change. */
export function readChange(r: ByteReader): WatchChange {
  const resumeVersion = readVersion(r, "resume version");
  const tag = r.readUint8();
  switch (tag) {
    case ChangeTag.UNCHANGED:
      return { tag, resumeVersion };
    case ChangeTag.DELETED:
      return { tag, resumeVersion, version: readVersion(r, "version") };
    case ChangeTag.VALUE: {
      const version = readVersion(r, "version");
      const value = readBytes(r, "a value");
      if (value === null) throw new InvalidFrameError("A changed value without its bytes.", false);
      return { tag, resumeVersion, version, value };
    }
    case ChangeTag.ENTRIES: {
      const version = readVersion(r, "version");
      const n = readCount(r, 5, "map entries");
      const entries: WatchEntry[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const key = readBytes(r, "a user key");
        if (key === null) throw new InvalidFrameError("A map entry without its user key.", false);
        const has = r.readUint8();
        if (has > 1) throw new InvalidFrameError(`A map entry's value flag is ${has}, not 0 or 1.`, false);
        const value = has === 1 ? readBytes(r, "a value") : null;
        if (has === 1 && value === null) throw new InvalidFrameError("A map entry flagged with a value has none.", false);
        entries[i] = { key, value };
      }
      return { tag, resumeVersion, version, entries };
    }
    case ChangeTag.ENDED:
      return { tag, resumeVersion, reason: readExtString(r, "the reason") ?? "(no reason given)" };
    default:
      throw new InvalidFrameError(`A change's tag is ${tag}, not 0 to 4.`, false);
  }
}

/** Appends a WATCH_INTERNAL answer's OK body (begun by `beginAnswer`). */
export function writeWatchInternalAnswer(w: ByteWriter, changes: readonly WatchChange[]): void {
  w.writeInt32(changes.length);
  for (const c of changes) writeChange(w, c);
}

/** Appends a WATCH answer's OK body: the table of nodes, then each change with its node's index (-1: none). */
export function writeWatchAnswer(w: ByteWriter, nodes: readonly string[], nodeOf: ArrayLike<number>, changes: readonly WatchChange[]): void {
  w.writeInt32(nodes.length);
  for (const n of nodes) writeExtString(w, n);
  w.writeInt32(changes.length);
  for (let i = 0; i < changes.length; i++) {
    w.writeInt32(nodeOf[i]);
    writeChange(w, changes[i]);
  }
}

/** Bytes of an answer of these changes (an upper bound, for its buffer). */
export function watchAnswerSize(changes: readonly WatchChange[], nodes: readonly string[] = []): number {
  let n = 16;
  for (const node of nodes) n += 4 + node.length * 3;
  for (const c of changes) n += 4 + changeSize(c);
  return n;
}

function readChangeCount(r: ByteReader, expected: number, perChange: number): number {
  const n = readCount(r, perChange, "changes");
  if (n !== expected) throw new InvalidFrameError(`a watch of ${expected} key(s) was answered with ${n} changes`, false);
  return n;
}

/** Reads a WATCH_INTERNAL answer's OK body: exactly `expected` changes. */
export function readWatchInternalAnswer(r: ByteReader, expected: number): WatchChange[] {
  return readExtension("watch answer", () => {
    const n = readChangeCount(r, expected, 9);
    const out: WatchChange[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = readChange(r);
    return out;
  });
}

/** Reads a WATCH answer's OK body: exactly `expected` changes, each with the node that served it ("" for none). */
export function readWatchAnswer(r: ByteReader, expected: number): { changes: WatchChange[]; nodes: string[] } {
  return readExtension("watch answer", () => {
    const table: string[] = [];
    for (let i = 0, m = readCount(r, 4, "nodes"); i < m; i++) {
      const node = readExtString(r, "a node");
      if (node === null) throw new InvalidFrameError("Missing node in a watch answer.", false);
      table.push(node);
    }
    const n = readChangeCount(r, expected, 13);
    const changes: WatchChange[] = new Array(n);
    const nodes: string[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const at = r.readInt32();
      if (at < -1 || at >= table.length) throw new InvalidFrameError(`change ${i} names node ${at} of ${table.length}`, false);
      nodes[i] = at === -1 ? "" : table[at];
      changes[i] = readChange(r);
    }
    return { changes, nodes };
  });
}
