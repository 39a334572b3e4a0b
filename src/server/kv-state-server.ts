/**
 * The KvState server: one per task manager, it answers KvStateInternalRequests against the
 * states of its {@link KvStateRegistry} (Flink's KvStateServerImpl + KvStateServerHandler).
 */
import { QueryableStateError } from "../core/errors.ts";
import { KvStateInternalRequest, KvStateResponse } from "../protocol/messages.ts";
import { UnknownKeyOrNamespaceError, UnknownKvStateIdError } from "../protocol/remote-errors.ts";
import { describeError } from "../net/failures.ts";
import { type ConnectionDiagnostics, type RequestContext, type RequestHandler, ServerBase, type ServerOptions } from "../net/server-base.ts";
import { type RequestStats, StatsCounter, sumStats } from "../net/stats.ts";
import type { Endpoint } from "../transport/transport.ts";
import { KvStateRegistry } from "../state/kv-state-registry.ts";
import type { KvState } from "../state/kv-state-registry.ts";
import { ANSWER_FRAME, type FastRequestHandler, NOT_FAST } from "../net/request-handler.ts";
import type { DecodedFrame } from "../protocol/frame-decoder.ts";
import { int32At } from "../core/bytes.ts";
import { EXTENSION_ID_KEY } from "../protocol/extensions.ts";
import { answerServerExtension, type BatchLookup, type KeysLookup, lookUpBatch, lookUpKeys } from "./extensions.ts";
import type { KeysInternalRequest } from "../protocol/extensions.ts";
import type { ScanInternalRequest } from "../protocol/scan.ts";
import { lookUpScan, type ScanLookup } from "./scan.ts";
import { WatchHub, type WatchLookup, type WatchPolls } from "./watch.ts";
import type { WatchInternalRequest } from "../protocol/watch.ts";
import { realClock } from "../core/clock.ts";

const LOCAL_CONTEXT: RequestContext = { signal: new AbortController().signal };

/** The name Flink's state server uses in its messages. */
export const KV_STATE_SERVER_NAME = "Queryable State Server";

/** A state's lookup threw: the request fails with a message naming the request and the cause. */
export class StateLookupError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.RuntimeException";
  /**
   * An error with code `STATE_LOOKUP_FAILED`, in Flink's words.
   * @param requestId the request whose lookup failed
   * @param cause what the state's `getSerializedValue` threw (or why its answer was unusable)
   */
  constructor(requestId: bigint, cause: unknown) {
    super("STATE_LOOKUP_FAILED", `Error while processing request with ID ${requestId}. Caused by: ${describeError(cause)}`, { cause });
  }
}

/** The request handler of a state server over `registry` (usable without sockets, e.g. in tests). */
export function kvStateRequestHandler(registry: KvStateRegistry, serverName = KV_STATE_SERVER_NAME, watches?: WatchPolls): RequestHandler<KvStateInternalRequest> {
  return kvStateHandler(registry, serverName, watches);
}

/** The handler with its internal fast paths: from a frame's bytes, and for in-process requests. */
type KvStateHandler = RequestHandler<KvStateInternalRequest> & FastRequestHandler & {
  /** {@link KvStateServer.answerLocally}'s path: the id as a number, a bigint only for a failure. */
  [ANSWER_LOCAL](requestId: number, request: KvStateInternalRequest): KvStateResponse | Promise<KvStateResponse>;
};

/** Key of {@link KvStateHandler}'s in-process method. */
const ANSWER_LOCAL: unique symbol = Symbol("answerLocal");

