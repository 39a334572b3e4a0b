import { QueryableStateError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import type { KvStateLocation } from "../state/kv-state-location.ts";

/**
 * Where a proxy asks for state locations (Flink's KvStateLocationOracle, the job manager's
 * role). Asynchronous, so a networked coordinator can implement it too.
 *
 * Implementations reject with UnknownJobError for a job they do not know and with
 * UnknownStateNameError for a name the job has not registered, or with {@link LocationNotReadyError}
 * while they cannot tell yet (a coordinator that restarted moments ago, waiting for task managers to
 * register again).
 */
export interface KvStateLocationOracle {
  /**
   * Where the key groups of state `queryableStateName` of `jobId` are served: resolves with a location
   * the caller may keep (a snapshot, not a live view). `options.signal` aborts a lookup that is
   * still waiting (a networked oracle rejects then). `options.refresh`: a query on the location the
   * caller had failed (stale), so an oracle that caches (etcd) should read its source again.
   */
  requestKvStateLocation(jobId: JobID, queryableStateName: string, options?: { signal?: AbortSignal; refresh?: boolean }): Promise<KvStateLocation>;
  /** Optional: an oracle that learns of changes (e.g. an etcd watch) tells the proxy to drop its cached location. */
  onLocationChange?(listener: (jobId: JobID, queryableStateName: string) => void): void;
  /** Optional: the jobs it knows (or only `jobId`) and their queryable states, for `qstate states`. */
  listStates?(jobId?: JobID): Promise<StateListing[]>;
}

/**
 * The registry cannot tell yet where a state is (code `LOCATION_NOT_READY`): a coordinator that (re)started
 * moments ago waits for task managers to register again, and the job or state is not (fully) known yet. A
 * proxy retries such a lookup within its deadline, and reports `UNKNOWN_LOCATION` ("not ready") if time runs
 * out. Retry shortly.
 */
export class LocationNotReadyError extends QueryableStateError {
  /** Made by the coordinator for a lookup in its registration grace period; `message` says what is not known yet. */
  constructor(message: string) {
    super("LOCATION_NOT_READY", message);
  }
}

/** One queryable state of a job as a registry knows it ({@link StateListing}). */
export interface ListedState {
  /** The queryable state name. */
  readonly name: string;
  /** The operator (job vertex) that registered it. */
  readonly vertex: string;
  /** The operator's number of key groups (its max parallelism). */
  readonly numKeyGroups: number;
  /** How many of them have a registered server now (`numKeyGroups` when every subtask is up). */
  readonly registeredKeyGroups: number;
}

/** A job and its registered queryable states, as `Coordinator.listStates` and `qstate states` give them. */
export interface StateListing {
  /** The job id (32 hex digits). */
  readonly jobId: string;
  /** Its queryable states, by name. */
  readonly states: readonly ListedState[];
}
