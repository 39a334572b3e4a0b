/**
 * Which running job a request's `{job}` means: a job id as it is, a name through the catalog's `jobId`, Flink's REST
 * API (`GET /jobs/overview`) or our coordinator's listing (the job whose registered states are the catalog job's),
 * with the listing cached and several jobs of one name reported as AMBIGUOUS_JOB.
 */
import { type CatalogJob, JobID, type KvStateLocationOracle, type StateCatalog, type StateListing } from "./core.ts";
import { AmbiguousJobError, JobListingError, UnknownJobNameError } from "./errors.ts";

/** A running (or finished) job as a listing shows it. */
export interface ListedJob {
  /** The job id, 32 hex digits. */
  readonly id: string;
  /** Its name, when the listing knows names (Flink's REST API does, our coordinator does not). */
  readonly name?: string;
  /** Its status, e.g. `RUNNING` (Flink's); jobs of another status are not candidates. */
  readonly status?: string;
  /** The queryable state names it registered, when the listing knows them (our coordinator does). */
  readonly states?: readonly string[];
}

/** Lists the jobs of a cluster (Flink's REST API, a coordinator, or your own). */
export type JobLister = (signal: AbortSignal) => Promise<readonly ListedJob[]>;

/** How long one listing may take. */
const LIST_TIMEOUT_MS = 10_000;

/** A job a request named, resolved. */
export interface ResolvedJob {
  /** The job id. */
  readonly id: JobID;
  /** Its name, when known. */
  readonly name?: string;
  /** The catalog's job, when the catalog lists it (by id or name). */
  readonly catalogJob?: CatalogJob;
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** Flink's REST API: `GET {url}/jobs/overview` → `{"jobs": [{"jid", "name", "state"}]}`. */
export function flinkRestLister(url: string, timeoutMs: number): JobLister {
  const base = url.replace(/\/+$/, "");
  return async (signal) => {
    const target = `${base}/jobs/overview`;
    let body: unknown;
    try {
      const res = await fetch(target, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), headers: { accept: "application/json" } });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      body = await res.json();
    } catch (e) {
      throw new JobListingError(`Cannot list the jobs at ${target} (Flink's REST API, --flink-rest): ${(e as Error).message ?? e}.`, { cause: e });
    }
    const jobs = (body as { jobs?: unknown })?.jobs;
    if (!Array.isArray(jobs)) throw new JobListingError(`${target} answered without a "jobs" array: is --flink-rest the Flink REST endpoint (port 8081)?`);
    return jobs.filter((j) => typeof j?.jid === "string").map((j) => ({ id: j.jid, name: typeof j.name === "string" ? j.name : undefined, status: j.state }));
  };
}

/** Our coordinator's listing (no names: a name is matched by the catalog job's states). */
export function coordinatorLister(oracle: Pick<KvStateLocationOracle, "listStates">): JobLister {
  return async () => {
    let listings: StateListing[];
    try {
      listings = await oracle.listStates!();
    } catch (e) {
      throw new JobListingError(`Cannot list the jobs at the coordinator (--coordinator): ${(e as Error).message ?? e}`, { cause: e });
    }
    return listings.map((l) => ({ id: l.jobId, states: l.states.map((s) => s.name) }));
  };
}

/** Options of {@link JobResolver}. */
export interface JobResolverOptions {
  /** How jobs are listed; without one, only ids and catalog jobs with a `jobId` resolve. */
  readonly lister?: JobLister;
  /** How long a listing is reused. @default 5000 */
  readonly cacheMs?: number;
  /** How old a listing must be before a name it lacks makes the resolver list again. @default 1000 */
  readonly refreshOnMissMs?: number;
  /** Time source (tests). @default Date.now */
  readonly now?: () => number;
}

/** Resolves `{job}` path segments; see the module's doc. */
export class JobResolver {
  readonly #catalog: StateCatalog;
  readonly #lister: JobLister | undefined;
  readonly #cacheMs: number;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #listing: { at: number; jobs: Promise<readonly ListedJob[]> } | undefined;
  /** Lists made so far (for tests and metrics). */
  listings = 0;

