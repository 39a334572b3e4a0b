import { InvalidArgumentError } from "../core/errors.ts";
import type { Clock } from "../core/clock.ts";
import type { KvStateLocationOracle } from "../proxy/location-oracle.ts";
import { KvStateClientProxy, type KvStateClientProxyOptions } from "../proxy/kv-state-client-proxy.ts";
import { KvStateServer } from "../server/kv-state-server.ts";
import type { ServerTlsOptions, Transport, Endpoint, ClientTlsOptions } from "../transport/transport.ts";
import { KvStateRegistry } from "../state/kv-state-registry.ts";
import type { MetricsSource } from "../net/prometheus.ts";
import { parseAddressList } from "../transport/address.ts";
import { CoordinatorClient } from "./coordinator-client.ts";
import type { KeyedJob } from "./job.ts";
import { CoordinatorMembership, type Membership } from "./membership.ts";
import type { EtcdOptions } from "./etcd/etcd-gateway.ts";
import { EtcdLocations } from "./etcd/etcd-locations.ts";
import { EtcdMembership } from "./etcd/etcd-membership.ts";
import { ServedSubtask, type SubtaskPlacement } from "./served-subtask.ts";

/** Options of a {@link TaskManager}: where its state server and proxy listen, and how. */
export interface TaskManagerOptions {
  /** The address the state server and the proxy bind to. @default "127.0.0.1" */
  host?: string;
  /** Port spec of the state server. @default 0 */
  serverPort?: number | string;
  /** Port spec of the proxy. @default 0 */
  proxyPort?: number | string;
  /** The socket layer. @default the runtime's transport */
  transport?: Transport;
  /** Serve TLS on both the state server and the proxy. */
  tls?: ServerTlsOptions;
  /** TLS the proxy uses towards state servers (needed when `tls` is set). */
  clientTls?: ClientTlsOptions;
  /** Proxy tuning (retries, timeout). */
  proxy?: Omit<KvStateClientProxyOptions, "oracle" | "host" | "port" | "transport" | "tls" | "serverTls" | "localServers">;
}

/** Options of {@link TaskManager.join}. */
export interface JoinOptions extends TaskManagerOptions {
  /** The networked coordinator(s): `"host:port"`, `"h1:p1,h2:p2"` (fail over) or an endpoint. */
  coordinator?: string | Endpoint;
  /**
   * Instead of a coordinator: register in etcd, through its members' JSON gateway URLs (`http://10.0.0.9:2379`,
   * several separated by commas or as an array: every call and watch fails over between them).
   */
  etcd?: string | readonly string[];
  /** etcd credentials, TLS and timeouts (user and password, CA, client certificate). */
  etcdOptions?: EtcdOptions;
  /** etcd key prefix. @default "/queryable-state/" */
  etcdPrefix?: string;
  /** etcd lease TTL: entries vanish this long after the task manager dies. @default 5 */
  leaseTtlSeconds?: number;
  /**
   * The deployment's shared secret: the coordinator's token for registrations, or with `etcd` the key that
   * signs this task manager's entries and that its proxy requires of every entry it serves.
   */
  token?: string;
  /** TLS towards the coordinator. */
  coordinatorTls?: ClientTlsOptions;
  /** How often the task manager heartbeats to the coordinator. @default 1000 */
  heartbeatIntervalMs?: number;
  /**
   * How long `join` waits for a coordinator that cannot be reached yet (retrying with back-off) before it
   * fails with CoordinatorUnavailableError (`COORDINATOR_UNAVAILABLE`). @default 60000
   */
  joinTimeoutMs?: number;
  /** The host name other processes reach this task manager's state server at. @default the bound address */
  advertisedHost?: string;
  /** Where lost and regained coordinator contact is reported. @default console.warn */
  log?: (message: string) => void;
  /** Advanced: the time source of heartbeats, lease renewals and etcd health checks; tests hand in a fake one. @default the real clock */
  clock?: Clock;
}

/**
 * One worker: a KvState registry, the state server that serves it, and a client proxy (as
 * every Flink task manager runs both). Starts the server first, then the proxy; stops in
 * the reverse order.
 */
export class TaskManager implements AsyncDisposable {
  /** The task manager's index in its cluster (names its metrics, `tm-<index>`). */
  readonly index: number;
  /** The KvStates this task manager serves. */
  readonly registry: KvStateRegistry = new KvStateRegistry();
  /** Serves `registry` to proxies (Flink's `KvStateServer`). */
  readonly server: KvStateServer;
  /** Answers client queries, looking locations up through the oracle (Flink's `KvStateClientProxy`). */
  readonly proxy: KvStateClientProxy;
  /** Set on a task manager that joined a networked coordinator. */
  readonly membership: Membership | undefined;
  readonly #advertisedHost: string | undefined;
  readonly #closers: (() => Promise<void>)[] = [];
  // deno-lint-ignore no-explicit-any
  readonly #subtasks = new Set<ServedSubtask<any, any>>();

