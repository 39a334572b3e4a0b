/**
 * A task manager's membership in an etcd registry: its location entries are bound to its
 * lease (TTL `leaseTtlSeconds`), renewed every third of it; when a renewal finds the lease
 * gone (etcd answers without a TTL) or etcd was unreachable for longer than the TTL, it takes
 * a new lease and puts every entry again. Death = no renewals = entries gone after the TTL.
 */
import type { JobID, KvStateID } from "../../core/ids.ts";
import type { KeyGroupRange } from "../../core/key-groups.ts";
import { StateNameClashError } from "../../state/kv-state-location-registry.ts";
import type { ServerAddress } from "../../state/kv-state-location.ts";
import { type Membership, randomId } from "../membership.ts";
import { EtcdGateway } from "./etcd-gateway.ts";
import { type EtcdLocationEntry, entryKey, jobKey, stateDir } from "./etcd-locations.ts";

export interface EtcdMembershipOptions {
  /** @default "/queryable-state/" */
  prefix?: string;
  /** @default 5 */
  leaseTtlSeconds?: number;
  /** @default 3000 */
  timeoutMs?: number;
  /** @default console.warn */
  log?: (message: string) => void;
}

export class EtcdMembership implements Membership {
  readonly id: string = randomId();
  readonly etcd: EtcdGateway;
  readonly prefix: string;
  readonly #ttl: number;
  readonly #log: (message: string) => void;
  readonly #entries = new Map<string, EtcdLocationEntry & { jobId: JobID; name: string }>();
  #lease = "0";
  #timer: ReturnType<typeof setInterval> | undefined;
  #renewing = false;
  #closed = false;

  constructor(url: string, options: EtcdMembershipOptions = {}) {
    this.etcd = new EtcdGateway(url, { timeoutMs: options.timeoutMs });
    this.prefix = options.prefix ?? "/queryable-state/";
    this.#ttl = options.leaseTtlSeconds ?? 5;
    this.#log = options.log ?? ((m) => console.warn(m));
  }

  /** The current lease id (a decimal string). */
  get lease(): string {
    return this.#lease;
  }

  async start(): Promise<void> {
    this.#lease = await this.etcd.grantLease(this.#ttl);
    this.#timer = setInterval(() => void this.#renew(), Math.max(200, (this.#ttl * 1000) / 3));
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

  async unregisterState(jobId: JobID, _vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    const key = entryKey(this.prefix, jobId, name, range.startKeyGroup);
    this.#entries.delete(key);
    await this.etcd.delete(key).catch(() => {});
  }

  forgetJob(_jobId: JobID): void {}

  /** Revokes the lease: every entry of this task manager goes at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.etcd.revokeLease(this.#lease).catch(() => {});
  }
}

function entryJson(e: EtcdLocationEntry): EtcdLocationEntry {
  return { vertex: e.vertex, numKeyGroups: e.numKeyGroups, range: e.range, kvStateId: e.kvStateId, address: e.address, tm: e.tm };
}