  constructor(catalog: StateCatalog, options: JobResolverOptions = {}) {
    this.#catalog = catalog;
    this.#lister = options.lister;
    this.#cacheMs = options.cacheMs ?? 5000;
    this.#refreshMs = options.refreshOnMissMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether names can be resolved beyond the catalog's `jobId`s. */
  get canList(): boolean {
    return this.#lister !== undefined;
  }

  /** The jobs as listed now (cached); `fresh` lists anew unless the cache is younger than the refresh age. */
  list(fresh = false): Promise<readonly ListedJob[]> {
    if (this.#lister === undefined) return Promise.resolve([]);
    const now = this.#now();
    const age = this.#listing === undefined ? Infinity : now - this.#listing.at;
    if (age >= this.#cacheMs || (fresh && age >= this.#refreshMs)) {
      this.listings++;
      // Shared by every request that asks meanwhile: no request's own signal ends it.
      const jobs = this.#lister(AbortSignal.timeout(LIST_TIMEOUT_MS));
      const entry = { at: now, jobs };
      this.#listing = entry;
      // A failed listing is not cached.
      jobs.catch(() => this.#listing === entry && (this.#listing = undefined));
    }
    return this.#listing!.jobs;
  }

  /** The job `segment` (an id or a name) stands for. */
  async resolve(segment: string): Promise<ResolvedJob> {
    if (HEX32.test(segment)) {
      const id = JobID.fromHex(segment);
      const byId = this.#catalog.job(segment);
      if (byId !== undefined) return { id, name: byId.name, catalogJob: byId };
      if (this.#lister === undefined) return { id };
      // The listing may know its name, and the catalog a job of that name.
      const listed = (await this.list().catch(() => [])).find((j) => j.id.toLowerCase() === id.toString());
      const byName = listed?.name === undefined ? undefined : this.#catalog.job(listed.name);
      return { id, name: listed?.name, catalogJob: byName };
    }
    const catalogJob = this.#catalog.job(segment);
    if (catalogJob?.jobId !== undefined) return { id: JobID.fromHex(catalogJob.jobId), name: catalogJob.name, catalogJob };
    if (this.#lister === undefined) {
      throw new UnknownJobNameError(
        segment,
        `Cannot resolve the job name ${JSON.stringify(segment)}: ${catalogJob === undefined ? "the catalog has no job of that name and" : "its catalog entry has no \"jobId\" and"} ` +
          "the gateway has no job listing: start it with --flink-rest URL (Flink's REST API) or --coordinator HOST:PORT, or ask by job id.",
      );
    }
    let candidates = this.candidates(await this.list(), segment, catalogJob);
    if (candidates.length === 0) candidates = this.candidates(await this.list(true), segment, catalogJob);
    if (candidates.length === 1) return { id: JobID.fromHex(candidates[0].id), name: segment, catalogJob };
    if (candidates.length > 1) throw new AmbiguousJobError(segment, candidates.map((c) => c.id));
    const jobs = await this.list();
    const names = [...new Set(jobs.filter(running).map((j) => j.name).filter((n) => n !== undefined))];
    throw new UnknownJobNameError(
      segment,
      `No running job is named ${JSON.stringify(segment)}` +
        (names.length > 0
          ? ` (running: ${names.slice(0, 20).map((n) => JSON.stringify(n)).join(", ")}${names.length > 20 ? ", …" : ""}).`
          : jobs.some((j) => j.name !== undefined)
          ? " (no job is running)."
          : catalogJob === undefined
          ? ": the coordinator knows no job names, and the catalog has no job of that name whose states could identify it."
          : `: no job registered the states of the catalog's job ${JSON.stringify(segment)} (${catalogJob.states.map((s) => JSON.stringify(s.queryableName ?? s.name)).join(", ")}).`),
    );
  }

  /** The running jobs of `jobs` that `name` (with the catalog's job of that name) stands for. */
  candidates(jobs: readonly ListedJob[], name: string, catalogJob: CatalogJob | undefined): ListedJob[] {
    const live = jobs.filter(running);
    const named = live.filter((j) => j.name === name);
    if (named.length > 0 || live.some((j) => j.name !== undefined)) return named;
    // A listing without names (our coordinator): the jobs that registered every state of the catalog's job.
    if (catalogJob === undefined || catalogJob.states.length === 0) return [];
    const wanted = catalogJob.states.map((s) => s.queryableName ?? s.name);
    return live.filter((j) => j.states !== undefined && wanted.every((w) => j.states!.includes(w)));
  }
}

function running(j: ListedJob): boolean {
  return j.status === undefined || j.status === "RUNNING";
}
