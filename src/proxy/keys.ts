/**
 * The proxy's side of key listing: a client's KEYS walks the key groups in order, asking the state server that holds
 * each run of them with one KEYS_INTERNAL (in-process for its own servers) until the page is full, the key groups are
 * done or the page's time is up. The opaque cursor names the listing, a key group and the last key listed, not a
 * server: it resumes on whichever server holds that key group then.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { decodeExtensionAnswer, encodeFailedAnswer, encodeUnsupportedAnswer, encodeKeysAnswer, encodeKeysInternal, EXTENSION_ID, INVALID_CURSOR_CLASS, type KeysInternalRequest, type KeysRequest, readKeysInternalAnswer, ExtOp, ExtStatus } from "../protocol/extensions.ts";
import { KvStateInternalRequest, KvStateRequest } from "../protocol/messages.ts";
import { errorFromJavaThrowable, RemoteError, UnknownKeyGroupLocationError } from "../protocol/remote-errors.ts";
import { formatHostPort } from "../transport/address.ts";
import type { Endpoint } from "../transport/transport.ts";
import type { KvStateLocation } from "../state/kv-state-location.ts";
import type { KeysLookup } from "../server/extensions.ts";
import { badRequestThrowable, failOrBackOff, UnsupportedByPeerSignal } from "./extension-retry.ts";
import type { ProxyExtensionHost } from "./extensions.ts";

const EMPTY = new Uint8Array(0);

/**
 * One page of a state's keys: the key groups in order, each run of key groups held by one state server asked with
 * one KEYS_INTERNAL, until the page is full, the key groups are done or the page's time is up. The cursor names a
 * key group and the last key listed in it, not a server: it resumes on whichever server holds that key group then.
 */
export async function answerKeys(
  host: ProxyExtensionHost,
  limits: { maxPage: number; pageTimeMs: number },
  requestId: bigint,
  req: KeysRequest,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const op = ExtOp.KEYS;
  if (req.flags !== 0) return encodeUnsupportedAnswer(op, `key listing flags 0x${(req.flags >>> 0).toString(16)} are unknown to this proxy`);
  if (!(req.pageSize >= 1 && req.pageSize <= limits.maxPage) || req.fromKeyGroup < 0 || req.toKeyGroup < req.fromKeyGroup) {
    return encodeFailedAnswer(op, badRequestThrowable(host, 
      `A page of keys needs a page size from 1 to ${limits.maxPage} (maxKeysPageSize) and key groups from ≤ to, got ${req.pageSize} keys of [${req.fromKeyGroup}, ${req.toKeyGroup}].`,
    ));
  }
  if (req.stateName.length > host.maxStateNameLength) return encodeFailedAnswer(op, badRequestThrowable(host, `State name of ${req.stateName.length} characters exceeds the maximum of ${host.maxStateNameLength}.`));
  const lookupRequest = new KvStateRequest(req.jobId.slice(), req.stateName, 0, EMPTY);
  const tag = stateTag(req.jobId, req.stateName, req.namespace);
  const started = host.clock.now();
  const deadline = started + host.timeoutMs;
  const pageEnd = started + Math.min(limits.pageTimeMs, host.timeoutMs / 2);
  const keys: { keyGroup: number; key: Uint8Array }[] = [];
  let force = false;
  let location: KvStateLocation | undefined;
  let kg = req.fromKeyGroup;
  let after: Uint8Array | null = null;
  let to = req.toKeyGroup;
  let cursorChecked = req.cursor === null;
  /** The number of key groups the listing's positions refer to (the cursor's, or the first location's). */
  let numKeyGroups: number | undefined;
  for (let attempt = 1;; attempt++) {
    let failure: unknown;
    try {
      location = await host.lookup(lookupRequest, force);
      to = Math.min(req.toKeyGroup, location.numKeyGroups - 1);
      if (!cursorChecked) {
        const c = readCursor(req.cursor!, tag, req.toKeyGroup);
        if (typeof c === "string") return encodeFailedAnswer(op, { className: INVALID_CURSOR_CLASS, message: c });
        kg = c.keyGroup;
        after = c.after;
        numKeyGroups = c.numKeyGroups;
        cursorChecked = true;
      }
      numKeyGroups ??= location.numKeyGroups;
      // Positions are key groups: they mean nothing once the state has another number of them (a rescaled job).
      if (location.numKeyGroups !== numKeyGroups) {
        return encodeFailedAnswer(op, {
          className: INVALID_CURSOR_CLASS,
          message: `The state now has ${location.numKeyGroups} key groups, the listing began with ${numKeyGroups} (the job was rescaled): start the listing again without the cursor.`,
        });
      }
      while (kg <= to && keys.length < req.pageSize && host.clock.now() < pageEnd) {
        const address = location.getKvStateServerAddress(kg);
        const id = location.getKvStateID(kg);
        if (address === null || id === null) throw UnknownKeyGroupLocationError.forServer(host.serverName);
        let runEnd = kg;
        while (runEnd < to && location.getKvStateID(runEnd + 1) === id && location.getKvStateServerAddress(runEnd + 1) === address) runEnd++;
        const page = await keysFrom(host, address, { kvStateId: id.toBytes(), fromKeyGroup: kg, toKeyGroup: runEnd, after, namespace: req.namespace, limit: req.pageSize - keys.length }, deadline, req.stateName);
        keys.push(...page.keys);
        if (page.complete) {
          kg = runEnd + 1;
          after = null;
        } else {
          const last = page.keys[page.keys.length - 1];
          if (last === undefined) break; // nothing and not complete: the server's own bound; resume here
          kg = last.keyGroup;
          after = last.key;
        }
      }
      const cursor = kg > to ? null : writeCursor(tag, location.numKeyGroups, req.toKeyGroup, kg, after);
      return encodeKeysAnswer(keys, cursor);
    } catch (e) {
      failure = e;
    }
    const ended = await failOrBackOff(host, { op, requestId, stateName: req.stateName, lookupRequest, deadline, signal }, failure, attempt);
    if (ended !== null) return ended;
    force = true; // the keys found so far stay; the listing goes on from where it was
  }
}

