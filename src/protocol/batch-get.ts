/**
 * The batch-get extension on the wire: BATCH_GET (client → proxy) and BATCH_GET_INTERNAL (proxy → state server),
 * their entries (a value, no value, or that key's failure) and the freshness records that may follow them.
 * Pure: web-standard globals only.
 */
import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidFrameError } from "./errors.ts";
import { beginAnswer, beginPayload, readBytesField, readCount, readExtension, readFailureRecord, readNonNullString, writeExtString, writeFailureRecord } from "./extension-codec.ts";
import { BatchFlags, EntryTag, ExtOp, ExtStatus } from "./extension-ops.ts";
import { type BatchFreshness, type EntryFreshness, readFreshnessRecord, readRawFreshnessRecord, writeFreshnessRecord } from "./freshness-records.ts";
import type { JavaThrowableInit } from "./remote-errors.ts";

/** One key of a client → proxy batch: its Java hash (the proxy routes by it) and its key+namespace bytes. */
export interface BatchKey {
  /** Java `hashCode()` of the key. */
  readonly keyHash: number;
  /** `serializeKeyAndNamespace` bytes. */
  readonly keyAndNamespace: Uint8Array;
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
