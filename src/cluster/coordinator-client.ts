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
import type { KvStateLocationOracle } from "../proxy/location-oracle.ts";
import type { KvStateLocation, ServerAddress } from "../state/kv-state-location.ts";
import { errorFromWire } from "./coordinator-errors.ts";
import { locationFromJson } from "./location-json.ts";

export interface CoordinatorClientOptions {
  transport?: Transport;
  tls?: ClientTlsOptions;
  /** Shared secret for registrations. */
  token?: string;
  /** Each call fails after this long. @default 5000 */
  requestTimeoutMs?: number;
  /** @default 5000 */
  connectTimeoutMs?: number;
}

export class CoordinatorClient implements KvStateLocationOracle, AsyncDisposable {
  /** The first coordinator address (lookups and registrations fail over to the others). */
  readonly address: Endpoint;
  readonly addresses: readonly Endpoint[];
  #preferred = 0;
  readonly #client: Client<CoordinatorRequest, CoordinatorResponse>;
  readonly #token: string | undefined;

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

  async registerJob(tm: string, jobId: JobID, vertices: ReadonlyMap<string, number>): Promise<void> {
    await this.#call(Op.REGISTER_JOB, { tm, jobId: jobId.toString(), vertices: [...vertices] });
  }

  async unregisterJob(jobId: JobID): Promise<void> {
    await this.#call(Op.UNREGISTER_JOB, { jobId: jobId.toString() });
  }

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

  async unregisterState(tm: string, jobId: JobID, vertex: string, range: KeyGroupRange, name: string): Promise<void> {
    await this.#call(Op.UNREGISTER_STATE, { tm, jobId: jobId.toString(), vertex, range: [range.startKeyGroup, range.endKeyGroup], name });
  }

  /** The task manager leaves: the coordinator drops all its registrations at once. */
  async leave(tm: string): Promise<void> {
    await this.#call(Op.LEAVE, { tm });
  }

  async requestKvStateLocation(jobId: JobID, name: string, options: { signal?: AbortSignal } = {}): Promise<KvStateLocation> {
    const json = await this.#call(Op.LOOKUP, { jobId: jobId.toString(), name }, options.signal);
    return locationFromJson(jobId, name, json);
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
