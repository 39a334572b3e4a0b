/**
 * The coordinator: keeps, per job, where each queryable state's key groups live (Flink's
 * job-manager role) and answers proxies' lookups. In-process for now; the proxy only sees
 * the asynchronous {@link KvStateLocationOracle} interface, so a networked coordinator can
 * take its place.
 */
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import { UnknownJobError, UnknownStateNameError } from "../protocol/remote-errors.ts";
import type { KvStateLocationOracle } from "../proxy/location-oracle.ts";
import type { KvStateLocation, ServerAddress } from "../state/kv-state-location.ts";
import { KvStateLocationRegistry } from "../state/kv-state-location-registry.ts";

interface JobEntry {
  readonly registry: KvStateLocationRegistry;
  readonly onFailure: (error: Error) => void;
}

export class Coordinator implements KvStateLocationOracle {
  readonly #jobs = new Map<string, JobEntry>();

  /** Starts tracking a job's operators (vertex id → max parallelism). `onFailure` is told when the job must fail. */
  registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>, onFailure: (error: Error) => void = () => {}): void {
    this.#jobs.set(jobId.toString(), { registry: new KvStateLocationRegistry(jobId, vertices), onFailure });
  }

  /** Forgets a job and all its locations. */
  unregisterJob(jobId: JobID): void {
    this.#jobs.delete(jobId.toString());
  }

  /** Job ids currently known. */
  get jobIds(): string[] {
    return [...this.#jobs.keys()];
  }

  #job(jobId: JobID): JobEntry {
    const job = this.#jobs.get(jobId.toString());
    if (job === undefined) throw unknownJob(jobId);
    return job;
  }

  /** A task manager registered a state for `range`. A name clash fails the job (and throws). */
  notifyKvStateRegistered(jobId: JobID, vertexId: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): void {
    const job = this.#job(jobId);
    try {
      job.registry.notifyKvStateRegistered(vertexId, range, name, kvStateId, address);
    } catch (e) {
      job.onFailure(e as Error);
      throw e;
    }
  }

  notifyKvStateUnregistered(jobId: JobID, vertexId: string, range: KeyGroupRange, name: string): void {
    this.#jobs.get(jobId.toString())?.registry.notifyKvStateUnregistered(vertexId, range, name);
  }

  requestKvStateLocation(jobId: JobID, name: string): Promise<KvStateLocation> {
    try {
      const location = this.#job(jobId).registry.getLocation(name);
      if (location === undefined) {
        throw new UnknownStateNameError({
          className: UnknownStateNameError.javaClassName,
          message: `No KvStateLocation found for KvState instance with name '${name}'.`,
        });
      }
      return Promise.resolve(location.snapshot());
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

function unknownJob(jobId: JobID): UnknownJobError {
  return new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
}
