/**
 * Locations in etcd, under a key prefix:
 *   `<prefix>job/<jobId>`                          → `{"vertices":[[vertexId, maxParallelism]]}` (no lease)
 *   `<prefix>loc/<jobId>/<name>/<startKeyGroup>`   → `{"vertex","numKeyGroups","range":[s,e],"kvStateId","address":[h,p],"tm"}`
 * Location entries are put under their task manager's lease, so they vanish when it dies.
 * {@link EtcdLocations} is a location oracle (for coordinators, or proxies directly): it
 * caches lookups, watches `<prefix>loc/` (across member failures, resuming where it was) and
 * drops a cached location the moment one of its entries changes, telling subscribers (a proxy
 * drops its own cache entry too). Nothing else drops a cached location: while etcd cannot be
 * reached, cached lookups keep answering, and a refresh that fails keeps the last good one.
 */
import { realClock, type TimerHandle } from "../../core/clock.ts";
import { JobID, KvStateID } from "../../core/ids.ts";
import { KeyGroupRange } from "../../core/key-groups.ts";
import { UnknownJobError, UnknownStateNameError } from "../../protocol/remote-errors.ts";
import type { KvStateLocationOracle, StateListing } from "../../proxy/location-oracle.ts";
import { KvStateLocation } from "../../state/kv-state-location.ts";
import { EtcdGateway, type EtcdOptions, EtcdUnavailableError, type EtcdWatchEvent } from "./etcd-gateway.ts";

export interface EtcdLocationEntry {
  vertex: string;
  numKeyGroups: number;
  range: [number, number];
  kvStateId: string;
  address: [string, number];
  tm: string;
}

export const jobKey = (prefix: string, jobId: JobID) => `${prefix}job/${jobId}`;
export const stateDir = (prefix: string, jobId: JobID, name: string) => `${prefix}loc/${jobId}/${encodeURIComponent(name)}/`;
export const entryKey = (prefix: string, jobId: JobID, name: string, start: number) => `${stateDir(prefix, jobId, name)}${start}`;

/** Reads the location of (job, name) from etcd; UnknownJobError / UnknownStateNameError as the coordinator. */
export async function readLocation(etcd: EtcdGateway, prefix: string, jobId: JobID, name: string): Promise<KvStateLocation> {
  const { kvs } = await etcd.rangePrefix(stateDir(prefix, jobId, name));
  if (kvs.length === 0) {
    if (await etcd.get(jobKey(prefix, jobId)) === undefined) {
      throw new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
    }
    throw new UnknownStateNameError({ className: UnknownStateNameError.javaClassName, message: `No KvStateLocation found for KvState instance with name '${name}'.` });
  }
  const entries = kvs.map((kv) => JSON.parse(kv.value) as EtcdLocationEntry);
  const location = new KvStateLocation(jobId, entries[0].vertex, entries[0].numKeyGroups, name);
  for (const e of entries) {
    location.registerKvState(new KeyGroupRange(e.range[0], e.range[1]), KvStateID.fromHex(e.kvStateId), { hostname: e.address[0], port: e.address[1] });
  }
  return location;
}

/**
 * The jobs registered in etcd (or only `jobId`) and their queryable states, as `Coordinator.listStates`
 * gives them for its own registry.
 * @throws UnknownJobError (`UNKNOWN_JOB`) when `jobId` is given and etcd has no such job
 */
export async function listLocations(etcd: EtcdGateway, prefix: string, jobId?: JobID): Promise<StateListing[]> {
  const jobsPrefix = jobId === undefined ? `${prefix}job/` : jobKey(prefix, jobId);
  const locPrefix = jobId === undefined ? `${prefix}loc/` : `${prefix}loc/${jobId}/`;
  const [jobs, locations] = await Promise.all([etcd.rangePrefix(jobsPrefix), etcd.rangePrefix(locPrefix)]);
  const byJob = new Map<string, Map<string, { vertex: string; numKeyGroups: number; registeredKeyGroups: number }>>();
  for (const kv of jobs.kvs) byJob.set(kv.key.slice(`${prefix}job/`.length), new Map());
  if (jobId !== undefined && !byJob.has(jobId.toString())) {
    throw new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
  }
  for (const kv of locations.kvs) {
    const [job, encodedName] = kv.key.slice(`${prefix}loc/`.length).split("/");
    let entry: EtcdLocationEntry;
    try {
      entry = JSON.parse(kv.value) as EtcdLocationEntry;
    } catch {
      continue; // not one of ours: lookups of that state report it
    }
    const states = byJob.get(job) ?? new Map();
    byJob.set(job, states);
    const name = decodeURIComponent(encodedName);
    const state = states.get(name) ?? { vertex: entry.vertex, numKeyGroups: entry.numKeyGroups, registeredKeyGroups: 0 };
    state.registeredKeyGroups += entry.range[1] - entry.range[0] + 1;
    states.set(name, state);
  }
  return [...byJob].map(([id, states]) => ({
    jobId: id,
    states: [...states].map(([name, st]) => ({ name, ...st })).sort((a, b) => a.name.localeCompare(b.name)),
  }));
}

