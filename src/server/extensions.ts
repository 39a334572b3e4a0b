/**
 * The state server's side of the protocol extensions (see `src/protocol/extensions.ts`): internal requests for
 * the reserved KvStateID `QSTATE:EXTENSION` are answered here — HELLO and BATCH_GET_INTERNAL (many keys of one
 * registered state in one request). A Flink state server answers the same bytes with UnknownKvStateIdException.
 */
import { idKeyOfBytes, KvStateID } from "../core/ids.ts";
import { InvalidFrameError } from "../protocol/errors.ts";
import {
  type BatchEntry,
  batchEntrySize,
  decodeExtensionRequest,
  EntryTag,
  encodeBatchAnswer,
  encodeFailedAnswer,
  encodeHelloAnswer,
  encodeTooLargeAnswer,
  encodeUnsupportedAnswer,
  BatchFlags,
  beginAnswer,
  ExtStatus,
  type FreshnessRecord,
  EXT_BATCH_GET,
  EXT_FRESHNESS,
  EXT_KEYS,
  encodeKeysInternalAnswer,
  ExtOp,
  type KeysInternalRequest,
  freshnessSize,
} from "../protocol/extensions.ts";
import { KvStateResponse } from "../protocol/messages.ts";
import type { JavaThrowableInit } from "../protocol/remote-errors.ts";
import { EXT_SCAN, ScanOp, scanAnswerSize, writeScanInternalAnswer } from "../protocol/scan.ts";
import { lookUpScan, SERVER_MAX_SCAN_PAGE } from "./scan.ts";
import { EXT_WATCH, watchAnswerSize, WatchOp, writeWatchInternalAnswer } from "../protocol/watch.ts";
import { SERVER_MAX_HELD_WATCHES, SERVER_MAX_PREFIX_ENTRIES, SERVER_MAX_WATCH_KEYS, SERVER_MAX_WATCH_WAIT_MS, type WatchLookup, type WatchPolls } from "./watch.ts";
import { BadRequestError, UnknownKeyOrNamespaceError, UnknownKvStateIdError } from "../protocol/remote-errors.ts";
import { describeError, requestFailureThrowable } from "../net/failures.ts";
import type { KvStateRegistry } from "../state/kv-state-registry.ts";
import { VERSION } from "../version.ts";

/** Most keys one BATCH_GET_INTERNAL may carry. */
export const SERVER_MAX_BATCH_KEYS = 16_384;
/** Most keys one KEYS_INTERNAL answer may hold. */
export const SERVER_MAX_KEYS_PAGE = 100_000;
/** Largest batch answer a state server sends; larger ones are answered TOO_LARGE (the proxy splits the batch). */
export const SERVER_MAX_ANSWER_BYTES = 32 * 1024 * 1024;

/** The state server's HELLO: what it speaks and its limits. */
function hello(watch: boolean): Uint8Array {
  const extensions = new Map([[EXT_BATCH_GET, 1], [EXT_FRESHNESS, 1], [EXT_KEYS, 1], [EXT_SCAN, 1]]);
  const limits = new Map([
    ["batch-get.max-keys", SERVER_MAX_BATCH_KEYS],
    ["batch-get.max-answer-bytes", SERVER_MAX_ANSWER_BYTES],
    ["keys.max-page-size", SERVER_MAX_KEYS_PAGE],
    ["map-scan.max-page-size", SERVER_MAX_SCAN_PAGE],
  ]);
  if (watch) {
    extensions.set(EXT_WATCH, 1);
    limits.set("watch.max-keys", SERVER_MAX_WATCH_KEYS);
    limits.set("watch.max-wait-ms", SERVER_MAX_WATCH_WAIT_MS);
    limits.set("watch.max-held-polls", SERVER_MAX_HELD_WATCHES);
    limits.set("watch.max-prefix-entries", SERVER_MAX_PREFIX_ENTRIES);
  }
  return encodeHelloAnswer({ implementation: `queryable-state ${VERSION} (state server)`, extensions, limits });
}

/** A watch's answer as an extension answer. */
export function watchAnswer(r: WatchLookup): Uint8Array {
  if ("failure" in r) return encodeFailedAnswer(WatchOp.WATCH_INTERNAL, r.failure);
  const w = beginAnswer(WatchOp.WATCH_INTERNAL, ExtStatus.OK, watchAnswerSize(r.changes));
  writeWatchInternalAnswer(w, r.changes);
  return w.view();
}

