/**
 * The key-listing extension on the wire: KEYS (client → proxy) and KEYS_INTERNAL (proxy → state server), their
 * requests and pages. Pure: web-standard globals only.
 */
import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidFrameError } from "./errors.ts";
import { beginAnswer, beginPayload, readBytesField, readCount, readExtension, readNullableBytes, writeExtString, writeNullableBytes } from "./extension-codec.ts";
import { ExtOp, ExtStatus } from "./extension-ops.ts";

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
