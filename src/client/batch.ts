/**
 * Batch get: many keys of one state in one call ({@link QueryableStateClient.getKvStates}). Against a proxy of
 * ours that speaks the `batch-get` extension the keys go in one request per chunk and the proxy asks each state
 * server once; against any other proxy (Flink's) the same call sends concurrent single queries. Either way each
 * key gets its own state or error, in the caller's order.
 */
import type { Clock } from "../core/clock.ts";
import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import { RequestAbortedError, RequestTimeoutError } from "../net/errors.ts";
import {
  BatchFlags,
  type BatchEntry,
  type BatchKey,
  EntryTag,
  encodeBatchGet,
  EXT_BATCH_GET,
  EXT_FRESHNESS,
  ExtOp,
  ExtStatus,
  type Freshness,
  FreshnessBoundError,
  type EntryFreshness,
  readBatchAnswer,
  readClientBatchAnswer,
  UnsupportedByPeerError,
} from "../protocol/extensions.ts";
import { sleep } from "../core/clock.ts";
import { errorFromJavaThrowable, UnknownKeyOrNamespaceError } from "../protocol/remote-errors.ts";
import type { StateDescriptor } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { VoidNamespace } from "../types/void-namespace.ts";
import { type ExtensionSession, PlainPeer } from "./extensions.ts";
import type { ImmutableState, ImmutableStateFor } from "./immutable-states.ts";

/**
 * One key's outcome in {@link QueryableStateClient.getKvStates}: its state, or why there is none; with a proxy and
 * state server of ours, `freshness` says where it was served and how fresh it is (also for a key without value).
 */
export type KvStateResult<K, S> =
  | { readonly key: K; readonly ok: true; readonly state: S; readonly freshness?: Freshness }
  | { readonly key: K; readonly ok: false; readonly error: QueryableStateError; readonly freshness?: Freshness };

/** Options of {@link QueryableStateClient.getKvStates}. */
export interface GetKvStatesOptions<N = VoidNamespace> {
  /** The namespace of every key (e.g. a window). @default VoidNamespace */
  namespace?: N;
  /** Serializer of `namespace`; required with any namespace other than VoidNamespace. */
  namespaceType?: TypeSerializer<N>;
  /** Abort the whole call. */
  signal?: AbortSignal;
  /** Time for the whole call, every key included. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
  /** Single queries in flight at once when the proxy does not speak `batch-get` (a Flink proxy). @default 128 */
  maxInFlight?: number;
  /**
   * Freshness bound: a key whose state is more than this many ms behind its input gets a `FreshnessBoundError`
   * (`FRESHNESS_BOUND_NOT_MET`). Needs the freshness extension (our proxy and state servers): else the call rejects
   * with `UNSUPPORTED_BY_PEER` (a key on a state server without freshness gets that error).
   */
  maxStalenessMs?: number;
  /**
   * Freshness bound: a key whose state's version in its key group is below this gets a `FreshnessBoundError`; pass
   * the version a writer saw after its write (`StepContext.version`) to read it back (read-your-writes).
   */
  minVersion?: bigint;
  /** How long to wait for the bounds to be met (asking again with back-off) before the keys fail. @default 0 */
  waitMs?: number;
}

/** What the batch needs of its client (a private object the client builds). */
export interface BatchHost {
  readonly session: ExtensionSession;
  readonly clock: Clock;
  /** The client's default time per call (`Infinity`: none). */
  readonly defaultTimeoutMs: number;
  /** The Java hash and key+namespace bytes of one key (throws InvalidArgumentError). */
  serializeKey(key: unknown, options: GetKvStatesOptions<unknown>): { keyHash: number; keyAndNamespace: Uint8Array };
  /** Decodes one answer into its immutable state (throws SerializationError and the like). */
  decode(bytes: Uint8Array): ImmutableState;
  /** One single query (the fallback). */
  single(key: unknown, options: { namespace?: unknown; namespaceType?: TypeSerializer<unknown>; signal: AbortSignal; timeoutMs?: number }): Promise<ImmutableState>;
}

/** Failures that concern the whole call rather than one key: the call rejects with them. */
const CALL_LEVEL = new Set<string>([
  "UNKNOWN_JOB",
  "UNKNOWN_STATE_NAME",
  "UNKNOWN_LOCATION",
  "UNKNOWN_JOB_MANAGER",
  "TIMEOUT",
  "REQUEST_ABORTED",
  "CLIENT_CLOSED",
  "CONNECT_FAILED",
  "CONNECTION_CLOSED",
  "SERVER_FAILURE",
]);

function isCallLevel(e: unknown): boolean {
  return !(e instanceof QueryableStateError) || CALL_LEVEL.has(e.code);
}

/** The most keys one request carries when the proxy states no limit. */
const DEFAULT_CHUNK = 4096;