/** One KEYS_INTERNAL: in-process for a local server, over its connection otherwise. */
async function keysFrom(host: ProxyExtensionHost, address: Endpoint, request: Omit<KeysInternalRequest, "op">, deadline: number, stateName: string): Promise<{ readonly keys: readonly { readonly keyGroup: number; readonly key: Uint8Array }[]; readonly complete: boolean }> {
  const local = host.keysLocally(address, request);
  let r: KeysLookup;
  if (local !== undefined) r = local;
  else {
    let content: Uint8Array;
    try {
      content = (await host.send(address, new KvStateInternalRequest(EXTENSION_ID, encodeKeysInternal(request)), deadline, stateName)).content;
    } catch (e) {
      if (e instanceof RemoteError) throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} cannot list keys (a Flink state server): ${e.message}`);
      throw e;
    }
    const answer = decodeExtensionAnswer(content, ExtOp.KEYS_INTERNAL);
    if (answer.status === ExtStatus.OK) return readKeysInternalAnswer(answer.body);
    if (answer.status === ExtStatus.FAILED) r = { failure: answer.failure };
    else if (answer.status === ExtStatus.UNSUPPORTED) r = { unsupported: answer.reason };
    else throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} answered a key listing with status ${answer.status}`);
  }
  if ("failure" in r) throw errorFromJavaThrowable(r.failure);
  if ("unsupported" in r) throw new UnsupportedByPeerSignal(`the state server ${formatHostPort(address)} cannot list keys: ${r.unsupported}`);
  return r;
}

/** FNV-1a over the job id, the state name and the namespace: a cursor belongs to one listing. */
function stateTag(jobId: Uint8Array, stateName: string, namespace: Uint8Array): number {
  let h = 0x811c9dc5;
  const mix = (b: number) => {
    h = Math.imul(h ^ b, 0x01000193);
  };
  jobId.forEach(mix);
  for (let i = 0; i < stateName.length; i++) {
    const c = stateName.charCodeAt(i);
    mix(c & 0xff);
    mix(c >>> 8);
  }
  mix(0x2a);
  namespace.forEach(mix);
  return h | 0;
}

/** A cursor: `[u8 1][i32 numKeyGroups][i32 tag][i32 toKeyGroup][i32 keyGroup][i32 len or -1][last key]`. */
function writeCursor(tag: number, numKeyGroups: number, toKeyGroup: number, keyGroup: number, after: Uint8Array | null): Uint8Array {
  const w = new ByteWriter(24 + (after?.length ?? 0));
  w.writeUint8(1);
  w.writeInt32(numKeyGroups);
  w.writeInt32(tag);
  w.writeInt32(toKeyGroup);
  w.writeInt32(keyGroup);
  if (after === null) w.writeInt32(-1);
  else {
    w.writeInt32(after.length);
    w.writeBytes(after);
  }
  return w.view();
}

/** Where a cursor resumes (and for how many key groups it was made), or why it cannot (a message for InvalidCursorError). */
function readCursor(bytes: Uint8Array, tag: number, toKeyGroup: number): { keyGroup: number; after: Uint8Array | null; numKeyGroups: number } | string {
  try {
    const r = new ByteReader(bytes);
    if (r.readUint8() !== 1) return "The cursor is not one of this proxy's (unknown version): start the listing again without it.";
    const n = r.readInt32();
    const t = r.readInt32();
    const to = r.readInt32();
    const keyGroup = r.readInt32();
    const len = r.readInt32();
    const after = len === -1 ? null : r.readBytes(len);
    if (r.remaining !== 0 || len < -1 || keyGroup < 0) return "The cursor is damaged: start the listing again without it.";
    if (t !== tag || to !== toKeyGroup) return "The cursor belongs to another listing (another job, state, namespace or key group range): pass it with the same arguments, or start again without it.";
    if (n < 1 || keyGroup >= n) return "The cursor is damaged: start the listing again without it.";
    return { keyGroup, after, numKeyGroups: n };
  } catch {
    return "The cursor is damaged: start the listing again without it.";
  }
}
