/**
 * Talks to a networked coordinator: what a task manager in another process registers, and
 * the location oracle its proxy looks locations up with.
 */
import type { JobID, KvStateID } from "../core/ids.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import { Client } from "../net/client.ts";
import { ConnectError, ConnectionClosedError } from "../net/errors.ts";
import type { ClientTlsOptions, Endpoint, Transport } from "../transport/transport.ts";
import {
  COORDINATOR_PROTOCOL_VERSION,
  type CoordinatorOp,
  CoordinatorOp as Op,
  CoordinatorRequest,
  CoordinatorResponse,
} from "../protocol/coordinator-messages.ts";
import type { KvStateLocationOracle, StateListing } from "../proxy/location-oracle.ts";
import { InvalidFrameError } from "../protocol/errors.ts";
import type { KvStateLocation, ServerAddress } from "../state/kv-state-location.ts";
import { errorFromWire } from "./coordinator-errors.ts";
import { locationFromJson } from "./location-json.ts";

/** Options of {@link CoordinatorClient}. */
export interface CoordinatorClientOptions {
  /** The socket layer. @default the runtime's transport */
  transport?: Transport;
  /** Connect with TLS; unset = plaintext. */
  tls?: ClientTlsOptions;
  /** Shared secret for registrations. */
  token?: string;
  /** Each call fails after this long. @default 5000 */
  requestTimeoutMs?: number;
  /** Connecting to a coordinator fails after this long. @default 5000 */
  connectTimeoutMs?: number;
}

/**
 * A client of one or more networked coordinators (`CoordinatorService`): task managers
 * register with it, and a proxy uses it as its location oracle (as Flink's proxy asks the JobManager).
 *
 * @example
 * ```ts
 * import { CoordinatorClient, type JobID } from "queryable-state";
 * // Given a job whose task managers joined the coordinator:
 * async function lookUp(jobId: JobID) {
 *   await using coordinator = new CoordinatorClient({ hostname: "127.0.0.1", port: 6124 }, { token: "s3cret" });
 *   const location = await coordinator.requestKvStateLocation(jobId, "count-query");
 *   console.log(location.numRegisteredKeyGroups === location.numKeyGroups); // true once every subtask registered
 * }
 * ```
 */
export class CoordinatorClient implements KvStateLocationOracle, AsyncDisposable {
  /** The first coordinator address (lookups and registrations fail over to the others). */
  readonly address: Endpoint;
  /** Every coordinator address, tried in turn when one cannot be reached. */
  readonly addresses: readonly Endpoint[];
  #preferred = 0;
  readonly #client: Client<CoordinatorRequest, CoordinatorResponse>;
  readonly #token: string | undefined;

  /** Talks to the coordinator(s) at `address`; connects on the first call. */
  constructor(address: Endpoint | readonly Endpoint[], options: CoordinatorClientOptions = {}) {
    this.addresses = Array.isArray(address) ? address : [address as Endpoint];
    this.address = this.addresses[0];
    this.#token = options.token;
    this.#client = new Client("Queryable State Coordinator Client", CoordinatorResponse.decode, {
      transport: options.transport,
      tls: options.tls,
      protocolVersion: COORDINATOR_PROTOCOL_VERSION,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    });
  }

  async #call(op: CoordinatorOp, args: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const withToken = op === Op.LOOKUP || this.#token === undefined ? args : { ...args, token: this.#token };
    const request = new CoordinatorRequest(op, withToken);
    let res: CoordinatorResponse | undefined;
    let lastError: unknown;
    // Several coordinators (e.g. all reading one etcd): a connection failure tries the next.
    for (let i = 0; i < this.addresses.length && res === undefined; i++) {
      const index = (this.#preferred + i) % this.addresses.length;
      try {
        res = await this.#client.sendRequest(this.addresses[index], request, { signal });
        this.#preferred = index;
      } catch (e) {
        if (!(e instanceof ConnectError || e instanceof ConnectionClosedError)) throw e;
        lastError = e;
      }
    }
    if (res === undefined) throw lastError;
    if (!res.ok) throw errorFromWire(String(res.value.code), String(res.value.message));
    return res.value;
  }

  /** Resolves with whether the coordinator knew this task manager (false: register everything again). */
  async heartbeat(tm: string): Promise<boolean> {
    return (await this.#call(Op.HEARTBEAT, { tm })).known === true;
  }

  /** Registers a job of task manager `tm`, with each vertex's max parallelism (its number of key groups). */
  async registerJob(tm: string, jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void> {
    await this.#call(Op.REGISTER_JOB, { tm, jobId: jobId.toString(), vertices: [...vertices] });
  }

  /** Drops a job and every location registered for it. */
  async unregisterJob(jobId: JobID): Promise<void> {
    await this.#call(Op.UNREGISTER_JOB, { jobId: jobId.toString() });
  }

  /**
   * Registers where task manager `tm` serves key groups `range` of state `name` (Flink's
   * `notifyKvStateRegistered`); rejects, e.g. with `RemoteStateNameClashError`, when the coordinator refuses.
   */
  async registerState(tm: string, jobId: JobID, vertex: string, range: KeyGroupRange, name: string, kvStateId: KvStateID, address: ServerAddress): Promise<void> {
    await this.#call(Op.REGISTER_STATE, {
      tm,
      jobId: jobId.toString(),
      vertex,
      range: [range.startKeyGroup, range.endKeyGroup],
      name,
      kvStateId: kvStateId.toString(),
      address: [address.hostname, address.port],
    });
  }

  /** Removes a registration made with `registerState` (Flink's `notifyKvStateUnregistered`). */
  async unregisterState(tm: string, jobId: JobID, vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    await this.#call(Op.UNREGISTER_STATE, { tm, jobId: jobId.toString(), vertex, range: [range.startKeyGroup, range.endKeyGroup], name });
  }

  /** The task manager leaves: the coordinator drops all its registrations at once. */
  async leave(tm: string): Promise<void> {
    await this.#call(Op.LEAVE, { tm });
  }

  /**
   * Looks up where every key group of state `name` of job `jobId` is served; `options.refresh` asks a
   * coordinator serving from etcd to read etcd again (the caller's query on its location failed).
   */
  async requestKvStateLocation(jobId: JobID, name: string, options: { signal?: AbortSignal; refresh?: boolean } = {}): Promise<KvStateLocation> {
    const json = await this.#call(Op.LOOKUP, { jobId: jobId.toString(), name, ...(options.refresh ? { refresh: true } : {}) }, options.signal);
    return locationFromJson(jobId, name, json);
  }

  /**
   * The jobs the coordinator knows (or only `jobId`) and the queryable states registered for each.
   * @throws UnknownJobError (`UNKNOWN_JOB`) when `jobId` is given and not known
   */
  async listStates(jobId?: JobID, options: { signal?: AbortSignal } = {}): Promise<StateListing[]> {
    const json = await this.#call(Op.LIST, jobId === undefined ? {} : { jobId: jobId.toString() }, options.signal);
    if (!Array.isArray(json.jobs)) throw new InvalidFrameError("The coordinator's state listing has no jobs array.", false);
    return json.jobs as StateListing[];
  }

  /** Closes the connections to the coordinators. */
  close(): Promise<void> {
    return this.#client.close();
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
