/**
 * A task manager's membership in an etcd registry: its location entries are bound to its
 * lease (TTL `leaseTtlSeconds`), renewed every third of it, each renewal bounded by that third
 * and failing over between etcd's members; a failed renewal is retried at once (250 ms later),
 * so one dead or stopped member costs no lease. When a renewal finds the lease gone (etcd
 * answers without a TTL) it takes a new lease and puts every entry again. After each renewal it
 * reads its entries back and puts again any that someone deleted or overwrote (unless another
 * task manager's registration holds the key now). Death = no renewals = entries gone after the TTL.
 */
import { type Clock, realClock, type TimerHandle } from "../../core/clock.ts";
import type { JobID, KvStateID } from "../../core/ids.ts";
import type { KeyGroupRange } from "../../core/key-groups.ts";
import { StateNameClashError } from "../../state/kv-state-location-registry.ts";
import type { ServerAddress } from "../../state/kv-state-location.ts";
import { type Membership, randomId } from "../membership.ts";
import { EtcdGateway, type EtcdKeyValue, type EtcdOptions } from "./etcd-gateway.ts";
import { checkedEntry, type EtcdLocationEntry, entryKey, jobKey, signedEntryContent, signedJobContent, stateDir } from "./etcd-locations.ts";
import { EntrySigner } from "./entry-signing.ts";

/** Options of {@link EtcdMembership}: the key prefix, the lease, and the etcd client's options. */
export interface EtcdMembershipOptions extends EtcdOptions {
  /** Key prefix of every entry this task manager writes. @default "/queryable-state/" */
  prefix?: string;
  /** TTL of the lease its entries are bound to: how long they outlive a dead task manager. @default 5 */
  leaseTtlSeconds?: number;
  /** Where lease losses, failed renewals and restored entries are reported. @default console.warn */
  log?: (message: string) => void;
  /**
   * The deployment's shared secret: every entry is signed with it (HMAC-SHA-256 over key, lease and
   * content), so readers given the same token refuse entries written without it. @default none (unsigned)
   */
  token?: string;
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
  readonly #intervalMs: number;
  readonly #log: (message: string) => void;
  readonly #entries = new Map<string, EtcdLocationEntry & { jobId: JobID; name: string }>();
  readonly #vertices = new Map<string, ReadonlyMap<string, number>>();
  #lease = "0";
  readonly #clock: Clock;
  readonly #signer: EntrySigner | undefined;
  #timer: TimerHandle | undefined;
  #failing = false;
  #closed = false;

  /** Talks to the etcd members at `endpoints` (one URL, several separated by commas, or an array); nothing is sent before `start()`. */
  constructor(endpoints: string | readonly string[], options: EtcdMembershipOptions = {}) {
    this.etcd = new EtcdGateway(endpoints, options);
    this.prefix = options.prefix ?? "/queryable-state/";
    this.#ttl = options.leaseTtlSeconds ?? 5;
    this.#intervalMs = Math.max(200, (this.#ttl * 1000) / 3);
    this.#log = options.log ?? ((m) => console.warn(m));
    this.#clock = options.clock ?? realClock;
    this.#signer = options.token === undefined ? undefined : new EntrySigner(options.token);
  }

  /** The value put at `key` under `lease`: the entry, signed when there is a token. */
  async #value(key: string, e: EtcdLocationEntry, lease: string): Promise<string> {
    const json = entryJson(e);
    if (this.#signer !== undefined) json.sig = await this.#signer.sign(key, lease, signedEntryContent(json));
    return JSON.stringify(json);
  }

  /** The current lease id (a decimal string). */
  get lease(): string {
    return this.#lease;
  }