/** Options of {@link EtcdLocations}: the key prefix, the watch's health checks, and the etcd client's options. */
export interface EtcdLocationsOptions extends EtcdOptions {
  /** Key prefix of every entry; must match the task managers' `etcdPrefix`. @default "/queryable-state/" */
  prefix?: string;
  /** How often the member serving the watch is health-checked; a failed check moves the watch to another member. @default 1000 */
  healthIntervalMs?: number;
  /** Where watch failovers and etcd outages are reported. @default console.warn */
  log?: (message: string) => void;
}

/**
 * A location oracle reading an etcd registry (the entries {@link EtcdMembership} writes): give it to a
 * {@link KvStateClientProxy} as its `oracle` to serve queries without any coordinator process.
 * Lookups are cached, and a cached location is dropped as soon as etcd reports a change to it (or a
 * refresh after a failed query finds it changed); while etcd cannot be reached, cached lookups keep
 * answering and only lookups of locations never read fail, with `EtcdUnavailableError`.
 *
 * @example
 * ```ts
 * import { EtcdLocations, KvStateClientProxy } from "queryable-state";
 *
 * // Every member of the etcd cluster: calls and the watch fail over between them.
 * await using locations = new EtcdLocations("http://10.0.0.9:2379,http://10.0.0.10:2379,http://10.0.0.11:2379");
 * await locations.start(); // throws EtcdUnavailableError when no member is healthy
 * await using proxy = new KvStateClientProxy({ oracle: locations, port: 9069 });
 * await proxy.start();
 * ```
 */
export class EtcdLocations implements KvStateLocationOracle, AsyncDisposable {
  /** The etcd client (the HTTP/JSON gateway of the members given to the constructor). */
  readonly etcd: EtcdGateway;
  /** Key prefix of every entry read. */
  readonly prefix: string;
  /** The last location read for each (job, state name), until a watch event or a refresh replaces it. */
  readonly #cache = new Map<string, KvStateLocation>();
  /** Reads in flight, shared by concurrent lookups of one key. */
  readonly #reads = new Map<string, Promise<KvStateLocation>>();
  /** Bumped by each drop of a key: a read that started before a drop must not be cached. */
  readonly #epochs = new Map<string, number>();
  readonly #listeners = new Set<(jobId: JobID, name: string) => void>();
  readonly #healthMs: number;
  readonly #log: (message: string) => void;
  #watch: AbortController | undefined;
  #watchFailing = false;
  #closed = false;

  /**
   * Reads the etcd members at `endpoints` (e.g. `"http://127.0.0.1:2379"`, several separated by commas, or
   * an array); nothing is sent before {@link start}.
   */
  constructor(endpoints: string | readonly string[], options: EtcdLocationsOptions = {}) {
    this.etcd = new EtcdGateway(endpoints, options);
    this.prefix = options.prefix ?? "/queryable-state/";
    this.#healthMs = options.healthIntervalMs ?? 1000;
    this.#log = options.log ?? ((m) => console.warn(m));
  }

