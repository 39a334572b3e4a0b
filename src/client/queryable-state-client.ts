/**
 * Flink's `QueryableStateClient`: sends typed point queries to a client proxy and turns the
 * answers into read-only states.
 */
import { positiveNumber } from "../core/checks.ts";
import { type Clock, realClock } from "../core/clock.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import { Client } from "../net/client.ts";
import type { DiagnosticsHook } from "../net/diagnostics.ts";
import { ClientClosedError } from "../net/errors.ts";
import type { RequestStats } from "../net/stats.ts";
import type { Freshness } from "../protocol/extensions.ts";
import { KvStateRequest, KvStateResponse } from "../protocol/messages.ts";
import type { MapStateDescriptor, StateDescriptor } from "../state/descriptors.ts";
import { parseAddressList } from "../transport/address.ts";
import type { ClientTlsOptions, Endpoint, Transport } from "../transport/transport.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { VoidNamespace } from "../types/void-namespace.ts";
import { getKvStatesBatch, type GetKvStatesOptions, type KvStateResult } from "./batch.ts";
import { ExtensionSession, type ExtensionsMode, type PeerExtensions } from "./extensions.ts";
import type { ImmutableStateFor } from "./immutable-states.ts";
import { type KeyPage, type ListKeysOptions, listKeysPage } from "./keys.ts";
import { defaultAttemptTimeout, ProxyRouter } from "./proxy-router.ts";
import { checkDescriptor, decodeState, serializeQueryKey, toJobId } from "./query-codec.ts";
import { type MapPage, type ScanMapOptions, scanMapPage } from "./scan.ts";
import { type MapWatchEvent, type WatchEvent, type WatchHost, watchKeys, watchMapPrefix, type WatchOptions } from "./watch.ts";

/** The name the client's network layer carries (Flink's). */
export const QUERYABLE_STATE_CLIENT_NAME = "Queryable State Client";

/** Options of a {@link QueryableStateClient}. */
export interface QueryableStateClientOptions {
  /** Transport to use. @default the current runtime's */
  transport?: Transport;
  /** Connect to the proxy with TLS. */
  tls?: ClientTlsOptions;
  /** Default time a query may wait for its answer; `Infinity` waits as long as the connection lives. @default 10000 */
  requestTimeoutMs?: number;
  /** Give up connecting after this long. @default 10000 */
  connectTimeoutMs?: number;
  /** Largest accepted response frame in bytes. @default 64 MiB */
  maxFrameLength?: number;
  /** Told about connects, reconnects, failed connects and disconnects (see `DiagnosticEvent`). */
  diagnostics?: DiagnosticsHook;
  /**
   * With several proxies: how long one proxy may take to answer before the query moves on to the next
   * one, within the query's deadline (the last proxy to ask gets all the time left). A late answer of an
   * abandoned attempt is dropped. Ignored with one proxy. @default a third of the query's deadline, at most 2000
   */
  attemptTimeoutMs?: number;
  /**
   * With several proxies: when a proxy has not answered after this long, ask the next one too; the first
   * answer wins and the other attempt is cancelled. Costs a second request per slow query (each attempt, probes
   * included, counts as a request in `stats()`). @default off
   */
  hedgeAfterMs?: number;
  /**
   * With several proxies: a proxy that timed out or could not be reached is tried after the others for
   * this long; the time doubles per failure in a row (up to 60 s). Then a query also goes to it alongside
   * one to a healthy proxy (a probe that delays nothing): an answer restores it. @default 2000
   */
  demotionMs?: number;
  /** Advanced: the time source of query timeouts (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
  /**
   * Protocol extensions (batches) with a proxy of ours: `"auto"` asks the proxy once, on the first call that can
   * use one, and falls back to Flink's protocol when it speaks none (Flink's proxy); `"off"` never sends an
   * extension request. Single queries ({@link QueryableStateClient.getKvState}) never use them. @default "auto"
   */
  extensions?: ExtensionsMode;
}

