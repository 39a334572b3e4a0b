/**
 * The state server's side of the map-scan extension: SCAN_INTERNAL requests (one key's MapState a page at a time) are
 * answered from the state's `scan` (a `HeapKeyedStateBackend`'s map states have one).
 */
import { idKeyOfBytes, KvStateID } from "../core/ids.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { BadRequestError, type JavaThrowableInit, UnknownKvStateIdError } from "../protocol/remote-errors.ts";
import type { ScanEntry, ScanInternalRequest } from "../protocol/scan.ts";
import { describeError, requestFailureThrowable } from "../net/failures.ts";
import type { KvStateRegistry } from "../state/kv-state-registry.ts";

/** Most entries one SCAN_INTERNAL answer may hold. */
export const SERVER_MAX_SCAN_PAGE = 100_000;

/** A page of a map, no value for the key, a failure, or why this state cannot be scanned. */
export type ScanLookup =
  | { readonly entries: readonly ScanEntry[]; readonly complete: boolean }
  | { readonly missing: true }
  | { readonly failure: JavaThrowableInit }
  | { readonly unsupported: string };

/** One page of the map of `req.keyAndNamespace` in the state registered under `req.kvStateId`. */
export function lookUpScan(registry: KvStateRegistry, serverName: string, requestId: bigint, req: Omit<ScanInternalRequest, "op">): ScanLookup {
  if (!(req.limit >= 1 && req.limit <= SERVER_MAX_SCAN_PAGE)) {
    return { failure: BadRequestError.create(serverName, `A map scan takes 1 to ${SERVER_MAX_SCAN_PAGE} entries per page, got ${req.limit}.`).toJavaThrowable() };
  }
  const state = registry.getByKey(idKeyOfBytes(req.kvStateId, 0));
  if (state === undefined) return { failure: UnknownKvStateIdError.forId(serverName, KvStateID.fromBytes(req.kvStateId)).toJavaThrowable() };
  if (typeof state.scan !== "function") return { unsupported: "this state cannot be scanned (not a map state, or a KvState without scan())" };
  try {
    const page = state.scan(req.keyAndNamespace, { from: req.from, to: req.to, prefix: req.prefix, after: req.after, limit: req.limit });
    return page === null ? { missing: true } : page;
  } catch (e) {
    if (e instanceof InvalidArgumentError) return { failure: BadRequestError.create(serverName, e.message).toJavaThrowable() };
    return {
      failure: requestFailureThrowable(requestId, Object.assign(new Error(`Error while processing request with ID ${requestId}. Caused by: ${describeError(e)}`), { name: "java.lang.RuntimeException" })),
    };
  }
}