/** What a state lookup gave, as a batch entry (`StateLookupError` texts as single requests get them). */
function entryOf(requestId: bigint, bytes: unknown, error: unknown): BatchEntry {
  if (error !== undefined) return { tag: EntryTag.ERROR, error: requestFailureThrowable(requestId, new LookupFailure(requestId, error)) };
  if (bytes === null || bytes === undefined) return { tag: EntryTag.MISSING };
  if (!(bytes instanceof Uint8Array)) {
    return { tag: EntryTag.ERROR, error: requestFailureThrowable(requestId, new LookupFailure(requestId, new TypeError("getSerializedValue must return a Uint8Array or null"))) };
  }
  return { tag: EntryTag.VALUE, value: bytes };
}

/** The same text as the server's StateLookupError (kept here so this module does not import the server class). */
class LookupFailure extends Error {
  constructor(requestId: bigint, cause: unknown) {
    super(`Error while processing request with ID ${requestId}. Caused by: ${describeError(cause)}`, { cause });
    this.name = "java.lang.RuntimeException";
  }
}

/**
 * A batch's entries (with each one's freshness when key groups were given), or the failure of the whole batch (an
 * unknown state id, too many keys).
 */
export type BatchLookup =
  | { readonly entries: BatchEntry[]; readonly freshness?: (FreshnessRecord | null)[] }
  | { readonly failure: JavaThrowableInit };

/**
 * Looks `keys` up in the state registered under `kvStateId` (its 16 bytes): one entry per key, in order; a lookup
 * that throws fails its key only. Synchronous unless a state answers asynchronously.
 */
export function lookUpBatch(
  registry: KvStateRegistry,
  serverName: string,
  requestId: bigint,
  kvStateId: Uint8Array,
  keys: readonly Uint8Array[],
  keyGroups?: readonly number[],
): BatchLookup | Promise<BatchLookup> {
  if (keys.length > SERVER_MAX_BATCH_KEYS) {
    return { failure: BadRequestError.create(serverName, `A batch of ${keys.length} keys exceeds the maximum of ${SERVER_MAX_BATCH_KEYS}.`).toJavaThrowable() };
  }
  const state = registry.getByKey(idKeyOfBytes(kvStateId, 0));
  if (state === undefined) return { failure: UnknownKvStateIdError.forId(serverName, KvStateID.fromBytes(kvStateId)).toJavaThrowable() };
  const entries: (BatchEntry | Promise<BatchEntry>)[] = new Array(keys.length);
  let async = false;
  for (let i = 0; i < keys.length; i++) {
    try {
      const r = state.getSerializedValue(keys[i]);
      if (r instanceof Promise) {
        async = true;
        entries[i] = r.then((bytes) => entryOf(requestId, bytes, undefined), (e) => entryOf(requestId, undefined, e ?? new Error("rejected")));
      } else entries[i] = entryOf(requestId, r, undefined);
    } catch (e) {
      entries[i] = entryOf(requestId, undefined, e ?? new Error("threw"));
    }
  }
  // With key groups (the freshness extension), each entry says how fresh the state is in its key group: read after
  // the values, so that the versions cover at least what the values show.
  const withFreshness = (done: BatchEntry[]): BatchLookup => {
    if (keyGroups === undefined) return { entries: done };
    const freshness: (FreshnessRecord | null)[] = new Array(done.length);
    for (let i = 0; i < done.length; i++) {
      try {
        freshness[i] = state.freshness?.(keyGroups[i]) ?? null;
      } catch {
        freshness[i] = null; // a state whose freshness fails reports none
      }
    }
    return { entries: done, freshness };
  };
  return async ? Promise.all(entries).then(withFreshness) : withFreshness(entries as BatchEntry[]);
}

/** A page of keys, a failure, or why this state cannot list its keys. */
export type KeysLookup =
  | { readonly keys: readonly { readonly keyGroup: number; readonly key: Uint8Array }[]; readonly complete: boolean }
  | { readonly failure: JavaThrowableInit }
  | { readonly unsupported: string };

/** One page of the keys of the state registered under `req.kvStateId` (see `KvState.keys`). */
export function lookUpKeys(registry: KvStateRegistry, serverName: string, requestId: bigint, req: Omit<KeysInternalRequest, "op">): KeysLookup {
  if (!(req.limit >= 1 && req.limit <= SERVER_MAX_KEYS_PAGE) || req.fromKeyGroup < 0 || req.toKeyGroup < req.fromKeyGroup) {
    return {
      failure: BadRequestError.create(
        serverName,
        `A key listing needs 1 to ${SERVER_MAX_KEYS_PAGE} keys and key groups from ≤ to, got ${req.limit} keys of [${req.fromKeyGroup}, ${req.toKeyGroup}].`,
      ).toJavaThrowable(),
    };
  }
  const state = registry.getByKey(idKeyOfBytes(req.kvStateId, 0));
  if (state === undefined) return { failure: UnknownKvStateIdError.forId(serverName, KvStateID.fromBytes(req.kvStateId)).toJavaThrowable() };
  if (typeof state.keys !== "function") return { unsupported: "this state cannot list its keys (a KvState without keys())" };
  try {
    return state.keys(req.fromKeyGroup, req.toKeyGroup, req.after, req.namespace, req.limit);
  } catch (e) {
    return { failure: requestFailureThrowable(requestId, new LookupFailure(requestId, e)) };
  }
}

