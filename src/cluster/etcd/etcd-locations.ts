/**
 * Locations in etcd, under a key prefix:
 *   `<prefix>job/<jobId>`                          → `{"vertices":[[vertexId, maxParallelism]]}` (no lease)
 *   `<prefix>loc/<jobId>/<name>/<startKeyGroup>`   → `{"vertex","numKeyGroups","range":[s,e],"kvStateId","address":[h,p],"tm"}`
 * Location entries are put under their task manager's lease, so they vanish when it dies.
 * {@link EtcdLocations} is a location oracle (for coordinators, or proxies directly): it
 * caches lookups, watches `<prefix>loc/` (across member failures, resuming where it was) and
 * drops a cached location the moment a new entry is put for it, telling subscribers (a proxy
 * drops its own cache entry too); a query that fails on a cached location makes the proxy ask
 * with `refresh`, which reads etcd again. Nothing else drops a cached location: not a deletion
 * (its server may still serve), not an unreachable etcd (cached lookups keep answering, and a
 * refresh that cannot reach etcd keeps the last good location).
 */
import { realClock, type TimerHandle } from "../../core/clock.ts";
import { JobID, KvStateID } from "../../core/ids.ts";
import { KeyGroupRange } from "../../core/key-groups.ts";
import { UnknownJobError, UnknownStateNameError } from "../../protocol/remote-errors.ts";
import type { KvStateLocationOracle, StateListing } from "../../proxy/location-oracle.ts";
import { KvStateLocation } from "../../state/kv-state-location.ts";
import { EtcdGateway, type EtcdOptions, EtcdUnavailableError, type EtcdWatchEvent } from "./etcd-gateway.ts";
import { EntrySigner } from "./entry-signing.ts";

export interface EtcdLocationEntry {
  vertex: string;
  numKeyGroups: number;
  range: [number, number];
  kvStateId: string;
  address: [string, number];
  tm: string;
  /** The HMAC of the entry (see entry-signing.ts), when the writer has the deployment's token. */
  sig?: string;
}

export const jobKey = (prefix: string, jobId: JobID) => `${prefix}job/${jobId}`;
export const stateDir = (prefix: string, jobId: JobID, name: string) => `${prefix}loc/${jobId}/${encodeURIComponent(name)}/`;
export const entryKey = (prefix: string, jobId: JobID, name: string, start: number) => `${stateDir(prefix, jobId, name)}${start}`;

/** What a location entry's signature covers (besides its key and lease): every field, in a fixed order. */
export function signedEntryContent(e: EtcdLocationEntry): unknown[] {
  return [e.vertex, e.numKeyGroups, e.range, e.kvStateId, e.address, e.tm];
}

/** What a job entry's signature covers (besides its key). */
export function signedJobContent(vertices: unknown): unknown[] {
  return ["job", vertices];
}

/** How readers check entries: with the deployment's signer, telling `onRejected` of each entry refused. */
export interface EntryCheck {
  readonly signer: EntrySigner | undefined;
  onRejected(key: string, why: string): void;
}

const isInt = (v: unknown): v is number => Number.isInteger(v);

/** The entry at `kv` when it is well-formed and (with a signer) signed by this deployment for its key and lease. */
export async function checkedEntry(kv: { key: string; value: string; lease: string }, check: EntryCheck | undefined): Promise<EtcdLocationEntry | undefined> {
  let e: EtcdLocationEntry;
  try {
    e = JSON.parse(kv.value) as EtcdLocationEntry;
  } catch {
    check?.onRejected(kv.key, "not JSON");
    return undefined;
  }
  const ok = e !== null && typeof e === "object" && typeof e.vertex === "string" && isInt(e.numKeyGroups) && e.numKeyGroups > 0 &&
    Array.isArray(e.range) && isInt(e.range[0]) && isInt(e.range[1]) && e.range[0] <= e.range[1] && e.range[1] < e.numKeyGroups &&
    typeof e.kvStateId === "string" && /^[0-9a-f]{32}$/.test(e.kvStateId) &&
    Array.isArray(e.address) && typeof e.address[0] === "string" && isInt(e.address[1]) && e.address[1] > 0 && e.address[1] < 65536 &&
    typeof e.tm === "string";
  if (!ok) {
    check?.onRejected(kv.key, "not a location entry");
    return undefined;
  }
  if (check?.signer !== undefined && !await check.signer.verify(kv.key, kv.lease, signedEntryContent(e), e.sig)) {
    check.onRejected(kv.key, e.sig === undefined ? "unsigned (written without the deployment's token)" : `bad signature for this key and lease ${kv.lease}`);
    return undefined;
  }
  return e;
}

/** Whether the job entry at `kv` exists and (with a signer) is signed by this deployment. */
async function checkedJob(kv: { key: string; value: string; lease: string } | undefined, check: EntryCheck | undefined): Promise<boolean> {
  if (kv === undefined) return false;
  if (check?.signer === undefined) return true;
  let v: { vertices?: unknown; sig?: unknown };
  try {
    v = JSON.parse(kv.value);
  } catch {
    v = {};
  }
  if (await check.signer.verify(kv.key, kv.lease, signedJobContent(v?.vertices), v?.sig)) return true;
  check.onRejected(kv.key, "job entry not signed by this deployment");
  return false;
}

/**
 * Reads the location of (job, name) from etcd; UnknownJobError / UnknownStateNameError as the coordinator.
 * With `check`, entries that are malformed or not signed by the deployment are left out (and reported).
 */