function kvStateHandler(registry: KvStateRegistry, serverName: string, watches?: WatchPolls): KvStateHandler {
  const answer = (requestId: bigint, bytes: Uint8Array | null): KvStateResponse => {
    if (bytes === null || bytes === undefined) throw UnknownKeyOrNamespaceError.forServer(serverName);
    if (!(bytes instanceof Uint8Array)) throw new StateLookupError(requestId, new TypeError("getSerializedValue must return a Uint8Array or null"));
    return new KvStateResponse(bytes);
  };
  const lookUp = (requestId: bigint | number | DecodedFrame, state: KvState, keyAndNamespace: Uint8Array) => {
    let result: Uint8Array | null | Promise<Uint8Array | null>;
    try {
      result = state.getSerializedValue(keyAndNamespace);
    } catch (e) {
      throw new StateLookupError(idOf(requestId), e);
    }
    if (result instanceof Promise) {
      return result.then((bytes) => answer(idOf(requestId), bytes), (e) => {
        throw new StateLookupError(idOf(requestId), e);
      });
    }
    // The id is needed only for a failure's message: a frame makes its bigint then.
    if (result !== null && result instanceof Uint8Array) return new KvStateResponse(result);
    return answer(idOf(requestId), result);
  };
  return {
    decode: KvStateInternalRequest.decode,
    [ANSWER_FRAME](frame: DecodedFrame) {
      // [16-byte KvStateID][i32 n][n bytes of key and namespace], read in place; anything else takes the
      // ordinary path (which reports it), as do the reserved extension id and unknown ids.
      const b = frame.bytes, at = frame.bodyStart;
      if (frame.bodyEnd - at < 20) return NOT_FAST;
      const n = int32At(b, at + 16);
      if (n < 0 || n > frame.bodyEnd - at - 20) return NOT_FAST;
      const state = registry.getByIdBytes(b, at);
      if (state === undefined) return NOT_FAST;
      return lookUp(frame, state, b.subarray(at + 20, at + 20 + n));
    },
    [ANSWER_LOCAL](requestId: number, request: KvStateInternalRequest) {
      const state = registry.getByKey(request.kvStateIdKey);
      if (state === undefined) return this.handle(BigInt(requestId), request, LOCAL_CONTEXT) as KvStateResponse | Promise<KvStateResponse>;
      return lookUp(requestId, state, request.serializedKeyAndNamespace);
    },
    handle(requestId: bigint, request: KvStateInternalRequest, context?: RequestContext) {
      const state = registry.getByKey(request.kvStateIdKey);
      if (state === undefined) {
        // The reserved id (never registered) carries our protocol extensions; a Flink server answers it as unknown.
        if (request.kvStateIdKey === EXTENSION_ID_KEY) {
          const watch = watches === undefined ? undefined : { hub: watches, signal: context?.signal };
          return answerServerExtension(registry, serverName, requestId, request.serializedKeyAndNamespace, watch);
        }
        throw UnknownKvStateIdError.forId(serverName, request.kvStateId);
      }
      return lookUp(requestId, state, request.serializedKeyAndNamespace);
    },
  };
}

function idOf(requestId: bigint | number | DecodedFrame): bigint {
  return typeof requestId === "bigint" ? requestId : typeof requestId === "number" ? BigInt(requestId) : requestId.requestId;
}

/** Options of a {@link KvStateServer}: a server's options and the registry it serves. */
export interface KvStateServerOptions extends ServerOptions {
  /** The states to serve. @default a new, empty registry */
  registry?: KvStateRegistry;
}

/**
 * Serves the states of a registry to proxies (and to any client speaking the protocol).
 *
 * A state has to be registered at a coordinator too (under its id, for the key groups it holds) for
 * proxies to find it: see {@link KvStateClientProxy} for the whole path.
 *
 * @example
 * ```ts
 * import { KvStateRegistry, KvStateServer, longSerializer, serializeValue } from "queryable-state";
 *
 * // A state that answers every key with 42 (a Java long, as Flink's serializer writes it).
 * const registry = new KvStateRegistry();
 * const id = registry.register({ getSerializedValue: (_keyAndNamespace) => serializeValue(42n, longSerializer) });
 * await using server = new KvStateServer({ registry, port: "9067-9070" }); // the first free port of the range
 * const { hostname, port } = await server.start();
 * console.log(`serving ${id} on ${hostname}:${port}`);
 * ```
 */
export class KvStateServer implements AsyncDisposable {
  /** The states it serves, by KvStateID; register and unregister them at any time. */
  readonly registry: KvStateRegistry;
  readonly #server: ServerBase<KvStateInternalRequest>;
  readonly #handler: KvStateHandler;
  /** Requests answered in-process by {@link answerLocally}; stats() adds them to the socket ones. */
  readonly #local = new StatsCounter();
  /** Ids of in-process requests (a number: a bigint is made only for a failure's message). */
  #localRequests = 0;
  #serving = false;
  readonly #watches: WatchHub;