  /**
   * Starts watching; resolves once the watch is established.
   * @throws EtcdUnavailableError (`ETCD_UNAVAILABLE`) when no member is healthy or the watch cannot be made
   */
  async start(): Promise<void> {
    if (!await this.etcd.healthy()) {
      throw new EtcdUnavailableError("health check", new Error(`no member of ${this.etcd.endpoints.join(", ")} reported healthy on /health`));
    }
    const { revision } = await this.etcd.rangePrefix(`${this.prefix}__revision__`);
    const abort = new AbortController();
    this.#watch = abort;
    const locPrefix = `${this.prefix}loc/`;
    let created!: () => void;
    const ready = new Promise<void>((r) => (created = r));
    void this.etcd.watch(locPrefix, {
      startRevision: String(BigInt(revision) + 1n),
      signal: abort.signal,
      healthIntervalMs: this.#healthMs,
      onEvent: (e) => this.#onEvent(locPrefix, e),
      onCreated: () => {
        if (this.#watchFailing) this.#log(`etcd watch of ${locPrefix} established again on ${this.etcd.url}; no change was missed.`);
        this.#watchFailing = false;
        created();
      },
      onCompacted: (rev) => {
        this.#log(`etcd compacted revisions the watch of ${locPrefix} had not seen (up to ${rev}): every cached location is read again.`);
        this.#dropAll();
      },
      onError: (e) => {
        if (!this.#watchFailing && !this.#closed) {
          this.#log(`etcd watch of ${locPrefix} interrupted (${(e as Error).message}); reconnecting, cached locations keep answering.`);
        }
        this.#watchFailing = true;
      },
    });
    // Real time: this waits on I/O, whatever clock the health checks use.
    let timer: TimerHandle | undefined;
    const timeoutMs = 3 * 1000 + this.#healthMs;
    try {
      await Promise.race([ready, new Promise<never>((_, reject) => {
        timer = realClock.setTimeout(() => reject(new EtcdUnavailableError("watch", new Error(`no member established the watch within ${timeoutMs} ms`))), timeoutMs);
      })]);
    } catch (e) {
      abort.abort();
      throw e;
    } finally {
      realClock.clearTimeout(timer);
    }
  }

  #onEvent(locPrefix: string, e: EtcdWatchEvent): void {
    const [job, name] = e.key.slice(locPrefix.length).split("/");
    if (job === undefined || name === undefined) return;
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      return; // not one of ours
    }
    this.#drop(`${job}/${decoded}`);
  }

  #dropAll(): void {
    for (const key of new Set([...this.#cache.keys(), ...this.#reads.keys()])) this.#drop(key);
  }

  #drop(cacheKey: string): void {
    this.#epochs.set(cacheKey, (this.#epochs.get(cacheKey) ?? 0) + 1);
    this.#reads.delete(cacheKey);
    if (!this.#cache.delete(cacheKey)) return;
    const slash = cacheKey.indexOf("/");
    let jobId: JobID;
    try {
      jobId = JobID.fromHex(cacheKey.slice(0, slash));
    } catch {
      return;
    }
    for (const l of this.#listeners) l(jobId, cacheKey.slice(slash + 1));
  }

  /** The jobs in etcd (or only `jobId`) and their registered queryable states (see {@link listLocations}). */
  listStates(jobId?: JobID): Promise<StateListing[]> {
    return listLocations(this.etcd, this.prefix, jobId);
  }

  /** Tells `listener` when a location it may have cached changed. */
  onLocationChange(listener: (jobId: JobID, name: string) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * The location of state `name` of `jobId` (a snapshot), from the cache or etcd; `options.refresh` (a proxy
   * whose query failed on it) reads etcd again even when cached. Rejects with UnknownJobError
   * (`UNKNOWN_JOB`) when etcd has no entry for the job, UnknownStateNameError (`UNKNOWN_STATE_NAME`) when
   * the job registered no such state, EtcdUnavailableError (`ETCD_UNAVAILABLE`) when etcd cannot be
   * reached and nothing was cached (a cached location is returned then, even on a refresh).
   */
  requestKvStateLocation(jobId: JobID, name: string, options?: { signal?: AbortSignal; refresh?: boolean }): Promise<KvStateLocation> {
    const key = `${jobId}/${name}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined && options?.refresh !== true) return Promise.resolve(cached.snapshot());
    return this.#read(key, jobId, name).then((l) => l.snapshot(), (e) => {
      const last = this.#cache.get(key) ?? cached;
      if (e instanceof EtcdUnavailableError && last !== undefined) return last.snapshot();
      throw e;
    });
  }

  #read(key: string, jobId: JobID, name: string): Promise<KvStateLocation> {
    const inFlight = this.#reads.get(key);
    if (inFlight !== undefined) return inFlight;
    const epoch = this.#epochs.get(key) ?? 0;
    const read = readLocation(this.etcd, this.prefix, jobId, name);
    this.#reads.set(key, read);
    read.then((location) => {
      if (this.#reads.get(key) === read) this.#reads.delete(key);
      if ((this.#epochs.get(key) ?? 0) === epoch && !this.#closed) this.#cache.set(key, location);
    }, (e) => {
      if (this.#reads.get(key) === read) this.#reads.delete(key);
      // etcd answered that the location is gone: forget it. Unreachable: keep the last good one.
      if (!(e instanceof EtcdUnavailableError) && (this.#epochs.get(key) ?? 0) === epoch) this.#cache.delete(key);
    });
    return read;
  }

  /** Stops the watch. Idempotent. */
  // deno-lint-ignore require-await -- async so callers can await a close that may grow work
  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.abort();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
