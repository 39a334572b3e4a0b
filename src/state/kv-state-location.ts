import { InvalidArgumentError } from "../core/errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";

/** Where a state server listens (structurally the same as the transport's Endpoint). */
export interface ServerAddress {
  /** The server's host: an IP literal (no brackets for IPv6) or a DNS name. */
  readonly hostname: string;
  /** The server's TCP port. */
  readonly port: number;
}

/**
 * Where the parts of one queryable state live (Flink's `KvStateLocation`): for each key
 * group, the KvStateID and the state server that holds it.
 */
export class KvStateLocation {
  /** The job the state belongs to. */
  readonly jobId: JobID;
  /** The operator (job vertex) that registered the state. */
  readonly jobVertexId: string;
  /** The operator's max parallelism: the number of key groups. */
  readonly numKeyGroups: number;
  /** The queryable-state name the location is registered under. */
  readonly registrationName: string;
  readonly #ids: (KvStateID | null)[];
  readonly #addresses: (ServerAddress | null)[];
  #registered = 0;

  /**
   * A location with no key group registered yet.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `numKeyGroups` is not a non-negative integer
   */
  constructor(jobId: JobID, jobVertexId: string, numKeyGroups: number, registrationName: string) {
    if (!Number.isInteger(numKeyGroups) || numKeyGroups < 0) {
      throw new InvalidArgumentError(`Number of key groups must be a non-negative integer, got ${numKeyGroups}.`);
    }
    this.jobId = jobId;
    this.jobVertexId = jobVertexId;
    this.numKeyGroups = numKeyGroups;
    this.registrationName = registrationName;
    this.#ids = new Array(numKeyGroups).fill(null);
    this.#addresses = new Array(numKeyGroups).fill(null);
  }

  /** Key groups that have a registered state. */
  get numRegisteredKeyGroups(): number {
    return this.#registered;
  }

  #check(keyGroup: number): void {
    if (!Number.isInteger(keyGroup) || keyGroup < 0 || keyGroup >= this.numKeyGroups) {
      throw new InvalidArgumentError(`Key group index ${keyGroup} is outside [0, ${this.numKeyGroups}).`);
    }
  }

  /**
   * The id of the state instance serving `keyGroup`, null when the key group is not registered.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `keyGroup` is not in `[0, numKeyGroups)`
   */
  getKvStateID(keyGroup: number): KvStateID | null {
    this.#check(keyGroup);
    return this.#ids[keyGroup];
  }

  /**
   * The state server serving `keyGroup`, null when the key group is not registered.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `keyGroup` is not in `[0, numKeyGroups)`
   */
  getKvStateServerAddress(keyGroup: number): ServerAddress | null {
    this.#check(keyGroup);
    return this.#addresses[keyGroup];
  }

  /** Registers (or re-registers, overwriting) the state for every key group of `range`. */
  registerKvState(range: KeyGroupRange, kvStateId: KvStateID, address: ServerAddress): void {
    if (range.numberOfKeyGroups > 0) {
      this.#check(range.startKeyGroup);
      this.#check(range.endKeyGroup);
    }
    for (let kg = range.startKeyGroup; kg <= range.endKeyGroup; kg++) {
      if (this.#ids[kg] === null && this.#addresses[kg] === null) this.#registered++;
      this.#ids[kg] = kvStateId;
      this.#addresses[kg] = address;
    }
  }

  /** An independent copy (what a coordinator hands out: later registrations do not change it). */
  snapshot(): KvStateLocation {
    const copy = new KvStateLocation(this.jobId, this.jobVertexId, this.numKeyGroups, this.registrationName);
    for (let kg = 0; kg < this.numKeyGroups; kg++) {
      copy.#ids[kg] = this.#ids[kg];
      copy.#addresses[kg] = this.#addresses[kg];
    }
    copy.#registered = this.#registered;
    return copy;
  }

  /** Unregisters every key group of `range`; all must be registered. */
  unregisterKvState(range: KeyGroupRange): void {
    for (let kg = range.startKeyGroup; kg <= range.endKeyGroup; kg++) {
      this.#check(kg);
      if (this.#ids[kg] === null || this.#addresses[kg] === null) {
        throw new InvalidArgumentError("Not registered. Probably registration/unregistration race.");
      }
    }
    for (let kg = range.startKeyGroup; kg <= range.endKeyGroup; kg++) {
      this.#ids[kg] = null;
      this.#addresses[kg] = null;
      this.#registered--;
    }
  }
}
