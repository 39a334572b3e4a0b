/**
 * The coordinator: keeps, per job, where each queryable state's key groups live (Flink's
 * job-manager role) and answers proxies' lookups. Used in-process by LocalCluster, or served
 * over the network ({@link Coordinator.serve}) to task managers and proxies in other processes.
 */
import { InvalidArgumentError } from "../core/errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import { UnknownJobError, UnknownStateNameError } from "../protocol/remote-errors.ts";
import type { KvStateLocationOracle, StateListing } from "../proxy/location-oracle.ts";
import { CoordinatorService, type CoordinatorServiceOptions } from "./coordinator-service.ts";
import type { EtcdOptions } from "./etcd/etcd-gateway.ts";
import { EtcdLocations } from "./etcd/etcd-locations.ts";
import type { KvStateLocation, ServerAddress } from "../state/kv-state-location.ts";
import { KvStateLocationRegistry } from "../state/kv-state-location-registry.ts";

/** The etcd options of {@link Coordinator.serve}: serve lookups from an etcd registry. */
export interface CoordinatorEtcdOptions {
  /** The etcd members' JSON gateway URLs (one, several separated by commas, or an array): lookups are served from etcd. */
  etcd?: string | readonly string[];
  /** etcd key prefix (the task managers' `etcdPrefix`). @default "/queryable-state/" */
  etcdPrefix?: string;
  /** etcd credentials, TLS and timeouts. */
  etcdOptions?: EtcdOptions;
}

interface JobEntry {
  readonly registry: KvStateLocationRegistry;
  readonly onFailure: (error: Error) => void;
}

/**
 * The location registry (Flink's job manager role): task managers register where each queryable
 * state's key groups are served, proxies look them up. A {@link LocalCluster} has one in-process;
 * {@link Coordinator.serve} serves one over the network for task managers in other processes.
 *
 * @example
 * ```ts
 * import { Coordinator, JobID, KeyGroupRange, KvStateID } from "queryable-state";
 *
 * const coordinator = new Coordinator();
 * const jobId = JobID.random();
 * coordinator.registerJob(jobId, new Map([["counter", 128]])); // vertex id → max parallelism
 * coordinator.notifyKvStateRegistered(jobId, "counter", new KeyGroupRange(0, 127), "clicks", KvStateID.random(), {
 *   hostname: "127.0.0.1",
 *   port: 9067,
 * });
 * const location = await coordinator.requestKvStateLocation(jobId, "clicks");
 * console.log(location.getKvStateServerAddress(0)); // { hostname: "127.0.0.1", port: 9067 }
 * ```
 */
export class Coordinator implements KvStateLocationOracle {
  readonly #jobs = new Map<string, JobEntry>();

  /**
   * A coordinator served over the network (its own message family, see the README) for task
   * managers and proxies in other processes.
   *
   * @example
   * ```ts
   * import { Coordinator, TaskManager } from "queryable-state";
   *
   * await using service = await Coordinator.serve({ port: 6124, token: "s3cret" });
   * // In another process (here the same one), a task manager joins it:
   * await using tm = await TaskManager.join({ coordinator: "127.0.0.1:6124", token: "s3cret" });
   * ```
   */
  static async serve(options: CoordinatorServiceOptions & CoordinatorEtcdOptions = {}): Promise<CoordinatorService> {
    if (options.etcd !== undefined && options.locations !== undefined) {
      throw new InvalidArgumentError("Coordinator.serve takes either etcd (an etcd registry it makes) or locations (one of yours), not both.");
    }
    let locations: EtcdLocations | undefined;
    if (options.etcd !== undefined) {
      // With a token, only entries signed with it are served (the task managers sign theirs with the same one).
      locations = new EtcdLocations(options.etcd, { ...options.etcdOptions, prefix: options.etcdPrefix, clock: options.clock, log: options.log, token: options.token });
      await locations.start();
    }
    const service = new CoordinatorService(new Coordinator(), locations === undefined ? options : { ...options, locations, closeLocations: true });
    try {
      await service.start();
    } catch (e) {
      await locations?.close();
      throw e;
    }
    return service;
  }

  /**
   * Starts tracking a job's operators (vertex id → max parallelism). `onFailure` is told when
   * the job must fail. A job already known keeps its locations (task managers in other
   * processes each register the job they serve a part of).
   */
  registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>, onFailure: (error: Error) => void = () => {}): void {
    if (this.#jobs.has(jobId.toString())) return;
    this.#jobs.set(jobId.toString(), { registry: new KvStateLocationRegistry(jobId, vertices), onFailure });
  }

  /** Whether the job is known. */
  hasJob(jobId: JobID): boolean {
    return this.#jobs.has(jobId.toString());
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

  /**
   * A task manager unregistered a state for `range`. With `kvStateId`, only when the range
   * still holds that id: a dead task manager's expiry must not remove its replacement's entries.
   */
  notifyKvStateUnregistered(jobId: JobID, vertexId: string, range: KeyGroupRange, name: string, kvStateId?: KvStateID): void {
    const registry = this.#jobs.get(jobId.toString())?.registry;
    if (registry === undefined) return;
    if (kvStateId !== undefined && range.numberOfKeyGroups > 0) {
      const current = registry.getLocation(name);
      if (current === undefined || current.jobVertexId !== vertexId) return;
      for (let kg = range.startKeyGroup; kg <= range.endKeyGroup; kg++) {
        if (!kvStateId.equals(current.getKvStateID(kg))) return;
      }
    }
    registry.notifyKvStateUnregistered(vertexId, range, name);
  }

  /** The location of `name` in `jobId` (a snapshot); throws UnknownJobError or UnknownStateNameError. */
  getKvStateLocation(jobId: JobID, name: string): KvStateLocation {
    const location = this.#job(jobId).registry.getLocation(name);
    if (location === undefined) {
      throw new UnknownStateNameError({
        className: UnknownStateNameError.javaClassName,
        message: `No KvStateLocation found for KvState instance with name '${name}'.`,
      });
    }
    return location.snapshot();
  }

  /**
   * The jobs this coordinator knows (or only `jobId`) and the queryable states registered for each, by name.
   * @throws UnknownJobError (`UNKNOWN_JOB`) when `jobId` is given and not known
   */
  listStates(jobId?: JobID): Promise<StateListing[]> {
    try {
      return Promise.resolve(this.#list(jobId));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #list(jobId?: JobID): StateListing[] {
    const ids = jobId === undefined ? this.jobIds : [this.#job(jobId).registry.jobId.toString()];
    return ids.map((id) => {
      const registry = this.#jobs.get(id)!.registry;
      const states = registry.names.map((name) => {
        const l = registry.getLocation(name)!;
        return { name, vertex: l.jobVertexId, numKeyGroups: l.numKeyGroups, registeredKeyGroups: l.numRegisteredKeyGroups };
      });
      return { jobId: id, states: states.sort((a, b) => a.name.localeCompare(b.name)) };
    });
  }

  /** {@link getKvStateLocation} as a promise: the {@link KvStateLocationOracle} a proxy asks. */
  requestKvStateLocation(jobId: JobID, name: string): Promise<KvStateLocation> {
    try {
      return Promise.resolve(this.getKvStateLocation(jobId, name));
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

function unknownJob(jobId: JobID): UnknownJobError {
  return new UnknownJobError({ className: UnknownJobError.javaClassName, message: `Could not find Flink job (${jobId})` });
}
