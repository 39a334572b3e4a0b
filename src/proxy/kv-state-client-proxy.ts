/**
 * The client proxy (Flink's KvStateClientProxyHandler): serves KvStateRequests from
 * clients, finds which state server holds the key's key group (location cache + coordinator
 * lookup), forwards a KvStateInternalRequest, and relays the answer. Stale locations and
 * connection failures trigger a fresh lookup and a bounded, backed-off retry.
 */
import { positiveNumber } from "../core/checks.ts";
import { type Clock, realClock, sleep, type TimerHandle } from "../core/clock.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import { computeKeyGroupForKeyHash } from "../core/key-groups.ts";
import { KvStateInternalRequest, KvStateRequest, KvStateResponse } from "../protocol/messages.ts";
import { BadRequestError, UnknownKeyGroupLocationError } from "../protocol/remote-errors.ts";
import { type DiagnosticsHook, emitDiagnostic } from "../net/diagnostics.ts";
import { Client } from "../net/client.ts";
import { RequestAbortedError, RequestTimeoutError } from "../net/errors.ts";
import { type ConnectionDiagnostics, ServerBase, type ServerOptions } from "../net/server-base.ts";
import { KV_STATE_SERVER_NAME, type KvStateServer } from "../server/kv-state-server.ts";
import { StatsCounter, sumStats } from "../net/stats.ts";
import type { RequestStats } from "../net/stats.ts";
import type { ClientTlsOptions, Endpoint } from "../transport/transport.ts";
import type { KvStateLocation } from "../state/kv-state-location.ts";
import { type KvStateLocationOracle, LocationNotReadyError } from "./location-oracle.ts";
import { isRetryable, locationFailure } from "./forward-failures.ts";
import { isExtensionId } from "../protocol/extensions.ts";
import type { DecodedFrame } from "../protocol/frame-decoder.ts";
import { bytesEqual, bytesEqualAt, int32At } from "../core/bytes.ts";
import { ANSWER_FRAME, type FastRequestHandler, NOT_FAST, type RequestContext, type RequestHandler } from "../net/request-handler.ts";
import { ProxyExtensions, type ProxyExtensionOptions } from "./extensions.ts";

/** The name Flink's proxy server uses in its messages (and the proxy's diagnostics component). */
export const PROXY_SERVER_NAME = "Queryable State Proxy Server";
/** The name of the proxy's client towards the state servers, in Flink's messages and diagnostics. */
export const PROXY_CLIENT_NAME = "Queryable State Proxy Client";

/** Options of a {@link KvStateClientProxy}: a server's options, plus how it looks up, forwards and retries. */
export interface KvStateClientProxyOptions extends ServerOptions, ProxyExtensionOptions {
  /** Where locations are looked up (the coordinator). */
  oracle: KvStateLocationOracle;
  /** Tries per request, the first included. @default 8 */
  maxAttempts?: number;
  /** Delay before the first retry; doubles per retry up to `retryMaxDelayMs`. @default 10 */
  retryInitialDelayMs?: number;
  /** Longest delay between two tries, in milliseconds. @default 500 */
  retryMaxDelayMs?: number;
  /** The proxy answers (or fails) every request within this time, retries included. @default 5000 */
  requestTimeoutMs?: number;
  /**
   * State servers running in this process that the proxy asks directly instead of over a socket
   * when a location names their address (same answers, errors and statistics). A task manager
   * hands its own server; a LocalCluster hands all of its. @default none: every hop is a socket
   */
  localServers?: readonly KvStateServer[];
  /**
   * Longest state name (in UTF-16 units) the proxy looks up; longer ones fail with a BadRequestError
   * (`BAD_REQUEST`) instead of reaching the coordinator and coming back in error texts. @default 4096
   */
  maxStateNameLength?: number;
  /** TLS for the proxy's connections to state servers. */
  serverTls?: ClientTlsOptions;
}

const EMPTY = new Uint8Array(0);

