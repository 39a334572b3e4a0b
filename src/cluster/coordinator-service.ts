/**
 * The coordinator as a network service: task managers in other processes register and
 * unregister locations and heartbeat; proxies look locations up. A task manager that stops
 * heartbeating for `heartbeatTimeoutMs` (or leaves) loses every registration it made.
 * A restarted service knows nothing; task managers notice (`known: false` in the heartbeat
 * answer) and register all they serve again. Until they can have done so (the registration grace
 * period), a lookup it cannot answer fully is "not ready, retry" rather than "unknown job".
 */
import { positiveNumber } from "../core/checks.ts";
import { type Clock, every, realClock } from "../core/clock.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { secretEquals } from "../core/secrets.ts";
import { JobID, KvStateID } from "../core/ids.ts";
import { KeyGroupRange } from "../core/key-groups.ts";
import { ServerBase, type ServerOptions } from "../net/server-base.ts";
import type { Endpoint } from "../transport/transport.ts";
import {
  COORDINATOR_PROTOCOL_VERSION,
  CoordinatorOp,
  CoordinatorRequest,
  CoordinatorResponse,
} from "../protocol/coordinator-messages.ts";
import { type KvStateLocationOracle, LocationNotReadyError } from "../proxy/location-oracle.ts";
import { UnknownJobError, UnknownStateNameError } from "../protocol/remote-errors.ts";
import type { Coordinator } from "./coordinator.ts";
import { CoordinatorUnauthorizedError, wireFailure } from "./coordinator-errors.ts";
import { locationToJson } from "./location-json.ts";

/** The name the coordinator service uses in its failure messages and diagnostics. */
export const COORDINATOR_SERVER_NAME = "Queryable State Coordinator";

/**
 * Options of {@link Coordinator.serve} / {@link CoordinatorService}: a server's options (host, port,
 * TLS, limits) except the protocol version, which is the coordinator's own message family.
 */
export interface CoordinatorServiceOptions extends Omit<ServerOptions, "protocolVersion"> {
  /** Shared secret every registration must carry; lookups stay open. @default none */
  token?: string;
  /** A task manager silent this long loses its registrations. @default 10000 */
  heartbeatTimeoutMs?: number;
  /**
   * For this long after the service starts, a lookup of a job or state it does not know fails with
   * LocationNotReadyError (`LOCATION_NOT_READY`: proxies retry it within their deadline) instead of
   * UNKNOWN_JOB / UNKNOWN_STATE_NAME: after a restart, task managers register again on their next
   * heartbeat. (A state whose key groups are partly registered is answered as it is: its other keys can be
   * served, and a proxy looks again for a key group without a server.) `0` turns it off. Not used with
   * `locations` (an etcd registry keeps its entries). @default heartbeatTimeoutMs (every live task manager heartbeats within it)
   */
  registrationGraceMs?: number;
  /**
   * Serve lookups from this oracle instead (e.g. {@link EtcdLocations}: any number of
   * coordinators read one etcd; task managers then register in etcd, not here).
   */
  locations?: KvStateLocationOracle;
  /**
   * Close `locations` (when it has a `close()`, as {@link EtcdLocations} has) after the service closes:
   * for a registry made only for this service. @default false
   */
  closeLocations?: boolean;
  /** Where refused registrations and expiries are reported. @default console.warn */
  log?: (message: string) => void;
}

interface Registration {
  readonly jobId: JobID;
  readonly vertex: string;
  readonly range: KeyGroupRange;
  readonly name: string;
  readonly kvStateId: KvStateID;
}

interface Member {
  lastSeen: number;
  readonly registrations: Map<string, Registration>;
}

/**
 * A {@link Coordinator} served over the network, for task managers ({@link TaskManager.join}) and
 * proxies in other processes; usually started by {@link Coordinator.serve}.
 *
 * @example
 * ```ts
 * import { Coordinator, TaskManager } from "queryable-state";
 *
 * await using service = await Coordinator.serve({ port: 0, token: "s3cret" });
 * const { hostname, port } = service.address!;
 * await using tm = await TaskManager.join({ coordinator: `${hostname}:${port}`, token: "s3cret" });
 * console.log(service.taskManagers.length); // 1
 * ```
 */
export class CoordinatorService implements AsyncDisposable {
  /** The registry it serves (lookups, and registrations unless `locations` is set). */
  readonly coordinator: Coordinator;
  readonly #server: ServerBase<CoordinatorRequest>;
  readonly #token: string | undefined;
  readonly #locations: KvStateLocationOracle | undefined;
  readonly #timeoutMs: number;
  readonly #log: (message: string) => void;
  readonly #members = new Map<string, Member>();
  readonly #failed = new Map<string, string>();
  readonly #clock: Clock;
  readonly #graceMs: number;
  /** When the registration grace period ends (set by start()). */
  #graceUntil = -Infinity;
  #stopExpiry: (() => void) | undefined;