/** Reads `keys` of state `stateName` of `job` (see {@link QueryableStateClient.getKvStates}). */
export async function getKvStatesBatch<K, D extends StateDescriptor>(
  host: BatchHost,
  job: JobID,
  stateName: string,
  keys: readonly K[],
  options: GetKvStatesOptions<unknown>,
): Promise<KvStateResult<K, ImmutableStateFor<D>>[]> {
  if (!Array.isArray(keys)) throw new InvalidArgumentError(`keys must be an array of keys, got ${typeof keys}.`);
  const maxInFlight = options.maxInFlight ?? 128;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new InvalidArgumentError(`maxInFlight must be a positive integer, got ${maxInFlight}.`);
  const n = keys.length;
  const results: KvStateResult<K, ImmutableStateFor<D>>[] = new Array(n);
  if (n === 0) return results;
  const timeoutMs = options.timeoutMs ?? host.defaultTimeoutMs;
  if (!(timeoutMs > 0)) throw new InvalidArgumentError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}.`);
  const clock = host.clock;
  const deadline = clock.now() + timeoutMs;
  const what = `${n}-key batch of state '${stateName}'`;
  const remaining = (): number | undefined => {
    if (timeoutMs === Infinity) return undefined;
    const left = deadline - clock.now();
    if (left <= 0) throw new RequestTimeoutError(`Queryable State Client: ${what}`, timeoutMs);
    return left;
  };

  // One controller for the whole call: the caller's signal, or a call-level failure, stops what is left.
  const controller = new AbortController();
  const outer = options.signal;
  if (outer?.aborted) throw new RequestAbortedError(`Queryable State Client: ${what}`, outer.reason);
  const onAbort = () => controller.abort(outer!.reason);
  outer?.addEventListener("abort", onAbort, { once: true });
  const signal = controller.signal;

  const bounded = options.maxStalenessMs !== undefined || options.minVersion !== undefined;
  if (options.maxStalenessMs !== undefined && !(options.maxStalenessMs >= 0)) {
    throw new InvalidArgumentError(`maxStalenessMs must be a number of milliseconds of at least 0, got ${options.maxStalenessMs}.`);
  }
  if (options.minVersion !== undefined && typeof options.minVersion !== "bigint") {
    throw new InvalidArgumentError(`minVersion must be a bigint (a Freshness.version), got ${typeof options.minVersion}.`);
  }
  const waitMs = options.waitMs ?? 0;
  if (!(waitMs >= 0)) throw new InvalidArgumentError(`waitMs must be a number of milliseconds of at least 0, got ${waitMs}.`);
  const ok = (i: number, state: ImmutableState, freshness?: Freshness) =>
    (results[i] = freshness === undefined
      ? { key: keys[i], ok: true, state: state as ImmutableStateFor<D> }
      : { key: keys[i], ok: true, state: state as ImmutableStateFor<D>, freshness });
  const failed = (i: number, error: unknown, freshness?: Freshness) => {
    if (isCallLevel(error)) throw error;
    results[i] = freshness === undefined
      ? { key: keys[i], ok: false, error: error as QueryableStateError }
      : { key: keys[i], ok: false, error: error as QueryableStateError, freshness };
  };
  /** The bound an answer of this freshness misses, if any. */
  const missedBound = (f: Freshness): FreshnessBoundError | undefined => {
    if (options.maxStalenessMs !== undefined && f.stalenessMs > options.maxStalenessMs) return new FreshnessBoundError("maxStalenessMs", options.maxStalenessMs, f);
    if (options.minVersion !== undefined && f.version < options.minVersion) return new FreshnessBoundError("minVersion", options.minVersion, f);
    return undefined;
  };

  // Single queries, at most maxInFlight at once (the fallback).
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = (): Promise<void> | undefined => {
    if (active < maxInFlight) {
      active++;
      return undefined;
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next !== undefined) next(); // the slot passes on
    else active--;
  };
  const singles = (indices: readonly number[]): Promise<unknown> =>
    Promise.all(indices.map(async (i) => {
      await acquire();
      try {
        if (signal.aborted) return;
        const q = { namespace: options.namespace, namespaceType: options.namespaceType, signal, timeoutMs: remaining() };
        ok(i, await host.single(keys[i], q));
      } catch (e) {
        failed(i, e);
      } finally {
        release();
      }
    }));

  try {
    // Each key serialized once; a key that does not serialize is its own error (nothing is sent for it).
    const serialized: (BatchKey | undefined)[] = new Array(n);
    let firstError: unknown;
    let unserializable = 0;
    for (let i = 0; i < n; i++) {
      try {
        serialized[i] = host.serializeKey(keys[i], options);
      } catch (e) {
        if (!(e instanceof QueryableStateError)) throw e;
        firstError ??= e;
        unserializable++;
        results[i] = { key: keys[i], ok: false, error: e };
      }
    }
    // Every key failed: an argument of the call is wrong (the key type, the namespace).
    if (unserializable === n) throw firstError;
    const todo = serialized.flatMap((k, i) => (k === undefined ? [] : [i]));

    const peer = await host.session.peer({ signal, timeoutMs: remaining() });
    const maxKeys = peer?.extensions.has(EXT_BATCH_GET) ? (peer.limits.get("batch-get.max-keys") ?? DEFAULT_CHUNK) : 0;
    const fresh = maxKeys > 0 && peer?.extensions.has(EXT_FRESHNESS) === true;
    const noFreshness = () =>
      new UnsupportedByPeerError(
        EXT_FRESHNESS,
        peer === null
          ? "the proxy speaks no protocol extensions (a Flink proxy, or extensions: \"off\"), so no answer says how fresh it is: leave out maxStalenessMs and minVersion"
          : `the proxy (${peer.implementation}) does not offer it: leave out maxStalenessMs and minVersion`,
      );
    if (bounded && !fresh) throw noFreshness();
    if (maxKeys < 1) {
      await singles(todo);
    } else {
      const jobBytes = job.toBytes();
      /** Keys whose answer missed a bound, to ask again while `waitMs` lasts. */
      let missed: number[] = [];
      const settle = (i: number, entry: BatchEntry, served?: EntryFreshness) => {
        const s = served?.state;
        const freshness: Freshness | undefined = s === null || s === undefined ? undefined : { node: served!.node, keyGroup: served!.keyGroup, ...s };
        if (bounded && entry.tag !== EntryTag.ERROR) {
          if (freshness === undefined) {
            return failed(i, new UnsupportedByPeerError(EXT_FRESHNESS, `the state server ${served?.node || "(unknown)"} reports no freshness (a Flink state server, or a state without it)`));
          }
          const miss = missedBound(freshness);
          if (miss !== undefined) {
            missed.push(i);
            return failed(i, miss, freshness);
          }
        }
        if (entry.tag === EntryTag.MISSING) failed(i, UnknownKeyOrNamespaceError.forServer("Queryable State Server"), freshness);
        else if (entry.tag === EntryTag.ERROR) failed(i, errorFromJavaThrowable(entry.error), freshness);
        else {
          try {
            ok(i, host.decode(entry.value), freshness);
          } catch (e) {
            failed(i, e, freshness);
          }
        }
      };
      const sendChunk = async (indices: number[]): Promise<unknown> => {
        let answer;
        try {
          const payload = encodeBatchGet(jobBytes, stateName, indices.map((i) => serialized[i]!), fresh ? BatchFlags.FRESHNESS : 0);
          answer = await host.session.request(ExtOp.BATCH_GET, payload, { signal, timeoutMs: remaining() });
        } catch (e) {
          if (e instanceof PlainPeer) {
            if (bounded) throw noFreshness();
            return singles(indices);
          }
          throw e;
        }
        switch (answer.status) {
          case ExtStatus.OK: {
            if (fresh) {
              const { entries, served } = readClientBatchAnswer(answer.body, indices.length);
              entries.forEach((entry, j) => settle(indices[j], entry, served[j]));
            } else readBatchAnswer(answer.body, indices.length).forEach((entry, j) => settle(indices[j], entry));
            return;
          }
          case ExtStatus.FAILED:
            throw errorFromJavaThrowable(answer.failure);
          case ExtStatus.UNSUPPORTED:
            if (bounded) throw noFreshness();
            return singles(indices);
          case ExtStatus.TOO_LARGE: {
            if (indices.length === 1 && !bounded) return singles(indices);
            if (indices.length === 1) throw new UnsupportedByPeerError(EXT_BATCH_GET, `the answer for one key exceeds the proxy's limit of ${answer.limitBytes} bytes`);
            const half = indices.length >> 1;
            await Promise.all([sendChunk(indices.slice(0, half)), sendChunk(indices.slice(half))]);
          }
        }
      };
      const chunks = (indices: number[]): number[][] => {
        const out: number[][] = [];
        for (let at = 0; at < indices.length; at += maxKeys) out.push(indices.slice(at, at + maxKeys));
        return out;
      };
      await Promise.all(chunks(todo).map(sendChunk));
      // Keys that missed a bound are asked again, with back-off, until they meet it or waitMs has passed.
      const waitUntil = clock.now() + waitMs;
      for (let delay = 5; missed.length > 0 && clock.now() + delay <= waitUntil && clock.now() + delay < deadline; delay = Math.min(delay * 2, 100)) {
        await sleep(clock, delay, signal).catch((reason) => {
          throw new RequestAbortedError(`Queryable State Client: ${what}`, reason);
        });
        const again = missed;
        missed = [];
        await Promise.all(chunks(again).map(sendChunk));
      }
    }
    return results;
  } catch (e) {
    controller.abort(e); // single queries still waiting for a slot or an answer stop
    throw e;
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
}