/** Per-query options of {@link QueryableStateClient.getKvState}. */
export interface GetKvStateOptions<N = VoidNamespace> {
  /** The namespace to read (e.g. a window). @default VoidNamespace */
  namespace?: N;
  /** Serializer of `namespace`; required with any namespace other than VoidNamespace. */
  namespaceType?: TypeSerializer<N>;
  /** Abort the query. */
  signal?: AbortSignal;
  /** Overrides the client's `requestTimeoutMs` for this query. */
  timeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** The port of `new QueryableStateClient(host, port)`: a number or a string of digits, in 0..65535 (as Flink's client). */
function remotePort(port: unknown): number {
  const n = typeof port === "string" && /^\s*\d{1,5}\s*$/.test(port) ? Number(port) : port;
  if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  const got = port === undefined ? "no port" : `${typeof port === "string" ? JSON.stringify(port) : String(port)}`;
  throw new InvalidArgumentError(
    `The proxy's port must be an integer in 0..65535 (a number, or a string of digits such as "9069"), got ${got}. ` +
      `Pass it as new QueryableStateClient(host, port), or give "host:port" as one string.`,
  );
}

/**
 * Queries keyed state of running jobs through a queryable-state client proxy.
 * One instance can be shared by any number of concurrent queries; it keeps one connection
 * to the proxy and reconnects after a failure.
 *
 * Failures reject with typed errors: `UnknownKeyOrNamespaceError` (no value for the key),
 * `UnknownJobError`, `UnknownStateNameError`, `UnknownLocationError` (from the proxy),
 * `SerializationError` (the answer does not fit the descriptor), `InvalidArgumentError`
 * (bad key or arguments, nothing sent), `RequestTimeoutError`, `RequestAbortedError`,
 * `ConnectError`, `ConnectionClosedError`, `ClientClosedError`.
 *
 * @example
 * ```ts
 * import {
 *   LocalCluster, longSerializer, QueryableStateClient, stringSerializer, UnknownKeyOrNamespaceError, valueState,
 * } from "queryable-state";
 *
 * // A job with one queryable value state: the last amount per user.
 * const last = valueState("last", longSerializer, { queryable: "last-amount" });
 * await using cluster = await LocalCluster.start({ taskManagers: 1 });
 * const job = cluster.submit({
 *   sources: [[["ada", 7n], ["bob", 3n]] as [string, bigint][]],
 *   keyBy: ([user]: [string, bigint]) => user,
 *   keyType: stringSerializer,
 *   steps: [{ name: "last", states: [last], process: ([, amount], ctx) => ctx.state(last).update(amount) }],
 * });
 * await job.sourcesDone;
 *
 * // Query it through a proxy, as from another process ("host:port,host:port" lists several proxies).
 * const { hostname, port } = cluster.proxyAddresses[0];
 * await using client = new QueryableStateClient(hostname, port, { requestTimeoutMs: 5000 });
 * const ada = await client.getKvState(job.jobId, "last-amount", "ada", stringSerializer, last);
 * console.log(ada.value()); // 7n
 * try {
 *   await client.getKvState(job.jobId, "last-amount", "eve", stringSerializer, last);
 * } catch (e) {
 *   if (!(e instanceof UnknownKeyOrNamespaceError)) throw e;
 *   console.log(e.code); // "UNKNOWN_KEY_OR_NAMESPACE": eve has no value
 * }
 * ```
 */
export class QueryableStateClient implements AsyncDisposable {
  /** The (first) proxy's host. */
  readonly host: string;
  /** The (first) proxy's port. */
  readonly port: number;
  /** Every proxy this client may use, in order. */
  readonly addresses: readonly Endpoint[];
  readonly #client: Client<KvStateRequest, KvStateResponse>;
  readonly #timeoutMs: number;
  /** Picks a proxy per query when there are several. */
  readonly #router: ProxyRouter | undefined;
  readonly #clock: Clock;
  /** The per-attempt deadline over several proxies (undefined: the router's default). */
  readonly #attemptTimeoutMs: number | undefined;
  /** What the proxy speaks beyond Flink's protocol (asked on first use). */
  readonly #extensions: ExtensionSession;
  #closing: Promise<void> | undefined;

  /**
   * A client of the proxy at `host`:`port`. Connects lazily, on the first query. `port` may be a number or a
   * string of decimal digits (as read from an environment variable), e.g. `"9069"`.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for an empty host or a port that is not an integer in 0..65535
   */
  constructor(host: string, port: number | string, options?: QueryableStateClientOptions);
  /**
   * A client of several proxies, given as `"h1:p1,h2:p2"` or `["h1:p1", { hostname, port }, ...]`: a
   * query that cannot reach one (connect failure, lost connection, no answer within `attemptTimeoutMs`)
   * tries the next, within the same deadline; the proxy that answered last is tried first, and one that
   * failed is tried last for a while (see `demotionMs`; `hedgeAfterMs` asks a second proxy early).
   * Connects lazily.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for an empty list or an entry that is not `host:port`,
   *   or when `attemptTimeoutMs`, `hedgeAfterMs` or `demotionMs` is not a positive number
   */
  constructor(proxies: string | readonly (string | Endpoint)[], options?: QueryableStateClientOptions);
  constructor(
    hostOrProxies: string | readonly (string | Endpoint)[],
    portOrOptions?: number | string | QueryableStateClientOptions,
    maybeOptions?: QueryableStateClientOptions,
  ) {
    let options: QueryableStateClientOptions;
    if (typeof portOrOptions === "number" || typeof portOrOptions === "string" || (typeof hostOrProxies === "string" && !/[:,]/.test(hostOrProxies))) {
      const host = hostOrProxies;
      if (typeof host !== "string" || host === "") {
        throw new InvalidArgumentError(`Remote host must be a non-empty host name or address, got ${JSON.stringify(host)}.`);
      }
      this.addresses = [{ hostname: host, port: remotePort(portOrOptions) }];
      options = maybeOptions ?? {};
    } else {
      this.addresses = parseAddressList(hostOrProxies);
      options = (portOrOptions as QueryableStateClientOptions | undefined) ?? {};
    }
    this.host = this.addresses[0].hostname;
    this.port = this.addresses[0].port;
    const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#timeoutMs = timeout;
    const attemptTimeoutMs = options.attemptTimeoutMs;
    if (attemptTimeoutMs !== undefined && attemptTimeoutMs !== Infinity) positiveNumber("attemptTimeoutMs", attemptTimeoutMs, "milliseconds");
    this.#attemptTimeoutMs = attemptTimeoutMs;
    if (options.hedgeAfterMs !== undefined) positiveNumber("hedgeAfterMs", options.hedgeAfterMs, "milliseconds");
    const demotionMs = positiveNumber("demotionMs", options.demotionMs ?? 2000, "milliseconds");
    this.#client = new Client(QUERYABLE_STATE_CLIENT_NAME, KvStateResponse.decode, {
      clock: options.clock,
      transport: options.transport,
      tls: options.tls,
      maxFrameLength: options.maxFrameLength,
      connectTimeoutMs: options.connectTimeoutMs,
      diagnostics: options.diagnostics,
      requestTimeoutMs: timeout === Infinity ? undefined : timeout,
    });
    this.#clock = options.clock ?? realClock;
    if (this.addresses.length > 1) {
      this.#router = new ProxyRouter({
        addresses: this.addresses,
        client: this.#client,
        clock: options.clock ?? realClock,
        attemptTimeoutMs,
        hedgeAfterMs: options.hedgeAfterMs,
        demotionMs,
        diagnostics: options.diagnostics,
        name: QUERYABLE_STATE_CLIENT_NAME,
      });
    }
    if (options.extensions !== undefined && options.extensions !== "auto" && options.extensions !== "off") {
      throw new InvalidArgumentError(`extensions must be "auto" or "off", got ${JSON.stringify(options.extensions)}.`);
    }
    this.#extensions = new ExtensionSession((request, o) => this.#send(request, o), this.#clock, options.extensions);
  }

  /**
   * Queries the state registered as `queryableStateName` in job `jobId` for `key`, and returns
   * it as the read-only state matching `descriptor`'s kind. `keyType` must be the serializer
   * the job keys the state by (its Java `hashCode` routes the query).
   *
   * @example
   * ```ts
   * import { type JobID, longSerializer, mapState, type QueryableStateClient, stringSerializer } from "queryable-state";
   * // Given a client of a proxy and the id of a running job:
   * async function query(client: QueryableStateClient, jobId: JobID) {
   *   // A MapState<String, Long> of a job keyed by user id (a String).
   *   const counts = await client.getKvState(jobId, "counts", "user-1", stringSerializer,
   *     mapState("counts", stringSerializer, longSerializer), { timeoutMs: 2000 });
   *   counts.get("clicks"); // e.g. 3n; undefined when the map has no "clicks"
   * }
   * ```
   */
  async getKvState<K, D extends StateDescriptor, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    key: K,
    keyType: TypeSerializer<K>,
    descriptor: D,
    options: GetKvStateOptions<N> = {},
  ): Promise<ImmutableStateFor<D>> {
    if (this.#closing) throw new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME);
    const job = toJobId(jobId);
    if (typeof queryableStateName !== "string" || queryableStateName === "") {
      throw new InvalidArgumentError(`The queryable state name must be a non-empty string, got ${JSON.stringify(queryableStateName)}.`);
    }
    checkDescriptor(descriptor);
    const { keyHash, keyAndNamespace } = serializeQueryKey(key, keyType, options);
    const request = new KvStateRequest(job, queryableStateName, keyHash, keyAndNamespace);
    const response = await this.#send(request, options);
    return decodeState(descriptor, response.content, queryableStateName, job) as ImmutableStateFor<D>;
  }

  /**
   * Queries many keys of one state in one call and resolves with one result per key, in the order of `keys`:
   * `{ key, ok: true, state }` or `{ key, ok: false, error }` (no value, a key that does not serialize, an answer
   * that does not decode, a state server that cannot be reached …). Failures of the whole call reject: an unknown
   * job or state name, a timeout (`timeoutMs` covers every key), an abort, no connection.
   *
   * With a proxy of ours the keys travel in one request (per 4096 keys) and the proxy asks each state server once
   * for its keys; with a Flink proxy the client sends concurrent single queries (`maxInFlight` at once): the
   * answers are the same. See the README's "Batch get".
   *
   * @example
   * ```ts
   * import { type JobID, longSerializer, type QueryableStateClient, reducingState, stringSerializer } from "queryable-state";
   *
   * async function clicksOf(client: QueryableStateClient, jobId: JobID, users: string[]) {
   *   const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer);
   *   for (const r of await client.getKvStates(jobId, "clicks", users, stringSerializer, clicks)) {
   *     console.log(r.key, r.ok ? r.state.get() : r.error.code); // e.g. ada 3n, eve UNKNOWN_KEY_OR_NAMESPACE
   *   }
   * }
   * ```
   */
  async getKvStates<K, D extends StateDescriptor, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    keys: readonly K[],
    keyType: TypeSerializer<K>,
    descriptor: D,
    options: GetKvStatesOptions<N> = {},
  ): Promise<KvStateResult<K, ImmutableStateFor<D>>[]> {
    if (this.#closing) throw new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME);
    const job = toJobId(jobId);
    if (typeof queryableStateName !== "string" || queryableStateName === "") {
      throw new InvalidArgumentError(`The queryable state name must be a non-empty string, got ${JSON.stringify(queryableStateName)}.`);
    }
    checkDescriptor(descriptor);
    return await getKvStatesBatch<K, D>({
      session: this.#extensions,
      clock: this.#clock,
      defaultTimeoutMs: this.#timeoutMs,
      serializeKey: (key, o) => serializeQueryKey(key, keyType, o as GetKvStateOptions<unknown>),
      decode: (bytes) => decodeState(descriptor, bytes, queryableStateName, job),
      single: (key, o) => this.getKvState(job, queryableStateName, key as K, keyType, descriptor, o as GetKvStateOptions<N>),
    }, job, queryableStateName, keys, options as GetKvStatesOptions<unknown>);
  }

  /**
   * {@link getKvState} with where the answer was served and how fresh it is (the freshness extension of our proxies
   * and state servers): `{ state, freshness }`, `freshness` undefined when the peer does not say (Flink's). Bounds
   * (`maxStalenessMs`, `minVersion`, waiting up to `waitMs`) reject with `FreshnessBoundError`
   * (`FRESHNESS_BOUND_NOT_MET`) when not met, and with `UnsupportedByPeerError` (`UNSUPPORTED_BY_PEER`) when the
   * peer cannot tell. See the README's "Freshness".
   *
   * @example
   * ```ts
   * import { type JobID, longSerializer, type QueryableStateClient, stringSerializer, valueState } from "queryable-state";
   *
   * async function balance(client: QueryableStateClient, jobId: JobID, writtenVersion: bigint) {
   *   // Read-your-writes: wait up to a second for the state to reach the version the writer saw.
   *   const { state, freshness } = await client.getKvStateWithFreshness(jobId, "balance", "ada", stringSerializer,
   *     valueState("balance", longSerializer), { minVersion: writtenVersion, waitMs: 1000 });
   *   console.log(state.value(), freshness?.node, freshness?.stalenessMs);
   * }
   * ```
   */
  async getKvStateWithFreshness<K, D extends StateDescriptor, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    key: K,
    keyType: TypeSerializer<K>,
    descriptor: D,
    options: Omit<GetKvStatesOptions<N>, "maxInFlight"> = {},
  ): Promise<{ state: ImmutableStateFor<D>; freshness: Freshness | undefined }> {
    const [r] = await this.getKvStates(jobId, queryableStateName, [key], keyType, descriptor, options);
    if (!r.ok) throw r.error;
    return { state: r.state, freshness: r.freshness };
  }

  /**
   * One page of the keys that have a value in state `queryableStateName` (in the namespace, by default
   * VoidNamespace), in key-group order and then in the order of their bytes, with the cursor of the next page
   * (`undefined` after the last). The cursor resumes where the page ended also after the state moved to another task
   * manager; a cursor of another listing, or of a state since rescaled, fails with `InvalidCursorError`
   * (`INVALID_CURSOR`). Needs our proxy and state servers (the `keys` extension): Flink's fail with
   * `UnsupportedByPeerError` (`UNSUPPORTED_BY_PEER`). A page is answered within the proxy's `keysPageTimeMs`, with
   * fewer keys when the time is up. See {@link keys} to iterate them all.
   *
   * @example
   * ```ts
   * import { type JobID, type QueryableStateClient, stringSerializer } from "queryable-state";
   *
   * async function users(client: QueryableStateClient, jobId: JobID): Promise<(string | null)[]> {
   *   const all: (string | null)[] = []; // Java strings may be null
   *   let cursor: string | undefined;
   *   do {
   *     const page = await client.listKeys(jobId, "clicks", stringSerializer, { pageSize: 500, cursor });
   *     all.push(...page.keys);
   *     cursor = page.cursor;
   *   } while (cursor !== undefined);
   *   return all;
   * }
   * ```
   */
  async listKeys<K, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    keyType: TypeSerializer<K>,
    options: ListKeysOptions<N> = {},
  ): Promise<KeyPage<K>> {
    if (this.#closing) throw new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME);
    const job = toJobId(jobId);
    if (typeof queryableStateName !== "string" || queryableStateName === "") {
      throw new InvalidArgumentError(`The queryable state name must be a non-empty string, got ${JSON.stringify(queryableStateName)}.`);
    }
    return await listKeysPage({ session: this.#extensions, defaultTimeoutMs: this.#timeoutMs }, job, queryableStateName, keyType, options);
  }

  /** Every key of state `queryableStateName` (see {@link listKeys}), a page at a time: `for await (const k of client.keys(…))`. */
  async *keys<K, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    keyType: TypeSerializer<K>,
    options: Omit<ListKeysOptions<N>, "cursor"> = {},
  ): AsyncGenerator<K, void, undefined> {
    let cursor: string | undefined;
    do {
      const page: KeyPage<K> = await this.listKeys(jobId, queryableStateName, keyType, { ...options, cursor });
      yield* page.keys;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /**
   * One page of the MapState of `key`: its entries in user-key order (strings, numbers and bigints by value as Java
   * compares them, other key types by their serialized bytes), optionally only those whose user key starts with
   * `prefix` (string user keys) or lies in `[from, to)`, with the cursor of the next page (`undefined` after the last).
   * Needs our proxy and state servers (the `map-scan` extension): Flink's fail with `UnsupportedByPeerError`
   * (`UNSUPPORTED_BY_PEER`); there, read the whole map with {@link getKvState}. No value for the key rejects with
   * `UnknownKeyOrNamespaceError`. See {@link scanMap} to iterate every entry.
   *
   * @example
   * ```ts
   * import { type JobID, longSerializer, mapState, type QueryableStateClient, stringSerializer } from "queryable-state";
   *
   * async function clicksOnDocs(client: QueryableStateClient, jobId: JobID) {
   *   const pages = mapState("pages", stringSerializer, longSerializer);
   *   const page = await client.scanMapState(jobId, "page-counts", "ada", stringSerializer, pages, { prefix: "/docs", pageSize: 100 });
   *   for (const [url, n] of page.entries) console.log(url, n);
   * }
   * ```
   */
  async scanMapState<K, UK, UV, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    key: K,
    keyType: TypeSerializer<K>,
    descriptor: MapStateDescriptor<UK, UV>,
    options: ScanMapOptions<UK, N> = {},
  ): Promise<MapPage<UK, UV>> {
    if (this.#closing) throw new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME);
    const job = toJobId(jobId);
    if (typeof queryableStateName !== "string" || queryableStateName === "") {
      throw new InvalidArgumentError(`The queryable state name must be a non-empty string, got ${JSON.stringify(queryableStateName)}.`);
    }
    return await scanMapPage({
      session: this.#extensions,
      defaultTimeoutMs: this.#timeoutMs,
      serializeKey: (k, o) => serializeQueryKey(k, keyType as TypeSerializer<unknown>, o as GetKvStateOptions<unknown>),
    }, job, queryableStateName, key, descriptor, options as ScanMapOptions<UK, unknown>);
  }

  /** Every entry of the MapState of `key` within the bounds (see {@link scanMapState}), a page at a time. */
  async *scanMap<K, UK, UV, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    key: K,
    keyType: TypeSerializer<K>,
    descriptor: MapStateDescriptor<UK, UV>,
    options: Omit<ScanMapOptions<UK, N>, "cursor"> = {},
  ): AsyncGenerator<[UK, UV | null], void, undefined> {
    let cursor: string | undefined;
    do {
      const page: MapPage<UK, UV> = await this.scanMapState(jobId, queryableStateName, key, keyType, descriptor, { ...options, cursor });
      yield* page.entries;
      cursor = page.cursor;
    } while (cursor !== undefined);
  }

  /**
   * Watches keys of a state: an async iterator of their changes as they happen (the `watch` extension of our proxies;
   * README "Watch"). Pass a list of keys for `{ key, version, state | deleted, node, resumeVersion }` events, or
   * `{ key, prefix }` with a map descriptor for the changes of the entries of that key's map whose user keys start
   * with `prefix` (`{ key, userKey, value | deleted, … }`). Without `fromVersion`, the first events are the keys'
   * current values. Delivery is of latest values, at least once: a key written twice between two polls comes once,
   * with its newest value. The iteration ends on `break` or when `signal` aborts (the proxy's held poll is released),
   * survives a proxy or state server going away and relocated state, and throws `WatchEndedError` (`WATCH_ENDED`) when
   * it cannot go on, `UnsupportedByPeerError` (`UNSUPPORTED_BY_PEER`) with a Flink proxy.
   *
   * @example
   * ```ts
   * import { type JobID, longSerializer, type QueryableStateClient, reducingState, stringSerializer } from "queryable-state";
   *
   * async function follow(client: QueryableStateClient, jobId: JobID, signal: AbortSignal) {
   *   const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer);
   *   for await (const e of client.watch(jobId, "clicks", ["ada", "bob"], stringSerializer, clicks, { signal })) {
   *     console.log(e.key, e.deleted ? "deleted" : e.state?.get(), e.resumeVersion);
   *   }
   * }
   * ```
   */
  watch<K, D extends StateDescriptor, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    keys: readonly K[],
    keyType: TypeSerializer<K>,
    descriptor: D,
    options?: WatchOptions<N>,
  ): AsyncGenerator<WatchEvent<K, ImmutableStateFor<D>>, void, undefined>;
  /** Watches the entries of one key's MapState whose user keys start with `prefix` (see the other overload). */
  watch<K, UK, UV, N = VoidNamespace>(
    jobId: JobID | string,
    queryableStateName: string,
    target: { readonly key: K; readonly prefix: UK },
    keyType: TypeSerializer<K>,
    descriptor: MapStateDescriptor<UK, UV>,
    options?: WatchOptions<N>,
  ): AsyncGenerator<MapWatchEvent<K, UK, UV>, void, undefined>;
  watch(
    jobId: JobID | string,
    queryableStateName: string,
    target: readonly unknown[] | { readonly key: unknown; readonly prefix: unknown },
    keyType: TypeSerializer<unknown>,
    descriptor: StateDescriptor,
    options: WatchOptions<unknown> = {},
  ): AsyncGenerator<unknown, void, undefined> {
    if (this.#closing) throw new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME);
    const job = toJobId(jobId);
    if (typeof queryableStateName !== "string" || queryableStateName === "") {
      throw new InvalidArgumentError(`The queryable state name must be a non-empty string, got ${JSON.stringify(queryableStateName)}.`);
    }
    checkDescriptor(descriptor);
    const host: WatchHost = {
      session: this.#extensions,
      clock: this.#clock,
      defaultTimeoutMs: this.#timeoutMs,
      serializeKey: (k, o) => serializeQueryKey(k, keyType, o as GetKvStateOptions<unknown>),
      decode: (bytes) => decodeState(descriptor, bytes, queryableStateName, job),
    };
    if (Array.isArray(target)) return watchKeys(host, job, queryableStateName, target, options);
    if (target === null || typeof target !== "object" || !("key" in target) || !("prefix" in target)) {
      throw new InvalidArgumentError("watch takes a list of keys, or { key, prefix } for the entries of one key's map under a prefix.");
    }
    const t = target as { readonly key: unknown; readonly prefix: unknown };
    return watchMapPrefix(host, job, queryableStateName, t.key, t.prefix, descriptor as MapStateDescriptor<unknown, unknown>, options);
  }

  /**
   * What the proxy speaks beyond Flink's protocol: its extensions and limits, or null for a proxy that speaks
   * none (Flink's, an older one of ours, or `extensions: "off"`). Asks the proxy once (one harmless request that
   * a Flink proxy answers as a query of an unknown job) and remembers the answer.
   */
  peerExtensions(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PeerExtensions | null> {
    if (this.#closing) return Promise.reject(new ClientClosedError(QUERYABLE_STATE_CLIENT_NAME));
    return this.#extensions.peer(options);
  }

  /** Sends to the proxy (with several: see {@link ProxyRouter}). */
  #send(request: KvStateRequest, options: { signal?: AbortSignal; timeoutMs?: number; longPollMs?: number }): Promise<KvStateResponse> {
    if (this.#router === undefined) return this.#client.sendRequest(this.addresses[0], request, { signal: options.signal, timeoutMs: options.timeoutMs });
    if (options.timeoutMs !== undefined && options.timeoutMs !== Infinity) positiveNumber("timeoutMs", options.timeoutMs, "milliseconds");
    if (options.longPollMs !== undefined) {
      // A watch's poll is held up to longPollMs by design: each attempt gets that on top of its usual deadline, no hedging.
      const total = options.timeoutMs ?? this.#timeoutMs;
      const attemptTimeoutMs = options.longPollMs + (this.#attemptTimeoutMs ?? defaultAttemptTimeout(total - options.longPollMs));
      return this.#router.send(request, total, options.signal, { attemptTimeoutMs, hedge: false });
    }
    return this.#router.send(request, options.timeoutMs ?? this.#timeoutMs, options.signal);
  }

  /** Request statistics of this client (connections, requests, successes, failures, latency). */
  stats(): RequestStats {
    return this.#client.stats();
  }

  /** Fails queries still waiting with ClientClosedError and closes the connection. Idempotent. */
  close(): Promise<void> {
    return this.#closing ??= this.#client.close();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
