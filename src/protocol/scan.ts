/**
 * The map-scan extension's bytes (see `extensions.ts` for the frames they travel in): one key's MapState read a page at
 * a time, in the order of its user keys, optionally only those with a prefix or in a range.
 *
 *   SCAN (6, client → proxy)            [16 jobId][string state][i32 keyHash][i32 len][key+namespace][i32 flags = 0]
 *                                       [bytes from][bytes to][bytes prefix][i32 pageSize][bytes cursor]
 *   SCAN_INTERNAL (7, proxy → server)   [16 kvStateId][i32 len][key+namespace][bytes from][bytes to][bytes prefix]
 *                                       [bytes after][i32 limit]
 *   OK answers                          [i32 n][n × ([i32 len][user key][u8 hasValue][i32 len][value] if hasValue)]
 *                                       then SCAN: [bytes cursor]; SCAN_INTERNAL: [u8 complete]
 *
 * `bytes` is `[i32 len][len bytes]`, or `[i32 -1]` for none. Bounds and the cursor's last key are user keys serialized
 * with the map's user-key serializer. Pure: web-standard globals only.
 */
import { type ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidFrameError } from "./errors.ts";
import { readExtension, readExtString, readNullableBytes as readBytes, writeExtString, writeNullableBytes as writeBytes } from "./extension-codec.ts";

/** Op numbers of the map-scan extension (they continue `ExtOp`). */
export const ScanOp = { SCAN: 6, SCAN_INTERNAL: 7 } as const;
/** The map-scan extension's name in a HELLO answer. */
export const EXT_SCAN = "map-scan";

/** Which entries of the map a scan takes (serialized user keys): `from` inclusive, `to` exclusive, or a prefix. */
export interface ScanBounds {
  /** The first user key (inclusive), or null. */
  readonly from: Uint8Array | null;
  /** The end (exclusive), or null. */
  readonly to: Uint8Array | null;
  /** Only user keys with this prefix (string user keys), or null. */
  readonly prefix: Uint8Array | null;
}

/** A decoded SCAN. */
export interface ScanRequest extends ScanBounds {
  /** The op. */
  readonly op: typeof ScanOp.SCAN;
  /** The job's 16 id bytes. */
  readonly jobId: Uint8Array;
  /** The queryable state name. */
  readonly stateName: string;
  /** The key's Java hash (the proxy routes by it). */
  readonly keyHash: number;
  /** The key and namespace, serialized. */
  readonly keyAndNamespace: Uint8Array;
  /** Option bits (none yet: 0). */
  readonly flags: number;
  /** Most entries in the page. */
  readonly pageSize: number;
  /** Where to resume, or null. */
  readonly cursor: Uint8Array | null;
}

/** A decoded SCAN_INTERNAL. */
export interface ScanInternalRequest extends ScanBounds {
  /** The op. */
  readonly op: typeof ScanOp.SCAN_INTERNAL;
  /** The 16 bytes of the KvStateID. */
  readonly kvStateId: Uint8Array;
  /** The key and namespace, serialized. */
  readonly keyAndNamespace: Uint8Array;
  /** Resume after this user key, or null. */
  readonly after: Uint8Array | null;
  /** Most entries to answer. */
  readonly limit: number;
}

/** One entry of a map: its user key and value as the map's serializers write them (value null: a null value). */
export interface ScanEntry {
  /** The user key's bytes. */
  readonly key: Uint8Array;
  /** The value's bytes, or null for a null value. */
  readonly value: Uint8Array | null;
}

function size(...bs: (Uint8Array | null)[]): number {
  return bs.reduce((n, b) => n + 4 + (b?.length ?? 0), 64);
}

/** The payload of a SCAN. */
export function encodeScan(q: Omit<ScanRequest, "op">): Uint8Array {
  const w = new ByteWriter(size(q.keyAndNamespace, q.from, q.to, q.prefix, q.cursor) + q.stateName.length * 3);
  w.writeUint8(1);
  w.writeUint8(ScanOp.SCAN);
  w.writeBytes(q.jobId);
  writeExtString(w, q.stateName);
  w.writeInt32(q.keyHash);
  writeBytes(w, q.keyAndNamespace);
  w.writeInt32(q.flags);
  writeBytes(w, q.from);
  writeBytes(w, q.to);
  writeBytes(w, q.prefix);
  w.writeInt32(q.pageSize);
  writeBytes(w, q.cursor);
  return w.view();
}

/** The payload of a SCAN_INTERNAL. */
export function encodeScanInternal(q: Omit<ScanInternalRequest, "op">): Uint8Array {
  const w = new ByteWriter(size(q.keyAndNamespace, q.from, q.to, q.prefix, q.after) + 16);
  w.writeUint8(1);
  w.writeUint8(ScanOp.SCAN_INTERNAL);
  w.writeBytes(q.kvStateId);
  writeBytes(w, q.keyAndNamespace);
  writeBytes(w, q.from);
  writeBytes(w, q.to);
  writeBytes(w, q.prefix);
  writeBytes(w, q.after);
  w.writeInt32(q.limit);
  return w.view();
}

