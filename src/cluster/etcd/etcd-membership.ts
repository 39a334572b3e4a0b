/**
 * A task manager's membership in an etcd registry: its location entries are bound to its
 * lease (TTL `leaseTtlSeconds`), renewed every third of it; when a renewal finds the lease
 * gone (etcd answers without a TTL) or etcd was unreachable for longer than the TTL, it takes
 * a new lease and puts every entry again. Death = no renewals = entries gone after the TTL.
 */
import { type Clock, every, realClock } from "../../core/clock.ts";
import type { JobID, KvStateID } from "../../core/ids.ts";
import type { KeyGroupRange } from "../../core/key-groups.ts";
import { StateNameClashError } from "../../state/kv-state-location-registry.ts";
import type { ServerAddress } from "../../state/kv-state-location.ts";
import { type Membership, randomId } from "../membership.ts";
import { EtcdGateway } from "./etcd-gateway.ts";
import { type EtcdLocationEntry, entryKey, jobKey, stateDir } from "./etcd-locations.ts";

/** Options of {@link EtcdMembership}. */
export interface EtcdMembershipOptions {
  /** Key prefix of every entry this task manager writes. @default "/queryable-state/" */
  prefix?: string;
  /** TTL of the lease its entries are bound to: how long they outlive a dead task manager. @default 5 */
  leaseTtlSeconds?: number;
  /** Timeout of each etcd request. @default 3000 */
  timeoutMs?: number;
  /** Where lease losses and failed renewals are reported. @default console.warn */
  log?: (message: string) => void;
  /** Advanced: the time source of the lease renewals (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
}

/** Registers a task manager's jobs and state locations in etcd, bound to a renewed lease (no coordinator needed). */
export class EtcdMembership implements Membership {
  /** This task manager's id, written into each of its entries. */
  readonly id: string = randomId();
  /** The etcd client. */
  readonly etcd: EtcdGateway;
  /** Key prefix of every entry. */
  readonly prefix: string;
  readonly #ttl: number;
  readonly #log: (message: string) => void;
  readonly #entries = new Map<string, EtcdLocationEntry & { jobId: JobID; name: string }>();
  #lease = "0";
  readonly #clock: Clock;
  #stopRenewing: (() => void) | undefined;
  #renewing = false;
  #closed = false;

  /** Talks to the etcd at `url` (its HTTP/JSON gateway); nothing is sent before `start()`. */
  constructor(url: string, options: EtcdMembershipOptions = {}) {
    this.etcd = new EtcdGateway(url, { timeoutMs: options.timeoutMs });
    this.prefix = options.prefix ?? "/queryable-state/";
    this.#ttl = options.leaseTtlSeconds ?? 5;
    this.#log = options.log ?? ((m) => console.warn(m));
    this.#clock = options.clock ?? realClock;
  }

  /** The current lease id (a decimal string). */
  get lease(): string {
    return this.#lease;
  }

  /** Takes a lease (throws when etcd cannot be reached) and starts renewing it. */
  async start(): Promise<void> {
    this.#lease = await this.etcd.grantLease(this.#ttl);
    this.#stopRenewing = every(this.#clock, Math.max(200, (this.#ttl * 1000) / 3), () => void this.#renew());
  }

  async #renew(): Promise<void> {
    if (this.#renewing || this.#closed) return;
    this.#renewing = true;
    try {
      if (await this.etcd.keepAlive(this.#lease)) return;
      this.#log(`Task manager ${this.id}: etcd lease ${this.#lease} expired; taking a new one and registering everything again.`);
      this.#lease = await this.etcd.grantLease(this.#ttl);
      for (const [key, e] of this.#entries) await this.etcd.put(key, JSON.stringify(entryJson(e)), this.#lease);
    } catch (e) {
      this.#log(`Task manager ${this.id}: etcd lease renewal failed (${(e as Error).message}); retrying.`);
    } finally {
      this.#renewing = false;
    }
  }

  /** Records the job's vertices and their max parallelism, so readers know each operator's number of key groups. */
  async registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void> {
    await this.etcd.put(jobKey(this.prefix, jobId), JSON.stringify({ vertices: [...vertices] }));
  }

  /** Puts the entry under this lease. Another operator holding the name fails the job (read, then write). */
  async registerState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): Promise<void> {
    const { kvs } = await this.etcd.rangePrefix(stateDir(this.prefix, jobId, name));
    const other = kvs.map((kv) => JSON.parse(kv.value) as EtcdLocationEntry).find((e) => e.vertex !== vertex);
    if (other !== undefined) throw new StateNameClashError(name, other.vertex);
    const vertices = await this.etcd.get(jobKey(this.prefix, jobId));
    const numKeyGroups = (JSON.parse(vertices ?? '{"vertices":[]}').vertices as [string, number][]).find(([v]) => v === vertex)?.[1] ?? range.endKeyGroup + 1;
    const entry = { jobId, name, vertex, numKeyGroups, range: [range.startKeyGroup, range.endKeyGroup] as [number, number], kvStateId: kvStateId.toString(), address: [address.hostname, address.port] as [string, number], tm: this.id };
    const key = entryKey(this.prefix, jobId, name, range.startKeyGroup);
    this.#entries.set(key, entry);
    await this.etcd.put(key, JSON.stringify(entryJson(entry)), this.#lease);
  }

  /** Deletes the entry (best effort: its lease expires it anyway). */
  async unregisterState(jobId: JobID, _vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    const key = entryKey(this.prefix, jobId, name, range.startKeyGroup);
    this.#entries.delete(key);
    await this.etcd.delete(key).catch(() => {});
  }

  /** Nothing to do: the job's entries were deleted with its states. */
  forgetJob(_jobId: JobID): void {}

  /** Revokes the lease: every entry of this task manager goes at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopRenewing?.();
    await this.etcd.revokeLease(this.#lease).catch(() => {});
  }
}

function entryJson(e: EtcdLocationEntry): EtcdLocationEntry {
  return { vertex: e.vertex, numKeyGroups: e.numKeyGroups, range: e.range, kvStateId: e.kvStateId, address: e.address, tm: e.tm };
}
