import type { JobID } from "../core/ids.ts";
import type { KvStateLocation } from "../state/kv-state-location.ts";

/**
 * Where a proxy asks for state locations (Flink's KvStateLocationOracle, the job manager's
 * role). Asynchronous, so a networked coordinator can implement it too.
 *
 * Implementations reject with UnknownJobError for a job they do not know and with
 * UnknownStateNameError for a name the job has not registered.
 */
export interface KvStateLocationOracle {
  /**
   * Where the key groups of state `queryableStateName` of `jobId` are served: resolves with a location
   * the caller may keep (a snapshot, not a live view). `options.signal` aborts a lookup that is
   * still waiting (a networked oracle rejects then).
   */
  requestKvStateLocation(jobId: JobID, queryableStateName: string, options?: { signal?: AbortSignal }): Promise<KvStateLocation>;
  /** Optional: an oracle that learns of changes (e.g. an etcd watch) tells the proxy to drop its cached location. */
  onLocationChange?(listener: (jobId: JobID, queryableStateName: string) => void): void;
}