  /**
   * Starts a task manager in this process and joins a networked coordinator: its proxy looks
   * locations up there, the subtasks it serves register there, it heartbeats, and it
   * registers everything again after a coordinator restart. `close()` leaves at once.
   *
   * @example
   * ```ts
   * import { JobID, type KeyedJob, TaskManager } from "queryable-state";
   * // Given the same job in every process:
   * async function serveSubtask0(job: KeyedJob<string, string>) {
   *   const tm = await TaskManager.join({ coordinator: "10.0.0.5:6124" });
   *   // This process runs subtask 0 of 2; another runs subtask 1 under the same job id.
   *   const subtask = tm.serve(job, { jobId: JobID.fromHex("a1b2c3d4e5f60718293a4b5c6d7e8f90"), subtask: 0, parallelism: 2 });
   *   await subtask.ready; // its states are registered at the coordinator
   *   return tm; // serves until tm.close(), which leaves the coordinator
   * }
   * ```
   */
  static async join(options: JoinOptions): Promise<TaskManager> {
    let oracle: KvStateLocationOracle;
    let membership: Membership;
    let locations: EtcdLocations | undefined;
    if (options.etcd !== undefined) {
      // The token signs this task manager's entries and is required of every entry its proxy serves.
      const common = { ...options.etcdOptions, prefix: options.etcdPrefix, log: options.log, clock: options.clock, token: options.token };
      locations = new EtcdLocations(options.etcd, common);
      await locations.start();
      oracle = locations;
      membership = new EtcdMembership(options.etcd, { ...common, leaseTtlSeconds: options.leaseTtlSeconds });
    } else {
      if (options.coordinator === undefined) throw new InvalidArgumentError("TaskManager.join needs coordinator (\"host:port\") or etcd (a URL).");
      const addresses = typeof options.coordinator === "string" ? parseAddressList(options.coordinator) : [options.coordinator];
      const client = new CoordinatorClient(addresses, { transport: options.transport, tls: options.coordinatorTls, token: options.token });
      oracle = client;
      membership = new CoordinatorMembership(client, {
        heartbeatIntervalMs: options.heartbeatIntervalMs,
        joinTimeoutMs: options.joinTimeoutMs,
        log: options.log,
        clock: options.clock,
      });
    }
    const tm = new TaskManager(0, oracle, options, { membership });
    if (locations !== undefined) tm.#closers.push(() => locations.close());
    await tm.start();
    try {
      await membership.start();
    } catch (e) {
      await tm.close({ timeoutMs: 100 });
      throw e;
    }
    return tm;
  }

  /**
   * `extras.membership`: set on a task manager that joined a networked coordinator.
   * `extras.colocated`: state servers of other task managers in this process (a LocalCluster's), which
   * this one's proxy may ask in-process as it asks its own server; it also gets this one's server.
   */
  constructor(
    index: number,
    oracle: KvStateLocationOracle,
    options: TaskManagerOptions & { advertisedHost?: string } = {},
    extras: { membership?: Membership; colocated?: KvStateServer[] } = {},
  ) {
    this.index = index;
    this.membership = extras.membership;
    this.#advertisedHost = options.advertisedHost;
    const common = { host: options.host ?? "127.0.0.1", transport: options.transport, tls: options.tls };
    this.server = new KvStateServer({ ...common, port: options.serverPort ?? 0, registry: this.registry });
    const localServers = extras.colocated ?? [];
    localServers.push(this.server);
    this.proxy = new KvStateClientProxy({ ...options.proxy, ...common, port: options.proxyPort ?? 0, oracle, serverTls: options.clientTls, localServers });
  }

  /** Starts the state server, then the proxy (closing the server again if the proxy fails). */
  async start(): Promise<void> {
    await this.server.start();
    try {
      await this.proxy.start();
    } catch (e) {
      await this.server.close();
      throw e;
    }
  }

  /** Where the state server listens (what the coordinator hands to proxies): at the advertised host, if given. */
  get serverAddress(): Endpoint {
    return this.#advertised(this.server.address!);
  }

  #advertised(bound: Endpoint): Endpoint {
    return this.#advertisedHost === undefined ? bound : { hostname: this.#advertisedHost, port: bound.port };
  }

  /**
   * Serves one subtask of `job` (a task manager that joined a coordinator): a keyed state
   * backend per step owning Flink's key-group range for (max parallelism, parallelism, subtask),
   * its queryable states registered here and at the coordinator, and the job's sources run
   * here; records whose key falls outside the range are dropped and counted.
   */
  serve<T, K>(job: KeyedJob<T, K>, placement: SubtaskPlacement): ServedSubtask<T, K> {
    if (this.membership === undefined) throw new InvalidArgumentError("serve() needs a task manager made by TaskManager.join; use LocalCluster.submit in-process.");
    const s = new ServedSubtask(job, placement, this, this.membership);
    this.#subtasks.add(s);
    s.result.finally(() => this.#subtasks.delete(s)).catch(() => {});
    return s;
  }

  /**
   * Where clients send queries: the proxy's port at the advertised host when one was given (a proxy bound
   * to 0.0.0.0 is reached at the address other machines know), else where it is bound.
   */
  get proxyAddress(): Endpoint {
    return this.#advertised(this.proxy.address!);
  }

  /** This task manager's statistics for {@link toPrometheus} / {@link serveMetrics}. */
  metrics(): MetricsSource[] {
    const name = `tm-${this.index}`;
    return [
      { role: "server", name, stats: this.server.stats() },
      { role: "proxy", name, stats: this.proxy.stats() },
      { role: "proxy_forwarding", name, stats: this.proxy.forwardingStats() },
    ];
  }

  /** Cancels served subtasks, leaves the coordinator (its registrations go at once), then stops. */
  async close(options?: { timeoutMs?: number }): Promise<void> {
    await Promise.all([...this.#subtasks].map((s) => s.cancel()));
    await this.membership?.leave();
    await this.proxy.close(options);
    for (const c of this.#closers) await c();
    await this.server.close(options);
  }

  /** Same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