/**
 * A client proxy (Flink's `KvStateClientProxy`): what a {@link QueryableStateClient} talks to. It
 * looks each state's location up through its oracle (cached), routes the query by the key's key group
 * to the state server that owns it, and relays the answer, retrying after a stale location. Start one
 * per task manager, or anywhere that can reach the state servers and the oracle.
 *
 * @example
 * ```ts
 * import {
 *   Coordinator, JobID, KeyGroupRange, KvStateClientProxy, KvStateServer, longSerializer, QueryableStateClient,
 *   serializeKeyAndNamespace, serializeValue, stringSerializer, toHex, valueState, VoidNamespace, voidNamespaceSerializer,
 * } from "queryable-state";
 *
 * // A state server with one hand-made state: a balance per user, in Flink's byte formats.
 * const keyBytes = (user: string) => toHex(serializeKeyAndNamespace(user, stringSerializer, VoidNamespace, voidNamespaceSerializer));
 * const balances = new Map([[keyBytes("ada"), serializeValue(42n, longSerializer)]]);
 * await using server = new KvStateServer();
 * const kvStateId = server.registry.register({ getSerializedValue: (keyNs) => balances.get(toHex(keyNs)) ?? null });
 * const serverAddress = await server.start();
 *
 * // The coordinator learns where the state is served; the proxy asks it.
 * const coordinator = new Coordinator();
 * const jobId = JobID.random();
 * coordinator.registerJob(jobId, new Map([["accounts", 128]]));
 * coordinator.notifyKvStateRegistered(jobId, "accounts", new KeyGroupRange(0, 127), "balance", kvStateId, serverAddress);
 * await using proxy = new KvStateClientProxy({ oracle: coordinator });
 * const { hostname, port } = await proxy.start();
 *
 * await using client = new QueryableStateClient(hostname, port);
 * const state = await client.getKvState(jobId, "balance", "ada", stringSerializer, valueState("balance", longSerializer));
 * console.log(state.value()); // 42n
 * ```
 */
export class KvStateClientProxy implements AsyncDisposable {
  readonly #oracle: KvStateLocationOracle;
  readonly #client: Client<KvStateInternalRequest, KvStateResponse>;
  readonly #server: ServerBase<KvStateRequest>;
  /** Lookups by (job, state name), in flight or done; a failed one is removed. */
  readonly #cache = new Map<string, Promise<KvStateLocation>>();
  /** The locations of lookups that succeeded, for the synchronous fast path. */
  readonly #resolved = new Map<string, KvStateLocation>();
  /** The last location used and the job id and state name bytes it is for. */
  #last: KvStateLocation | undefined;
  #lastJob: Uint8Array | undefined;
  #lastName: Uint8Array | undefined;
  readonly #maxAttempts: number;
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #timeoutMs: number;
  readonly #localServers: readonly KvStateServer[];
  readonly #diagnostics: DiagnosticsHook | undefined;
  readonly #maxStateNameLength: number;
  readonly #localForwards = new StatsCounter();
  readonly #clock: Clock;
  /** Answers our clients' extension requests (batches); undefined when `extensions: false`. */
  readonly #extensions: ProxyExtensions | undefined;