/** Decodes the body of a SCAN or SCAN_INTERNAL payload (after its version and op bytes); malformed bytes throw. */
export function decodeScanBody(op: number, r: ByteReader): ScanRequest | ScanInternalRequest {
  if (op === ScanOp.SCAN) {
    const jobId = r.readBytes(16);
    const stateName = readExtString(r, "the state name");
    if (stateName === null) throw new InvalidFrameError("Missing state name in a scan.", false);
    const keyHash = r.readInt32();
    const keyAndNamespace = readBytes(r, "the key");
    if (keyAndNamespace === null) throw new InvalidFrameError("Missing key in a scan.", false);
    const flags = r.readInt32();
    const from = readBytes(r, "the range's start");
    const to = readBytes(r, "the range's end");
    const prefix = readBytes(r, "the prefix");
    const pageSize = r.readInt32();
    const cursor = readBytes(r, "the cursor");
    return { op, jobId, stateName, keyHash, keyAndNamespace, flags, from, to, prefix, pageSize, cursor };
  }
  const kvStateId = r.readBytes(16);
  const keyAndNamespace = readBytes(r, "the key");
  if (keyAndNamespace === null) throw new InvalidFrameError("Missing key in a scan.", false);
  const from = readBytes(r, "the range's start");
  const to = readBytes(r, "the range's end");
  const prefix = readBytes(r, "the prefix");
  const after = readBytes(r, "the last user key");
  const limit = r.readInt32();
  return { op: ScanOp.SCAN_INTERNAL, kvStateId, keyAndNamespace, from, to, prefix, after, limit };
}

function writeEntries(w: ByteWriter, entries: readonly ScanEntry[]): void {
  w.writeInt32(entries.length);
  for (const e of entries) {
    writeBytes(w, e.key);
    w.writeUint8(e.value === null ? 0 : 1);
    if (e.value !== null) writeBytes(w, e.value);
  }
}

function entriesSize(entries: readonly ScanEntry[]): number {
  let n = 16;
  for (const e of entries) n += 9 + e.key.length + (e.value?.length ?? 0);
  return n;
}

function readEntries(r: ByteReader): ScanEntry[] {
  const n = r.readInt32();
  if (n < 0 || n * 5 > r.remaining) throw new InvalidFrameError(`Impossible count ${n} of map entries.`, false);
  const out: ScanEntry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const key = readBytes(r, "a user key");
    if (key === null) throw new InvalidFrameError("A map entry without its user key.", false);
    const has = r.readUint8();
    if (has > 1) throw new InvalidFrameError(`A map entry's value flag is ${has}, not 0 or 1.`, false);
    const value = has === 1 ? readBytes(r, "a value") : null;
    if (has === 1 && value === null) throw new InvalidFrameError("A map entry flagged with a value has none.", false);
    out[i] = { key, value };
  }
  return out;
}

/** Appends a SCAN answer's OK body to `w` (begun by `beginAnswer`): the entries, then the cursor (null: the last page). */
export function writeScanAnswer(w: ByteWriter, entries: readonly ScanEntry[], cursor: Uint8Array | null): void {
  writeEntries(w, entries);
  writeBytes(w, cursor);
}

/** Appends a SCAN_INTERNAL answer's OK body: the entries, then `[u8 complete]`. */
export function writeScanInternalAnswer(w: ByteWriter, entries: readonly ScanEntry[], complete: boolean): void {
  writeEntries(w, entries);
  w.writeUint8(complete ? 1 : 0);
}

/** Bytes an answer of these entries takes (for its buffer). */
export function scanAnswerSize(entries: readonly ScanEntry[], cursor: Uint8Array | null = null): number {
  return entriesSize(entries) + (cursor?.length ?? 0);
}

/** Reads a SCAN answer's OK body. */
export function readScanAnswer(r: ByteReader): { entries: ScanEntry[]; cursor: Uint8Array | null } {
  return readExtension("scan answer", () => ({ entries: readEntries(r), cursor: readBytes(r, "the cursor") }));
}

/** Reads a SCAN_INTERNAL answer's OK body. */
export function readScanInternalAnswer(r: ByteReader): { entries: ScanEntry[]; complete: boolean } {
  return readExtension("scan answer", () => {
    const entries = readEntries(r);
    const c = r.readUint8();
    if (c > 1) throw new InvalidFrameError(`the complete flag is ${c}, not 0 or 1`, false);
    return { entries, complete: c === 1 };
  });
}
