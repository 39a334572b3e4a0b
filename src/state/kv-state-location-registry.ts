import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import { KvStateLocation, type ServerAddress } from "./kv-state-location.ts";

/** Two operators of one job registered the same queryable-state name; the job fails. */
export class StateNameClashError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The queryable-state name registered twice. */
  readonly stateName: string;
  /**
   * An error with code `STATE_NAME_CLASH`.
   * @param stateName the queryable-state name registered twice
   * @param existingVertexId the operator that registered it first
   */
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
  /** The job whose states this registry locates. */
  readonly jobId: JobID;
  readonly #maxParallelism: ReadonlyMap<string, number>;
  readonly #locations = new Map<string, KvStateLocation>();

  /**
   * An empty registry for `jobId`.
   * @param vertices each operator (vertex id) of the job with its max parallelism (its number of key groups)
   */
  constructor(jobId: JobID, vertices: ReadonlyMap<string, number>) {
    this.jobId = jobId;
    this.#maxParallelism = vertices;
  }

  /** The live location of queryable state `name` (not a copy: {@link KvStateLocation.snapshot} one to keep it), undefined when none is registered. */
  getLocation(name: string): KvStateLocation | undefined {
    return this.#locations.get(name);
  }

  /** The queryable-state names with at least one registered key group, in registration order. */
  get names(): string[] {
    return [...this.#locations.keys()];
  }

  /**
   * Records that the key groups `range` of state `name` are served, under `kvStateId`, by the state
   * server at `address` (overwriting an earlier registration of the same key groups).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) for a vertex the job does not have, or a range outside its key groups
   * @throws StateNameClashError (`STATE_NAME_CLASH`) when another operator registered `name`
   */
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

  /**
   * Removes the registration of the key groups `range` of state `name`; the name is forgotten once
   * none of its key groups is registered.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `name` is unknown, was registered by another
   *   operator, or a key group of `range` is not registered
   */
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
