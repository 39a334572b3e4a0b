/**
 * A task manager's membership in a networked coordinator: it remembers every job and state it
 * registered, heartbeats, and registers all of it again when the coordinator answers that it
 * does not know this task manager (it restarted, or expired us during a pause) — as Flink's
 * task managers do with a new leader, without user code.
 */
import { type Clock, every, realClock, sleep } from "../core/clock.ts";
import { ConnectError, ConnectionClosedError, RequestTimeoutError, ServerFailureError } from "../net/errors.ts";
import { formatHostPort } from "../transport/address.ts";
import { CoordinatorUnavailableError } from "./coordinator-errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import { toHex } from "../core/hex.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import type { ServerAddress } from "../state/kv-state-location.ts";
import type { CoordinatorClient } from "./coordinator-client.ts";

interface StateEntry {
  readonly jobId: JobID;
  readonly vertex: string;
  readonly range: KeyGroupRange;
  readonly name: string;
  readonly kvStateId: KvStateID;
  readonly address: ServerAddress;
}

/** How a task manager in its own process makes its locations known (a coordinator, or etcd). */
export interface Membership {
  /** This task manager's id in the registry (random per membership). */
  readonly id: string;
  /** Makes first contact and starts heartbeating (or renewing a lease); rejects when the registry cannot be reached. */
  start(): Promise<void>;
  /** Makes the job known (vertex id → max parallelism), and again after a registry restart. */
  registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Publishes that this task manager serves the key groups `range` of state `name` under `kvStateId` at
   * `address`, and keeps it published (again after a registry restart or lease loss). Rejects, without
   * remembering it, when another operator holds the name (`STATE_NAME_CLASH`) or the registry cannot be reached.
   */
  registerState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): Promise<void>;
  /** Withdraws a registration made by {@link registerState} (best effort: an unreachable registry expires it anyway). */
  unregisterState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string): Promise<void>;
  /** Forgets the job locally (its states were unregistered), so it is not registered again. */
  forgetJob(jobId: JobID): void;
  /** Stops heartbeating and withdraws every registration at once. */
  leave(): Promise<void>;
}

export interface MembershipOptions {
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** Where lost and regained contact is reported. @default console.warn */
  log?: (message: string) => void;
  /**
   * How long {@link Membership.start} keeps trying to reach a coordinator that does not answer (not started
   * yet, restarting), with back-off, before it fails with CoordinatorUnavailableError. @default 60000
   */
  joinTimeoutMs?: number;
  /** Advanced: the time source of the heartbeats (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
}

/** First pause between tries to reach the coordinator at start; it doubles up to {@link MAX_JOIN_DELAY_MS}. */
const FIRST_JOIN_DELAY_MS = 100;
const MAX_JOIN_DELAY_MS = 2000;

/** The coordinator could not be reached, or did not answer: worth trying again. */
function unreachable(e: unknown): boolean {
  return e instanceof ConnectError || e instanceof ConnectionClosedError || e instanceof RequestTimeoutError ||
    e instanceof ServerFailureError;
}

export function randomId(): string {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return toHex(b);
}

export class CoordinatorMembership implements Membership {
  /** This task manager's id at the coordinator. */
  readonly id = randomId();
  readonly client: CoordinatorClient;
  readonly #jobs = new Map<string, { jobId: JobID; vertices: ReadonlyMap<string, number> }>();
  readonly #states = new Map<string, StateEntry>();
  readonly #intervalMs: number;
  readonly #log: (message: string) => void;
  readonly #clock: Clock;
  readonly #joinTimeoutMs: number;
  #stopBeating: (() => void) | undefined;
  #beating = false;
  #lost = false;
  #closed = false;
  #joined = false;

  constructor(client: CoordinatorClient, options: MembershipOptions = {}) {
    this.client = client;
    this.#intervalMs = options.heartbeatIntervalMs ?? 1000;
    this.#log = options.log ?? ((m) => console.warn(m));
    this.#clock = options.clock ?? realClock;
    this.#joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
  }

