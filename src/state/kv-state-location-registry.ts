import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import { KvStateLocation, type ServerAddress } from "./kv-state-location.ts";

/** Two operators of one job registered the same queryable-state name; the job fails. */
export class StateNameClashError extends QueryableStateError {
  static readonly javaClassName = "java.lang.IllegalStateException";
  readonly stateName: string;
  constructor(stateName: string, existingVertexId: string) {
    super(
      "STATE_NAME_CLASH",
      `Registration name clash. KvState with name '${stateName}' has already been registered by another operator (${existingVertexId}). ` +
        "Give each operator's queryable state its own name.",
    );
    this.stateName = stateName;
  }
}

/**
 * The locations of one job's queryable states, by name (Flink's `KvStateLocationRegistry`,
 * kept by the coordinator). Names are unique per job, not per operator.
 */
export class KvStateLocationRegistry {
  readonly jobId: JobID;
  readonly #maxParallelism: ReadonlyMap<string, number>;
  readonly #locations = new Map<string, KvStateLocation>();

  /** @param vertices each operator (vertex id) of the job with its max parallelism */
  constructor(jobId: JobID, vertices: ReadonlyMap<string, number>) {
    this.jobId = jobId;
    this.#maxParallelism = vertices;
  }

  getLocation(name: string): KvStateLocation | undefined {
    return this.#locations.get(name);
  }

  get names(): string[] {
    return [...this.#locations.keys()];
  }

  notifyKvStateRegistered(vertexId: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): void {
    let location = this.#locations.get(name);
    if (location === undefined) {
      const maxParallelism = this.#maxParallelism.get(vertexId);
      if (maxParallelism === undefined) throw new InvalidArgumentError(`Unknown JobVertexID ${vertexId}`);
      location = new KvStateLocation(this.jobId, vertexId, maxParallelism, name);
      this.#locations.set(name, location);
    }
    if (location.jobVertexId !== vertexId) throw new StateNameClashError(name, location.jobVertexId);
    location.registerKvState(range, kvStateId, address);
  }

  notifyKvStateUnregistered(vertexId: string, range: KeyGroupRange, name: string): void {
    const location = this.#locations.get(name);
    if (location === undefined) {
      throw new InvalidArgumentError(`Unknown registration name '${name}'. Probably registration/unregistration race.`);
    }
    if (location.jobVertexId !== vertexId) {
      throw new InvalidArgumentError(`Another operator (${location.jobVertexId}) registered the KvState under '${name}'.`);
    }
    location.unregisterKvState(range);
    if (location.numRegisteredKeyGroups === 0) this.#locations.delete(name);
  }
}