  /**
   * A server for `options.registry` (a new one by default); nothing is bound before {@link start}.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for invalid server options (see {@link ServerBase})
   */
  constructor(options: KvStateServerOptions = {}) {
    this.registry = options.registry ?? new KvStateRegistry();
    this.#watches = new WatchHub(this.registry, KV_STATE_SERVER_NAME, options.clock ?? realClock);
    this.#handler = kvStateHandler(this.registry, KV_STATE_SERVER_NAME, this.#watches);
    this.#server = new ServerBase(KV_STATE_SERVER_NAME, this.#handler, options);
  }

  /**
   * Binds the first free port of `port` (default: an ephemeral one on 127.0.0.1) and starts serving;
   * resolves with the bound address.
   * @throws ServerStartError (`SERVER_START_FAILED`) when no port could be bound, or on a second call
   */
  async start(): Promise<Endpoint> {
    const address = await this.#server.start();
    this.#serving = true;
    return address;
  }

  /**
   * Answers a request from this process without a socket (a co-located proxy's shortcut):
   * the same answer, the same errors and the same statistics as over the network.
   */
  answerLocally(request: KvStateInternalRequest): KvStateResponse | Promise<KvStateResponse> {
    const requestId = this.#localRequests++;
    return this.#local.track(() => this.#handler[ANSWER_LOCAL](requestId, request));
  }


  /**
   * Looks a batch of keys up in this process (a co-located proxy's shortcut for the batch-get extension): the same
   * entries a BATCH_GET_INTERNAL request gets, without encoding them (with each entry's freshness when `keyGroups`,
   * one per key, are given); counted in {@link stats} as one request.
   */
  answerBatchLocally(kvStateId: Uint8Array, keys: readonly Uint8Array[], keyGroups?: readonly number[]): BatchLookup | Promise<BatchLookup> {
    const requestId = BigInt(this.#localRequests++);
    return this.#local.track(() => lookUpBatch(this.registry, KV_STATE_SERVER_NAME, requestId, kvStateId, keys, keyGroups));
  }

  /** One page of a state's keys in this process (a co-located proxy's shortcut for the key-listing extension). */
  listKeysLocally(request: Omit<KeysInternalRequest, "op">): KeysLookup {
    const requestId = BigInt(this.#localRequests++);
    return this.#local.track(() => lookUpKeys(this.registry, KV_STATE_SERVER_NAME, requestId, request)) as KeysLookup;
  }

  /** One page of one key's map in this process (a co-located proxy's shortcut for the map-scan extension). */
  scanLocally(request: Omit<ScanInternalRequest, "op">): ScanLookup {
    const requestId = BigInt(this.#localRequests++);
    return this.#local.track(() => lookUpScan(this.registry, KV_STATE_SERVER_NAME, requestId, request)) as ScanLookup;
  }

  /**
   * A watch poll in this process (a co-located proxy's shortcut for the watch extension): answered at once when a key
   * changed, else held until one does, its wait is over, `signal` aborts or the server stops.
   */
  watchLocally(request: Omit<WatchInternalRequest, "op">, signal?: AbortSignal): WatchLookup | Promise<WatchLookup> {
    const requestId = BigInt(this.#localRequests++);
    return this.#local.track(() => this.#watches.watch(requestId, request, signal)) as WatchLookup | Promise<WatchLookup>;
  }

  /** The watch extension's load: polls held now, and states whose writes are being recorded for watchers. */
  watchStats(): { readonly heldPolls: number; readonly trackedStates: number } {
    return { heldPolls: this.#watches.heldPolls, trackedStates: this.#watches.trackedStates };
  }

  /** Where the server serves, while it does (undefined before start() and after close()). */
  get servingAddress(): Endpoint | undefined {
    return this.#serving ? this.#server.address : undefined;
  }

  /** The bound address once started. */
  get address(): Endpoint | undefined {
    return this.#server.address;
  }

  /** Flink's KvStateRequestStats of this server: requests over sockets and {@link answerLocally} together. */
  stats(): RequestStats {
    return sumStats(this.#server.stats(), this.#local.snapshot());
  }

  /** Connections closed to protect the server: over `maxConnections` or `maxConnectionsPerIp`, a frame past `frameTimeoutMs`, idle past `idleTimeoutMs`. */
  connectionStats(): ConnectionDiagnostics {
    return this.#server.connectionStats();
  }

  /** Graceful shutdown: stop accepting, finish in-flight requests (up to `timeoutMs`), close. */
  close(options?: { timeoutMs?: number }): Promise<void> {
    this.#serving = false;
    this.#watches.close(); // held polls are answered now, not after the shutdown timeout
    return this.#server.close(options);
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