  /**
   * A service for `coordinator`; nothing is bound before {@link start}.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `heartbeatTimeoutMs` is not positive,
   *   `registrationGraceMs` is negative, or for invalid server options (see {@link ServerBase})
   */
  constructor(coordinator: Coordinator, options: CoordinatorServiceOptions = {}) {
    this.coordinator = coordinator;
    this.#token = options.token;
    this.#locations = options.locations;
    this.#closeLocations = options.closeLocations === true;
    this.#timeoutMs = positiveNumber("heartbeatTimeoutMs", options.heartbeatTimeoutMs ?? 10_000, "milliseconds");
    const grace = options.registrationGraceMs ?? this.#timeoutMs;
    this.#graceMs = grace === 0 ? 0 : positiveNumber("registrationGraceMs", grace, "milliseconds (0: none)");
    this.#log = options.log ?? ((m) => console.warn(m));
    this.#clock = options.clock ?? realClock;
    this.#server = new ServerBase(COORDINATOR_SERVER_NAME, {
      decode: CoordinatorRequest.decode,
      handle: (_id, request) => {
        const failure = (e: unknown) => {
          const { code, message } = wireFailure(e);
          return CoordinatorResponse.failure(code, message);
        };
        try {
          if (request.op === CoordinatorOp.LIST) {
            const jobId = request.args.jobId === undefined ? undefined : JobID.fromHex(str(request.args.jobId, "jobId"));
            const registry = this.#locations ?? this.coordinator;
            if (registry.listStates === undefined) throw new InvalidArgumentError("This coordinator's location registry cannot list its states.");
            return registry.listStates(jobId).then((jobs) => new CoordinatorResponse(true, { jobs }), failure);
          }
          if (request.op === CoordinatorOp.LOOKUP && this.#locations !== undefined) {
            const jobId = JobID.fromHex(str(request.args.jobId, "jobId"));
            return this.#locations.requestKvStateLocation(jobId, str(request.args.name, "name"), { refresh: request.args.refresh === true })
              .then((l) => new CoordinatorResponse(true, { ...locationToJson(l) }), failure);
          }
          return new CoordinatorResponse(true, this.#handle(request));
        } catch (e) {
          return failure(e);
        }
      },
    }, { ...options, protocolVersion: COORDINATOR_PROTOCOL_VERSION });
  }

  /**
   * Binds (the first free port of `port`) and starts serving and expiring silent task managers;
   * resolves with the bound address.
   * @throws ServerStartError (`SERVER_START_FAILED`) when no port could be bound, or on a second call
   */
  async start(): Promise<Endpoint> {
    const address = await this.#server.start();
    if (this.#locations === undefined && this.#graceMs > 0) this.#graceUntil = this.#clock.now() + this.#graceMs;
    this.#stopExpiry = every(this.#clock, Math.max(10, Math.min(1000, this.#timeoutMs / 4)), () => this.#expire());
    return address;
  }

  /** The bound address, once started. */
  get address(): Endpoint | undefined {
    return this.#server.address;
  }

  /** Task managers currently registered (heartbeating). */
  get taskManagers(): string[] {
    return [...this.#members.keys()];
  }

  #handle(request: CoordinatorRequest): Record<string, unknown> {
    const a = request.args;
    if (request.op === CoordinatorOp.LOOKUP) {
      const jobId = JobID.fromHex(str(a.jobId, "jobId"));
      const failure = this.#failed.get(jobId.toString());
      if (failure !== undefined) throw new InvalidArgumentError(`Job ${jobId} failed: ${failure}`);
      const name = str(a.name, "name");
      let location;
      try {
        location = this.coordinator.getKvStateLocation(jobId, name);
      } catch (e) {
        if ((e instanceof UnknownJobError || e instanceof UnknownStateNameError) && this.#inGrace()) {
          throw this.#notReady(`${e instanceof UnknownJobError ? "job" : "state"} not registered yet`, jobId, name);
        }
        throw e;
      }
      return { ...locationToJson(location) };
    }
    if (this.#token !== undefined && !secretEquals(a.token, this.#token)) {
      this.#log(`${COORDINATOR_SERVER_NAME}: refused operation ${request.op} from task manager ${String(a.tm)}: missing or wrong token.`);
      throw new CoordinatorUnauthorizedError();
    }
    switch (request.op) {
      case CoordinatorOp.HEARTBEAT: {
        const tm = str(a.tm, "tm");
        const member = this.#members.get(tm);
        if (member !== undefined) member.lastSeen = this.#clock.now();
        else this.#member(tm);
        return { known: member !== undefined };
      }
      case CoordinatorOp.REGISTER_JOB: {
        if (a.tm !== undefined) this.#member(str(a.tm, "tm"));
        const jobId = JobID.fromHex(str(a.jobId, "jobId"));
        const failure = this.#failed.get(jobId.toString());
        if (failure !== undefined) throw new InvalidArgumentError(`Job ${jobId} failed and cannot be registered again: ${failure}`);
        const vertices = a.vertices as [string, number][];
        if (!Array.isArray(vertices)) throw new InvalidArgumentError("registerJob needs vertices: [[vertexId, maxParallelism]].");
        this.coordinator.registerJob(jobId, new Map(vertices), (e) => this.#failJob(jobId, e));
        return {};
      }
      case CoordinatorOp.UNREGISTER_JOB: {
        const jobId = JobID.fromHex(str(a.jobId, "jobId"));
        this.coordinator.unregisterJob(jobId);
        this.#failed.delete(jobId.toString());
        for (const m of this.#members.values()) {
          for (const [k, r] of m.registrations) if (r.jobId.equals(jobId)) m.registrations.delete(k);
        }
        return {};
      }
      case CoordinatorOp.REGISTER_STATE: {
        const member = this.#member(str(a.tm, "tm"));
        const r = registration(a);
        const [hostname, port] = a.address as [string, number];
        this.coordinator.notifyKvStateRegistered(r.jobId, r.vertex, r.range, r.name, r.kvStateId, { hostname, port });
        member.registrations.set(registrationKey(r), r);
        return {};
      }
      case CoordinatorOp.UNREGISTER_STATE: {
        const member = this.#member(str(a.tm, "tm"));
        const r = registration(a);
        const mine = member.registrations.get(registrationKey(r));
        if (mine !== undefined) {
          member.registrations.delete(registrationKey(r));
          this.coordinator.notifyKvStateUnregistered(mine.jobId, mine.vertex, mine.range, mine.name, mine.kvStateId);
        }
        return {};
      }
      case CoordinatorOp.LEAVE:
        this.#drop(str(a.tm, "tm"), "left");
        return {};
      default:
        throw new InvalidArgumentError(`Unknown coordinator operation ${request.op}.`);
    }
  }

  #inGrace(): boolean {
    return this.#clock.now() < this.#graceUntil;
  }

  #notReady(what: string, jobId: JobID, name: string): LocationNotReadyError {
    const left = Math.max(0, Math.ceil(this.#graceUntil - this.#clock.now()));
    return new LocationNotReadyError(
      `State '${name}' of job ${jobId} is not ready: ${what}. The coordinator started moments ago and task managers ` +
        `are registering again (registration grace period: ${left} ms left). Retry shortly.`,
    );
  }

  #member(tm: string): Member {
    let m = this.#members.get(tm);
    if (m === undefined) {
      m = { lastSeen: this.#clock.now(), registrations: new Map() };
      this.#members.set(tm, m);
    }
    m.lastSeen = this.#clock.now();
    return m;
  }

  #drop(tm: string, why: string): void {
    const m = this.#members.get(tm);
    if (m === undefined) return;
    this.#members.delete(tm);
    for (const r of m.registrations.values()) {
      try {
        this.coordinator.notifyKvStateUnregistered(r.jobId, r.vertex, r.range, r.name, r.kvStateId);
      } catch {
        // Already gone (job removed or range re-registered).
      }
    }
    if (why !== "left") this.#log(`${COORDINATOR_SERVER_NAME}: task manager ${tm} ${why}; dropped its ${m.registrations.size} registration(s).`);
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const [tm, m] of this.#members) {
      if (now - m.lastSeen > this.#timeoutMs) this.#drop(tm, `sent no heartbeat for ${this.#timeoutMs} ms`);
    }
  }

  #failJob(jobId: JobID, e: Error): void {
    this.#failed.set(jobId.toString(), e.message);
    this.coordinator.unregisterJob(jobId);
  }

  readonly #closeLocations: boolean;
  #locationsClosed = false;

  /**
   * Stops serving: lets in-flight requests finish (up to `timeoutMs`, default the server's
   * `shutdownTimeoutMs`), closes the connections, then what {@link Coordinator.serve} started with it
   * (an etcd reader). Registrations are not kept: a restarted service starts empty.
   */
  async close(options?: { timeoutMs?: number }): Promise<void> {
    this.#stopExpiry?.();
    await this.#server.close(options);
    const closable = this.#locations as { close?: () => Promise<void> } | undefined;
    if (this.#closeLocations && !this.#locationsClosed && typeof closable?.close === "function") {
      this.#locationsClosed = true;
      await closable.close();
    }
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function str(v: unknown, what: string): string {
  if (typeof v !== "string" || v === "") throw new InvalidArgumentError(`The request needs ${what} (a non-empty string).`);
  return v;
}

function registration(a: Record<string, unknown>): Registration {
  const range = a.range as [number, number];
  if (!Array.isArray(range) || range.length !== 2) throw new InvalidArgumentError("The request needs range: [start, end].");
  return {
    jobId: JobID.fromHex(str(a.jobId, "jobId")),
    vertex: str(a.vertex, "vertex"),
    range: new KeyGroupRange(range[0], range[1]),
    name: str(a.name, "name"),
    kvStateId: KvStateID.fromHex(typeof a.kvStateId === "string" ? a.kvStateId : "0".repeat(32)),
  };
}

function registrationKey(r: Registration): string {
  return `${r.jobId}/${r.vertex}/${r.name}/${r.range.startKeyGroup}`;
}