  /**
   * First contact, then heartbeats. A coordinator that cannot be reached is tried again with back-off
   * (100 ms doubling to 2 s) for `joinTimeoutMs`, then CoordinatorUnavailableError; a refusal (a wrong
   * token) fails at once.
   */
  async start(): Promise<void> {
    const clock = this.#clock;
    const started = clock.now();
    for (let delay = FIRST_JOIN_DELAY_MS;; delay = Math.min(delay * 2, MAX_JOIN_DELAY_MS)) {
      try {
        await this.client.heartbeat(this.id);
        break;
      } catch (e) {
        if (!unreachable(e) || this.#closed) throw e;
        const waited = clock.now() - started;
        const left = this.#joinTimeoutMs - waited;
        if (left <= 0) throw new CoordinatorUnavailableError(this.client.addresses.map(formatHostPort).join(","), waited, e);
        if (!this.#lost) {
          this.#log(`Task manager ${this.id}: coordinator ${this.#label()} not reachable (${(e as Error).message}); retrying for up to ${this.#joinTimeoutMs} ms.`);
        }
        this.#lost = true;
        await sleep(clock, Math.min(delay, left));
      }
    }
    if (this.#lost) this.#log(`Task manager ${this.id}: coordinator ${this.#label()} reached.`);
    this.#lost = false;
    this.#joined = true;
    this.#stopBeating = every(this.#clock, this.#intervalMs, () => void this.#beat());
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    this.#beating = true;
    try {
      const known = await this.client.heartbeat(this.id);
      if (!known) await this.#registerAll();
      if (this.#lost) this.#log(`Task manager ${this.id}: coordinator ${this.#label()} reachable again${known ? "" : "; registered everything again"}.`);
      this.#lost = false;
    } catch (e) {
      if (!this.#lost) this.#log(`Task manager ${this.id}: heartbeat to coordinator ${this.#label()} failed (${(e as Error).message}); retrying every ${this.#intervalMs} ms.`);
      this.#lost = true;
    } finally {
      this.#beating = false;
    }
  }

  #label(): string {
    return `${this.client.address.hostname}:${this.client.address.port}`;
  }

  async #registerAll(): Promise<void> {
    for (const j of this.#jobs.values()) await this.client.registerJob(this.id, j.jobId, j.vertices);
    for (const s of this.#states.values()) {
      await this.client.registerState(this.id, s.jobId, s.vertex, s.range, s.name, s.kvStateId, s.address);
    }
  }

  async registerJob(jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void> {
    this.#jobs.set(jobId.toString(), { jobId, vertices });
    await this.client.registerJob(this.id, jobId, vertices);
  }

  /** Registers a state; rejects (e.g. a name clash) without remembering it. */
  async registerState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): Promise<void> {
    const key = `${jobId}/${vertex}/${name}/${range.startKeyGroup}`;
    this.#states.set(key, { jobId, vertex, range, name, kvStateId, address });
    try {
      await this.client.registerState(this.id, jobId, vertex, range, name, kvStateId, address);
    } catch (e) {
      if (this.#states.get(key)?.kvStateId === kvStateId) this.#states.delete(key);
      throw e;
    }
  }

  /** Forgets a state and tells the coordinator (best effort: an unreachable one expires it anyway). */
  async unregisterState(jobId: JobID, vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    this.#states.delete(`${jobId}/${vertex}/${name}/${range.startKeyGroup}`);
    await this.client.unregisterState(this.id, jobId, vertex, range, name).catch(() => {});
  }

  /** Forgets a job's registrations here (its states were unregistered). */
  forgetJob(jobId: JobID): void {
    this.#jobs.delete(jobId.toString());
  }

  /** Stops heartbeating and leaves: the coordinator drops every registration at once. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopBeating?.();
    if (this.#joined) await this.client.leave(this.id).catch(() => {});
    await this.client.close();
  }
}
