/**
 * LocalCluster: a coordinator and N task managers (each a KvState server plus a client
 * proxy) in one process, on loopback ephemeral ports by default — the embedded default for
 * demos and tests.
 */
import { positiveInteger } from "../core/checks.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { Endpoint } from "../transport/transport.ts";
import { Coordinator } from "./coordinator.ts";
import type { KeyedJob } from "./job.ts";
import { JobClient } from "./running-job.ts";
import type { KvStateServer } from "../server/kv-state-server.ts";
import type { MetricsSource } from "../net/prometheus.ts";
import { TaskManager, type TaskManagerOptions } from "./task-manager.ts";

/** Options of {@link LocalCluster.start}; the task-manager options apply to every task manager. */
export interface LocalClusterOptions extends TaskManagerOptions {
  /** How many task managers (each a state server and a proxy) to start; a positive integer. @default 2 */
  taskManagers?: number;
}

/**
 * An embedded cluster: a coordinator and task managers (each a KvState server and a client proxy)
 * in this process, on loopback ephemeral ports unless configured otherwise. Submit keyed jobs to it
 * and query their state with a {@link QueryableStateClient}, as you would a Flink cluster.
 *
 * @example
 * ```ts
 * import { LocalCluster, longSerializer, QueryableStateClient, reducingState, stringSerializer } from "queryable-state";
 *
 * // Clicks per user, summed, queryable as "clicks".
 * const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
 *
 * await using cluster = await LocalCluster.start({ taskManagers: 2 });
 * const job = cluster.submit({
 *   sources: [[{ user: "ada", n: 3n }, { user: "bob", n: 1n }, { user: "ada", n: 2n }]],
 *   keyBy: (e: { user: string; n: bigint }) => e.user,
 *   keyType: stringSerializer,
 *   steps: [{ name: "count", states: [clicks], process: (e, ctx) => ctx.state(clicks).add(e.n) }],
 * });
 * await job.sourcesDone;
 *
 * const { hostname, port } = cluster.proxyAddresses[0];
 * await using client = new QueryableStateClient(hostname, port);
 * const ada = await client.getKvState(job.jobId, "clicks", "ada", stringSerializer, clicks);
 * console.log(ada.get()); // 5n
 * ```
 */
export class LocalCluster implements AsyncDisposable {
  /** The cluster's location registry (in-process; every task manager registers there). */
  readonly coordinator: Coordinator;
  /** The task managers, by index (`tm-0`, `tm-1`, …). */
  readonly taskManagers: readonly TaskManager[];
  // deno-lint-ignore no-explicit-any
  readonly #jobs = new Set<JobClient<any, any>>();
  #closed = false;

  private constructor(coordinator: Coordinator, taskManagers: readonly TaskManager[]) {
    this.coordinator = coordinator;
    this.taskManagers = taskManagers;
  }

  /**
   * Starts the coordinator and the task managers; resolves once every server is listening. When one
   * fails to start, the others are closed and the error is thrown (e.g. ServerStartError for ports in use).
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `taskManagers` is not a positive integer
   */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const n = positiveInteger("taskManagers", options.taskManagers ?? 2);
    const coordinator = new Coordinator();
    // Every proxy of the cluster asks every state server of the cluster in-process.
    const servers: KvStateServer[] = [];
    const tms = Array.from({ length: n }, (_, i) => new TaskManager(i, coordinator, options, { colocated: servers }));
    try {
      for (const tm of tms) await tm.start();
    } catch (e) {
      await Promise.allSettled(tms.map((tm) => tm.close({ timeoutMs: 100 })));
      throw e;
    }
    return new LocalCluster(coordinator, tms);
  }

  /** Where clients can send queries: one proxy per task manager. */
  get proxyAddresses(): Endpoint[] {
    return this.taskManagers.map((tm) => tm.proxyAddress);
  }

  /** Statistics of every task manager's state server and proxy, for {@link toPrometheus} / {@link serveMetrics}. */
  metrics(): MetricsSource[] {
    return this.taskManagers.flatMap((tm) => tm.metrics());
  }

  /** Jobs submitted and still running. */
  // deno-lint-ignore no-explicit-any
  get jobs(): JobClient<any, any>[] {
    return [...this.#jobs].filter((j) => j.status === "RUNNING");
  }

  /** Starts a keyed job. Registration failures (e.g. a state name clash) fail the job: see `result`. */
  submit<T, K>(job: KeyedJob<T, K>): JobClient<T, K> {
    if (this.#closed) throw new InvalidArgumentError("The cluster is closed; start a new one to submit jobs.");
    const client = new JobClient(job, this.coordinator, this.taskManagers);
    this.#jobs.add(client);
    return client;
  }

  /** Cancels every job, then stops the task managers. Idempotent. */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#jobs].map((j) => j.cancel()));
    await Promise.all(this.taskManagers.map((tm) => tm.close({ timeoutMs: options.timeoutMs ?? 1000 })));
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