  /** Takes a lease (throws when etcd cannot be reached) and starts renewing it. */
  async start(): Promise<void> {
    this.#lease = await this.etcd.grantLease(this.#ttl);
    this.#schedule(this.#intervalMs);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = this.#clock.setTimeout(() => void this.#renew(), ms, { unref: true });
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    let next = this.#intervalMs;
    try {
      // Bounded by the renewal period: a renewal stuck on a stopped member is retried while the lease lives.
      if (!await this.etcd.keepAlive(this.#lease, { timeoutMs: this.#intervalMs })) {
        this.#log(`Task manager ${this.id}: etcd lease ${this.#lease} expired; taking a new one and registering everything again.`);
        this.#lease = await this.etcd.grantLease(this.#ttl);
      }
      await this.#reassert();
      if (this.#failing) this.#log(`Task manager ${this.id}: etcd lease ${this.#lease} renewed again.`);
      this.#failing = false;
    } catch (e) {
      if (!this.#failing) this.#log(`Task manager ${this.id}: etcd lease renewal failed (${(e as Error).message}); retrying every 250 ms.`);
      this.#failing = true;
      next = Math.min(250, this.#intervalMs);
    } finally {
      this.#schedule(next);
    }
  }

  /**
   * Reads this task manager's entries back and puts each one that is missing, bound to another lease, or
   * changed — unless the key now holds another task manager's registration (a replacement took the range over).
   */
  async #reassert(): Promise<void> {
    const byJob = new Map<string, string[]>();
    for (const [key, e] of this.#entries) {
      const jobKeys = byJob.get(e.jobId.toString()) ?? [];
      jobKeys.push(key);
      byJob.set(e.jobId.toString(), jobKeys);
    }
    for (const [job, keys] of byJob) {
      const { kvs } = await this.etcd.rangePrefix(`${this.prefix}loc/${job}/`);
      const current = new Map(kvs.map((kv) => [kv.key, kv]));
      for (const key of keys) {
        const mine = this.#entries.get(key);
        if (mine === undefined || this.#closed) continue;
        const lease = this.#lease;
        const value = await this.#value(key, mine, lease);
        const kv = current.get(key);
        if (kv !== undefined && kv.value === value && kv.lease === lease) continue;
        if (kv !== undefined && await this.#heldByAnother(kv)) continue;
        if (kv !== undefined) this.#log(`Task manager ${this.id}: its etcd entry ${key} was overwritten (lease ${kv.lease}) by a writer without the deployment's token; putting it back.`);
        await this.etcd.put(key, value, lease);
      }
    }
  }

  /**
   * Whether `kv` is another task manager's registration (then it is left alone): well-formed, of another
   * task manager, and — with a token — signed by the deployment for that key and lease.
   */
  async #heldByAnother(kv: EtcdKeyValue): Promise<boolean> {
    const e = await checkedEntry(kv, this.#signer === undefined ? undefined : { signer: this.#signer, onRejected: () => {} });
    return e !== undefined && e.tm !== this.id;
  }

  /** Records the job's vertices and their max parallelism, so readers know each operator's number of key groups. */
  async registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void> {
    this.#vertices.set(jobId.toString(), vertices);
    const key = jobKey(this.prefix, jobId);
    const json: { vertices: [string, number][]; sig?: string } = { vertices: [...vertices] };
    if (this.#signer !== undefined) json.sig = await this.#signer.sign(key, "0", signedJobContent(json.vertices));
    await this.etcd.put(key, JSON.stringify(json));
  }

  /** Puts the entry under this lease. Another operator holding the name fails the job (read, then write). */
  async registerState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): Promise<void> {
    const { kvs } = await this.etcd.rangePrefix(stateDir(this.prefix, jobId, name));
    const check = this.#signer === undefined ? undefined : { signer: this.#signer, onRejected: () => {} };
    const other = (await Promise.all(kvs.map((kv) => checkedEntry(kv, check)))).find((e) => e !== undefined && e.vertex !== vertex);
    if (other !== undefined) throw new StateNameClashError(name, other.vertex);
    let numKeyGroups = this.#vertices.get(jobId.toString())?.get(vertex);
    if (numKeyGroups === undefined) {
      const vertices = await this.etcd.get(jobKey(this.prefix, jobId));
      numKeyGroups = (JSON.parse(vertices ?? '{"vertices":[]}').vertices as [string, number][]).find(([v]) => v === vertex)?.[1] ?? range.endKeyGroup + 1;
    }
    const entry = { jobId, name, vertex, numKeyGroups, range: [range.startKeyGroup, range.endKeyGroup] as [number, number], kvStateId: kvStateId.toString(), address: [address.hostname, address.port] as [string, number], tm: this.id };
    const key = entryKey(this.prefix, jobId, name, range.startKeyGroup);
    this.#entries.set(key, entry);
    const lease = this.#lease;
    await this.etcd.put(key, await this.#value(key, entry, lease), lease);
  }

  /** Deletes the entry (best effort: its lease expires it anyway). */
  async unregisterState(jobId: JobID, _vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    const key = entryKey(this.prefix, jobId, name, range.startKeyGroup);
    this.#entries.delete(key);
    await this.etcd.delete(key).catch(() => {});
  }

  /** Nothing to do: the job's entries were deleted with its states. */
  forgetJob(jobId: JobID): void {
    this.#vertices.delete(jobId.toString());
  }

  /** Revokes the lease: every entry of this task manager goes at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimeout(this.#timer);
    await this.etcd.revokeLease(this.#lease).catch(() => {});
  }
}

function entryJson(e: EtcdLocationEntry): EtcdLocationEntry {
  return { vertex: e.vertex, numKeyGroups: e.numKeyGroups, range: e.range, kvStateId: e.kvStateId, address: e.address, tm: e.tm };
}