  /**
   * A proxy looking locations up through `options.oracle`; nothing is bound before {@link start}.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) without an oracle, for a retry or timeout option
   *   that is not a positive number, or for invalid server options (see {@link ServerBase})
   */
  constructor(options: KvStateClientProxyOptions) {
    if (!options?.oracle) throw new InvalidArgumentError("KvStateClientProxy needs an oracle (the coordinator) to look locations up.");
    this.#oracle = options.oracle;
    this.#maxAttempts = positiveNumber("maxAttempts", options.maxAttempts ?? 8);
    this.#initialDelay = positiveNumber("retryInitialDelayMs", options.retryInitialDelayMs ?? 10);
    this.#maxDelay = positiveNumber("retryMaxDelayMs", options.retryMaxDelayMs ?? 500);
    this.#timeoutMs = positiveNumber("requestTimeoutMs", options.requestTimeoutMs ?? 5000);
    this.#localServers = options.localServers ?? [];
    this.#diagnostics = options.diagnostics;
    this.#maxStateNameLength = positiveNumber("maxStateNameLength", options.maxStateNameLength ?? 4096);
    this.#clock = options.clock ?? realClock;
    this.#client = new Client(PROXY_CLIENT_NAME, KvStateResponse.decode, {
      clock: options.clock,
      transport: options.transport,
      tls: options.serverTls,
      maxFrameLength: options.maxFrameLength,
      diagnostics: options.diagnostics,
    });
    this.#oracle.onLocationChange?.((jobId, name) => this.invalidate(jobId, name));
    const handler: RequestHandler<KvStateRequest> & FastRequestHandler = {
      decode: KvStateRequest.decode,
      handle: (id, request, context) => this.#execute(id, request, context.signal),
      [ANSWER_FRAME]: (frame, context) => this.#answerFrame(frame, context),
    };
    this.#server = new ServerBase(PROXY_SERVER_NAME, handler, options);
    this.#extensions = options.extensions === false ? undefined : new ProxyExtensions({
      serverName: PROXY_SERVER_NAME,
      clock: this.#clock,
      timeoutMs: this.#timeoutMs,
      maxAttempts: this.#maxAttempts,
      initialDelayMs: this.#initialDelay,
      maxDelayMs: this.#maxDelay,
      maxStateNameLength: this.#maxStateNameLength,
      diagnostics: this.#diagnostics,
      lookup: (request, force) => this.#lookup(request, force),
      send: (address, request, deadline, stateName) => this.#sendTo(address, request, deadline, stateName),
      watchLocally: (address, request, signal) => this.#localServerAt(address)?.watchLocally(request, signal),
      scanLocally: (address, request) => this.#localServerAt(address)?.scanLocally(request),
      keysLocally: (address, request) => this.#localServerAt(address)?.listKeysLocally(request),
      batchLocally: (address, kvStateId, keys, keyGroups) => this.#localServerAt(address)?.answerBatchLocally(kvStateId, keys, keyGroups),
      isRetryable,
      locationFailure,
    }, options);
  }

  /**
   * Binds the first free port of `port` (default: an ephemeral one on 127.0.0.1) and starts serving;
   * resolves with the bound address.
   * @throws ServerStartError (`SERVER_START_FAILED`) when no port could be bound, or on a second call
   */
  start(): Promise<Endpoint> {
    return this.#server.start();
  }

  /** The bound address, once started. */
  get address(): Endpoint | undefined {
    return this.#server.address;
  }

  /** Requests served by the proxy. */
  stats(): RequestStats {
    return this.#server.stats();
  }

  /** Connections closed to protect the server: over `maxConnections` or `maxConnectionsPerIp`, a frame past `frameTimeoutMs`, idle past `idleTimeoutMs`. */
  connectionStats(): ConnectionDiagnostics {
    return this.#server.connectionStats();
  }

  /** Requests the proxy forwarded to state servers, over sockets or in-process (retries included). */
  forwardingStats(): RequestStats {
    return sumStats(this.#client.stats(), this.#localForwards.snapshot());
  }

  /**
   * Forwards a request. The common case — a cached location that is still right — costs one
   * map lookup and one forwarded request; lookups and retries take the slow path.
   */
  #execute(requestId: bigint, request: KvStateRequest, signal: AbortSignal): KvStateResponse | Promise<KvStateResponse> {
    if (request.stateNameBytes.length > this.#maxStateNameLength && request.stateName.length > this.#maxStateNameLength) {
      throw BadRequestError.create(
        PROXY_SERVER_NAME,
        `State name of ${request.stateName.length} characters exceeds the maximum of ${this.#maxStateNameLength} ` +
          `(it begins '${request.stateName.slice(0, 64)}'). Use the name given to the state's queryable option.`,
      );
    }
    // Most traffic asks for the same state again: compare its bytes with the last one's.
    let location = this.#last;
    if (location === undefined || !bytesEqual(request.jobIdBytes, this.#lastJob!) || !bytesEqual(request.stateNameBytes, this.#lastName!)) {
      location = this.#resolved.get(request.locationKey);
      if (location !== undefined) {
        this.#last = location;
        this.#lastJob = request.jobIdBytes.slice();
        this.#lastName = request.stateNameBytes.slice();
      }
    }
    if (location === undefined) {
      // The reserved job of protocol extensions is never located: its requests are answered here.
      if (this.#extensions !== undefined && isExtensionId(request.jobIdBytes)) {
        return this.#extensions.answer(requestId, request, signal).then((content) => new KvStateResponse(content));
      }
      return this.#attempt(request, signal, this.#deadline(), 1, false);
    }
    // The clock is read only when the request's deadline matters: not for an answer given at once in this process
    // (the common case on a task manager), which needs none.
    let forwarded: KvStateResponse | Promise<KvStateResponse>;
    try {
      forwarded = this.#forward(request, location, undefined);
    } catch (e) {
      return this.#retry(request, signal, this.#deadline(), 1, e);
    }
    if (!(forwarded instanceof Promise)) return forwarded;
    // Read in the same turn as the send began: the deadline of the forward's own timeout, to the clock's grain.
    const deadline = this.#deadline();
    return forwarded.catch((e) => this.#retry(request, signal, deadline, 1, e));
  }

  /** The deadline of a request starting now. */
  #deadline(): number {
    return this.#clock.now() + this.#timeoutMs;
  }

  /** Forwards to the key group's server; `deadline` undefined: the request starts now (its timeout is whole). */
  #forward(request: KvStateRequest, location: KvStateLocation, deadline: number | undefined): KvStateResponse | Promise<KvStateResponse> {
    const keyGroup = computeKeyGroupForKeyHash(request.keyHashCode, location.numKeyGroups);
    const address = location.getKvStateServerAddress(keyGroup);
    const kvStateId = location.getKvStateID(keyGroup);
    if (address === null || kvStateId === null) throw UnknownKeyGroupLocationError.forServer(PROXY_SERVER_NAME);
    return this.#sendTo(address, new KvStateInternalRequest(kvStateId, request.serializedKeyAndNamespace), deadline, request);
  }

  /** Sends an internal request to the state server at `address`: in-process when it runs here, else over its connection. */
  #sendTo(
    address: Endpoint,
    internal: KvStateInternalRequest,
    deadline: number | undefined,
    request: KvStateRequest | string,
  ): KvStateResponse | Promise<KvStateResponse> {
    // A state server in this process (as on every task manager) is asked directly.
    const local = this.#localServerAt(address);
    if (local !== undefined) return this.#forwardLocally(local, internal, deadline);
    const remaining = deadline === undefined ? this.#timeoutMs : deadline - this.#clock.now();
    if (remaining <= 0) {
      const name = typeof request === "string" ? request : request.stateName;
      throw new RequestTimeoutError(`${PROXY_SERVER_NAME}: request for state '${name}'`, this.#timeoutMs);
    }
    // No signal here: one listener per forwarded request on the shared connection signal
    // would cost more than it saves; the signal is checked between attempts instead.
    return this.#client.sendRequest(address, internal, { timeoutMs: remaining });
  }

  /** The state server of this process serving at `address`, if any. */
  #localServerAt(address: Endpoint): KvStateServer | undefined {
    for (const local of this.#localServers) {
      const a = local.servingAddress;
      if (a !== undefined && a.port === address.port && a.hostname === address.hostname) return local;
    }
    return undefined;
  }

  /**
   * The fast path (internal): a request for the state asked last whose key group's server runs in this process is
   * answered from the frame's bytes, with no request object and no bigint id. Anything else (another state, a
   * remote server, odd bytes, an extension) takes the ordinary path; a failure here is retried or reported as
   * there, from the request decoded then.
   */
  #answerFrame(frame: DecodedFrame, context: RequestContext): KvStateResponse | Promise<KvStateResponse> | typeof NOT_FAST {
    const location = this.#last;
    if (location === undefined || this.#localServers.length === 0) return NOT_FAST;
    // [16-byte job id][i32 name length][name][i32 key hash][i32 n][n bytes of key and namespace]
    const b = frame.bytes, at = frame.bodyStart, name = this.#lastName!;
    const hashAt = at + 20 + name.length;
    if (hashAt + 8 > frame.bodyEnd || int32At(b, at + 16) !== name.length) return NOT_FAST;
    if (!bytesEqualAt(b, at, this.#lastJob!) || !bytesEqualAt(b, at + 20, name)) return NOT_FAST;
    const n = int32At(b, hashAt + 4);
    if (n < 0 || n > frame.bodyEnd - hashAt - 8) return NOT_FAST;
    const keyGroup = computeKeyGroupForKeyHash(int32At(b, hashAt), location.numKeyGroups);
    const address = location.getKvStateServerAddress(keyGroup);
    const kvStateId = location.getKvStateID(keyGroup);
    const local = address === null ? undefined : this.#localServerAt(address);
    if (local === undefined || kvStateId === null) return NOT_FAST;
    let forwarded: KvStateResponse | Promise<KvStateResponse>;
    try {
      forwarded = this.#forwardLocally(local, new KvStateInternalRequest(kvStateId, b.subarray(hashAt + 8, hashAt + 8 + n)), undefined);
    } catch (e) {
      return this.#retry(KvStateRequest.decode(frame.body), context.signal, this.#deadline(), 1, e);
    }
    if (!(forwarded instanceof Promise)) return forwarded;
    const deadline = this.#deadline();
    return forwarded.catch((e) => this.#retry(KvStateRequest.decode(frame.body), context.signal, deadline, 1, e));
  }

  #forwardLocally(server: KvStateServer, request: KvStateInternalRequest, deadline: number | undefined): KvStateResponse | Promise<KvStateResponse> {
    return this.#localForwards.track(() => {
      const result = server.answerLocally(request);
      // An asynchronous state (rare: heap states answer at once) gets the same deadline as a socket.
      return result instanceof Promise ? withDeadline(this.#clock, result, deadline ?? this.#deadline(), this.#timeoutMs) : result;
    });
  }


  async #attempt(request: KvStateRequest, signal: AbortSignal, deadline: number, attempt: number, force: boolean): Promise<KvStateResponse> {
    try {
      const location = await this.#lookup(request, force);
      return await this.#forward(request, location, deadline);
    } catch (e) {
      return this.#retry(request, signal, deadline, attempt, e);
    }
  }

  /** After a failed attempt: retry with a fresh lookup when that can help and time allows, else fail. */
  async #retry(request: KvStateRequest, signal: AbortSignal, deadline: number, attempt: number, error: unknown): Promise<KvStateResponse> {
    if (signal.aborted) throw new RequestAbortedError("Forwarding", signal.reason);
    const delay = Math.min(this.#initialDelay * 2 ** (attempt - 1), this.#maxDelay);
    // A registry that is not ready yet (a coordinator that just restarted) is asked until the deadline.
    const attemptsLeft = attempt < this.#maxAttempts || error instanceof LocationNotReadyError;
    if (!isRetryable(error) || !attemptsLeft || this.#clock.now() + delay >= deadline) {
      throw locationFailure(error, request);
    }
    emitDiagnostic(this.#diagnostics, { type: "retry", component: PROXY_SERVER_NAME, stateName: request.stateName, attempt, delayMs: delay, error });
    await sleep(this.#clock, delay, signal);
    return this.#attempt(request, signal, deadline, attempt + 1, true);
  }

  /** A cached location unless `force`; a failed lookup is never cached. */
  #lookup(request: KvStateRequest, force: boolean): Promise<KvStateLocation> {
    const key = request.locationKey;
    const cached = this.#cache.get(key);
    if (cached !== undefined && !force) return cached;
    this.#resolved.delete(key);
    this.#last = undefined;
    // A forced lookup follows a failed query: an oracle with a cache of its own (etcd) reads afresh.
    const lookup = this.#oracle.requestKvStateLocation(request.jobId, request.stateName, force ? { refresh: true } : undefined);
    this.#cache.set(key, lookup);
    lookup.then((location) => {
      if (this.#cache.get(key) === lookup) this.#resolved.set(key, location);
    }, () => {
      if (this.#cache.get(key) === lookup) this.#cache.delete(key);
    });
    return lookup;
  }

  /** Drops the cached location of (job, state name): the next query looks it up again. */
  invalidate(jobId: JobID, name: string): void {
    const key = new KvStateRequest(jobId, name, 0, EMPTY).locationKey;
    this.#cache.delete(key);
    this.#resolved.delete(key);
    this.#last = undefined;
  }

  /** Stops serving (in-flight requests finish within the timeout) and closes the forwarding client. */
  async close(options?: { timeoutMs?: number }): Promise<void> {
    this.#extensions?.close(); // held watch polls are answered now
    await this.#server.close(options);
    await this.#client.close();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** `result`, or a RequestTimeoutError if it has not settled by `deadline`. */
function withDeadline<T>(clock: Clock, result: Promise<T>, deadline: number, budgetMs: number): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // The message names the proxy's whole budget (what the user configured), not what was left of it.
    timer = clock.setTimeout(() => reject(new RequestTimeoutError(`${KV_STATE_SERVER_NAME} (in-process)`, budgetMs)), deadline - clock.now());
  });
  return Promise.race([result, timeout]).finally(() => clock.clearTimeout(timer));
}
