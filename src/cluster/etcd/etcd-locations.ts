/**
 * Locations in etcd, under a key prefix:
 *   `<prefix>job/<jobId>`                          → `{"vertices":[[vertexId, maxParallelism]]}` (no lease)
 *   `<prefix>loc/<jobId>/<name>/<startKeyGroup>`   → `{"vertex","numKeyGroups","range":[s,e],"kvStateId","address":[h,p],"tm"}`
 * Location entries are put under their task manager's lease, so they vanish when it dies.
 * {@link EtcdLocations} is a location oracle (for coordinators, or proxies directly): it
 * caches lookups, watches `<prefix>loc/` and drops a cached location the moment one of its
 * entries changes, telling subscribers (a proxy drops its own cache entry too). A health
 * check with a timeout detects a hung etcd: the cache is dropped and the watch restarted.
 */
import { type Clock, every, realClock, sleep } from "../../core/clock.ts";
import { JobID, KvStateID } from "../../core/ids.ts";
import { KeyGroupRange } from "../../core/key-groups.ts";
import { UnknownJobError, UnknownStateNameError } from "../../protocol/remote-errors.ts";
import type { KvStateLocationOracle, StateListing } from "../../proxy/location-oracle.ts";
import { KvStateLocation } from "../../state/kv-state-location.ts";
import { EtcdGateway, EtcdUnavailableError } from "./etcd-gateway.ts";

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

/** Options of {@link EtcdLocations}. */
export interface EtcdLocationsOptions {
  /** Key prefix of every entry; must match the task managers' `etcdPrefix`. @default "/queryable-state/" */
  prefix?: string;
  /** Health check period; a failed check drops the cache and restarts the watch. @default 1000 */
  healthIntervalMs?: number;
  /** Timeout of each etcd request (and of the health check), in milliseconds. @default 3000 */
  timeoutMs?: number;
  /** Advanced: the time source of the health checks and watch restarts (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
}

/**
 * A location oracle reading an etcd registry (the entries {@link EtcdMembership} writes): give it to a
 * {@link KvStateClientProxy} as its `oracle` to serve queries without any coordinator process.
 * Lookups are cached, and a cached location is dropped as soon as etcd reports a change to it.
 *
 * @example
 * ```ts
 * import { EtcdLocations, KvStateClientProxy } from "queryable-state";
 *
 * await using locations = new EtcdLocations("http://127.0.0.1:2379");
 * await locations.start(); // throws EtcdUnavailableError when etcd is not healthy
 * await using proxy = new KvStateClientProxy({ oracle: locations, port: 9069 });
 * await proxy.start();
 * ```
 */
export class EtcdLocations implements KvStateLocationOracle, AsyncDisposable {
  /** The etcd client (the HTTP/JSON gateway at the constructor's URL). */
  readonly etcd: EtcdGateway;
  /** Key prefix of every entry read. */
  readonly prefix: string;
  readonly #cache = new Map<string, Promise<KvStateLocation>>();
  readonly #listeners = new Set<(jobId: JobID, name: string) => void>();
  readonly #healthMs: number;
  #watch: AbortController | undefined;
  #watchCreated: Promise<void> | undefined;
  readonly #clock: Clock;
  #stopHealth: (() => void) | undefined;
  #closed = false;

  /** Reads the etcd at `url` (e.g. `"http://127.0.0.1:2379"`); nothing is sent before {@link start}. */
  constructor(url: string, options: EtcdLocationsOptions = {}) {
    this.etcd = new EtcdGateway(url, { timeoutMs: options.timeoutMs });
    this.prefix = options.prefix ?? "/queryable-state/";
    this.#healthMs = options.healthIntervalMs ?? 1000;
    this.#clock = options.clock ?? realClock;
  }

  /** Starts watching (resolves once the watch is established) and health-checking. */
  async start(): Promise<void> {
    if (!await this.etcd.healthy()) throw new EtcdUnavailableError("health check", new Error(`${this.etcd.url}/health did not report healthy`));
    await this.#startWatch();
    this.#stopHealth = every(this.#clock, this.#healthMs, () => void this.#check());
  }

  async #check(): Promise<void> {
    if (await this.etcd.healthy() || this.#closed) return;
    // Hung or gone: nothing we hold can be trusted to be current.
    this.#dropAll();
    void this.#startWatch().catch(() => {});
  }

  #dropAll(): void {
    for (const key of [...this.#cache.keys()]) this.#drop(key);
  }

  #drop(cacheKey: string): void {
    if (!this.#cache.delete(cacheKey)) return;
    const slash = cacheKey.indexOf("/");
    const jobId = JobID.fromHex(cacheKey.slice(0, slash));
    for (const l of this.#listeners) l(jobId, cacheKey.slice(slash + 1));
  }

  #startWatch(): Promise<void> {
    this.#watch?.abort();
    const abort = new AbortController();
    this.#watch = abort;
    const locPrefix = `${this.prefix}loc/`;
    let created!: () => void;
    this.#watchCreated = new Promise<void>((r) => (created = r));
    const loop = async () => {
      while (!abort.signal.aborted && !this.#closed) {
        try {
          const { revision } = await this.etcd.rangePrefix(`${this.prefix}__revision__`);
          // Anything cached before the watch (re)starts may have changed meanwhile.
          this.#dropAll();
          await this.etcd.watchPrefix(locPrefix, String(BigInt(revision) + 1n), (e) => {
            const [job, name] = e.key.slice(locPrefix.length).split("/");
            this.#drop(`${job}/${decodeURIComponent(name)}`);
          }, abort.signal, created);
        } catch {
          // etcd down or the stream broke: retry below.
        }
        if (!abort.signal.aborted) await sleep(this.#clock, 200);
      }
    };
    void loop();
    return this.#watchCreated;
  }

  /** Tells `listener` when a location it may have cached changed. */
  /** The jobs in etcd (or only `jobId`) and their registered queryable states (see {@link listLocations}). */
  listStates(jobId?: JobID): Promise<StateListing[]> {
    return listLocations(this.etcd, this.prefix, jobId);
  }

  onLocationChange(listener: (jobId: JobID, name: string) => void): void {
    this.#listeners.add(listener);
  }

  /**
   * The location of state `name` of `jobId` (a snapshot), from the cache or etcd. Rejects with
   * UnknownJobError (`UNKNOWN_JOB`) when etcd has no entry for the job, UnknownStateNameError
   * (`UNKNOWN_STATE_NAME`) when the job registered no such state, EtcdUnavailableError
   * (`ETCD_UNAVAILABLE`) when etcd cannot be reached.
   */
  requestKvStateLocation(jobId: JobID, name: string): Promise<KvStateLocation> {
    const key = `${jobId}/${name}`;
    let lookup = this.#cache.get(key);
    if (lookup === undefined) {
      lookup = readLocation(this.etcd, this.prefix, jobId, name);
      this.#cache.set(key, lookup);
      lookup.catch(() => {
        if (this.#cache.get(key) === lookup) this.#cache.delete(key);
      });
    }
    return lookup.then((l) => l.snapshot());
  }

  /** Stops the watch and the health checks. Idempotent. */
  // deno-lint-ignore require-await -- async so callers can await a close that may grow work
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopHealth?.();
    this.#watch?.abort();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