/**
 * Answers an extension request (an internal request for the reserved KvStateID) against `registry`. Malformed
 * payloads are answered FAILED with a BadRequestException, unknown ops and versions UNSUPPORTED: bad input never
 * throws out of here except as a rejected promise of the same kind.
 */
export function answerServerExtension(
  registry: KvStateRegistry,
  serverName: string,
  requestId: bigint,
  payload: Uint8Array,
  watch?: { readonly hub: WatchPolls; readonly signal?: AbortSignal },
): KvStateResponse | Promise<KvStateResponse> {
  let req;
  try {
    req = decodeExtensionRequest(payload);
  } catch (e) {
    if (!(e instanceof InvalidFrameError)) throw e;
    return answer(encodeFailedAnswer(payload[1] ?? 0, BadRequestError.create(serverName, `Malformed extension request: ${e.message}`).toJavaThrowable()));
  }
  switch (req.op) {
    case ExtOp.HELLO:
      return answer(hello(watch !== undefined));
    case ExtOp.BATCH_GET_INTERNAL: {
      const op = ExtOp.BATCH_GET_INTERNAL;
      if ((req.flags & ~BatchFlags.FRESHNESS) !== 0) {
        return answer(encodeUnsupportedAnswer(op, `batch flags 0x${(req.flags >>> 0).toString(16)} are unknown to this state server`));
      }
      const finish = (r: BatchLookup) => {
        if ("failure" in r) return answer(encodeFailedAnswer(op, r.failure));
        const freshness = r.freshness === undefined ? undefined : { kind: "server" as const, records: r.freshness };
        let size = 8 + freshnessSize(freshness, r.entries.length);
        for (const e of r.entries) size += batchEntrySize(e);
        return answer(size > SERVER_MAX_ANSWER_BYTES ? encodeTooLargeAnswer(op, SERVER_MAX_ANSWER_BYTES) : encodeBatchAnswer(op, r.entries, freshness));
      };
      const r = lookUpBatch(registry, serverName, requestId, req.kvStateId, req.keys, req.keyGroups);
      return r instanceof Promise ? r.then(finish) : finish(r);
    }
    case ExtOp.KEYS_INTERNAL: {
      const r = lookUpKeys(registry, serverName, requestId, req);
      if ("failure" in r) return answer(encodeFailedAnswer(req.op, r.failure));
      if ("unsupported" in r) return answer(encodeUnsupportedAnswer(req.op, r.unsupported));
      return answer(encodeKeysInternalAnswer(r.keys, r.complete));
    }
    case ScanOp.SCAN_INTERNAL: {
      const r = lookUpScan(registry, serverName, requestId, req);
      if ("failure" in r) return answer(encodeFailedAnswer(req.op, r.failure));
      if ("unsupported" in r) return answer(encodeUnsupportedAnswer(req.op, r.unsupported));
      if ("missing" in r) return answer(encodeFailedAnswer(req.op, UnknownKeyOrNamespaceError.forServer(serverName).toJavaThrowable()));
      const w = beginAnswer(req.op, ExtStatus.OK, scanAnswerSize(r.entries));
      writeScanInternalAnswer(w, r.entries, r.complete);
      return answer(w.view());
    }
    case WatchOp.WATCH_INTERNAL: {
      if (watch === undefined) return answer(encodeUnsupportedAnswer(req.op, "this state server does not hold watches"));
      const r = watch.hub.watch(requestId, req, watch.signal);
      return r instanceof Promise ? r.then((x) => answer(watchAnswer(x))) : answer(watchAnswer(r));
    }
    case WatchOp.WATCH_CANCEL_INTERNAL:
      watch?.hub.cancel(req.pollId, watch.signal);
      return answer(beginAnswer(req.op, ExtStatus.OK, 4).view());
    case ExtOp.BATCH_GET:
    case ExtOp.KEYS:
    case ScanOp.SCAN:
    case WatchOp.WATCH:
    case WatchOp.WATCH_CANCEL:
      return answer(encodeUnsupportedAnswer(req.op, "this is a proxy's op; a state server takes the _INTERNAL ones"));
    default:
      return answer(encodeUnsupportedAnswer(req.rawOp, req.reason));
  }
}

function answer(content: Uint8Array): KvStateResponse {
  return new KvStateResponse(content);
}