export async function readLocation(etcd: EtcdGateway, prefix: string, jobId: JobID, name: string, check?: EntryCheck): Promise<KvStateLocation> {
  const { kvs } = await etcd.rangePrefix(stateDir(prefix, jobId, name));
  const entries = (await Promise.all(kvs.map((kv) => checkedEntry(kv, check)))).filter((e) => e !== undefined);
  if (entries.length === 0) {
    if (!await checkedJob(await etcd.getKeyValue(jobKey(prefix, jobId)), check)) {
      throw new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
    }
    throw new UnknownStateNameError({ className: UnknownStateNameError.javaClassName, message: `No KvStateLocation found for KvState instance with name '${name}'.` });
  }
  // One operator's entries (a name clash between operators fails the job; a stray entry of another is left out).
  const first = entries[0];
  const location = new KvStateLocation(jobId, first.vertex, first.numKeyGroups, name);
  for (const e of entries) {
    if (e.vertex !== first.vertex || e.numKeyGroups !== first.numKeyGroups) continue;
    location.registerKvState(new KeyGroupRange(e.range[0], e.range[1]), KvStateID.fromHex(e.kvStateId), { hostname: e.address[0], port: e.address[1] });
  }
  return location;
}

/**
 * The jobs registered in etcd (or only `jobId`) and their queryable states, as `Coordinator.listStates`
 * gives them for its own registry.
 * @throws UnknownJobError (`UNKNOWN_JOB`) when `jobId` is given and etcd has no such job
 */
export async function listLocations(etcd: EtcdGateway, prefix: string, jobId?: JobID, check?: EntryCheck): Promise<StateListing[]> {
  const jobsPrefix = jobId === undefined ? `${prefix}job/` : jobKey(prefix, jobId);
  const locPrefix = jobId === undefined ? `${prefix}loc/` : `${prefix}loc/${jobId}/`;
  const [jobs, locations] = await Promise.all([etcd.rangePrefix(jobsPrefix), etcd.rangePrefix(locPrefix)]);
  const byJob = new Map<string, Map<string, { vertex: string; numKeyGroups: number; registeredKeyGroups: number }>>();
  for (const kv of jobs.kvs) if (await checkedJob(kv, check)) byJob.set(kv.key.slice(`${prefix}job/`.length), new Map());
  if (jobId !== undefined && !byJob.has(jobId.toString())) {
    throw new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
  }
  for (const kv of locations.kvs) {
    const [job, encodedName] = kv.key.slice(`${prefix}loc/`.length).split("/");
    const entry = await checkedEntry(kv, check);
    if (entry === undefined) continue; // not one of ours: lookups of that state report it
    const states = byJob.get(job) ?? new Map();
    byJob.set(job, states);
    let name: string;
    try {
      name = decodeURIComponent(encodedName);
    } catch {
      continue;
    }
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
  /** Where watch failovers, etcd outages and rejected entries are reported. @default console.warn */
  log?: (message: string) => void;
  /**
   * The deployment's shared secret (the task managers' `token`): entries must carry its signature for
   * their key and lease, anything else (a stranger's PUT, a copy of a real entry) is logged and never
   * served. Without it every well-formed entry is believed. @default none
   */
  token?: string;
}

/**
 * A location oracle reading an etcd registry (the entries {@link EtcdMembership} writes): give it to a
 * {@link KvStateClientProxy} as its `oracle` to serve queries without any coordinator process.
 * Lookups are cached; a cached location is replaced as soon as etcd reports a new entry for it, or when a
 * refresh after a failed query finds it changed; while etcd cannot be reached, cached lookups keep
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
  readonly #check: EntryCheck;
  readonly #lastRejected = new Map<string, number>();
  #rejected = 0;
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
    const signer = options.token === undefined ? undefined : new EntrySigner(options.token);
    this.#check = { signer, onRejected: (key, why) => this.#reject(key, why) };
  }

  /** How many entries were refused so far (malformed, or not signed by this deployment's token). */
  get rejectedEntries(): number {
    return this.#rejected;
  }

  #reject(key: string, why: string): void {
    this.#rejected++;
    // Once a minute per key: a stranger's entry is read again on every refresh.
    const now = realClock.now();
    if (now - (this.#lastRejected.get(key) ?? -Infinity) < 60_000) return;
    if (this.#lastRejected.size > 10_000) this.#lastRejected.clear();
    this.#lastRejected.set(key, now);
    this.#log(`Rejected etcd entry ${key}: ${why}. It is not served; the last good location stays in use.`);
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
    const key = `${job}/${decoded}`;
    // A deletion alone drops nothing: the server it named may well still serve the state (etcd revokes
    // every lease when a stopped leader resumes, and the task managers put their entries back a moment
    // later), and if it does not, the failed query re-reads etcd. A new entry drops the cached location,
    // but only one of the deployment's: a forged one must not evict the good location.
    if (e.type === "DELETE") return;
    if (this.#check.signer === undefined) return this.#drop(key);
    void checkedEntry(e, this.#check).then((entry) => {
      if (entry !== undefined) this.#drop(key);
    });
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
    return listLocations(this.etcd, this.prefix, jobId, this.#check);
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
    let rejected = false;
    const check: EntryCheck = {
      signer: this.#check.signer,
      onRejected: (k, why) => {
        rejected = true;
        this.#check.onRejected(k, why);
      },
    };
    const read = readLocation(this.etcd, this.prefix, jobId, name, check).then((location) => {
      // Entries were refused (forged, or overwritten by a stranger): a location read before stays in use.
      const last = this.#cache.get(key);
      return rejected && last !== undefined ? last : location;
    }, (e) => {
      const last = this.#cache.get(key);
      if (rejected && last !== undefined) return last;
      throw e;
    });
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
