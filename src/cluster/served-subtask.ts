/**
 * One subtask of a keyed job served by a task manager that joined a networked coordinator:
 * the other subtasks run in other processes (each with its own source producing its own
 * keys), so nothing is routed between them. This serves state across processes; it is not a
 * distributed stream processor.
 */
import { drainSource } from "./source.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { JobID, KvStateID } from "../core/ids.ts";
import {
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  type KeyGroupRange,
} from "../core/key-groups.ts";
import type { StateDescriptor } from "../state/descriptors.ts";
import { HeapKeyedStateBackend } from "../state/keyed-state-backend.ts";
import { Progress } from "./progress.ts";
import { type KeyedJob, type KeyedStep, JobStatus, type Source, type StateFor, type StepContext } from "./job.ts";
import type { Membership } from "./membership.ts";
import { JobCancelledError } from "./running-job.ts";
import type { TaskManager } from "./task-manager.ts";

/** Which part of a job a task manager serves. */
export interface SubtaskPlacement {
  /** Shared by every subtask of the job. */
  jobId: JobID;
  /** This subtask's index, 0 to `parallelism - 1`; it owns that index's key-group range. */
  subtask: number;
  /** How many subtasks the job has (across all processes); the same in every placement of the job. */
  parallelism: number;
  /** Number of key groups; the same in every placement of the job. @default computeDefaultMaxParallelism(parallelism) */
  maxParallelism?: number;
}

interface Step<K> {
  readonly step: KeyedStep<unknown, K>;
  readonly backend: HeapKeyedStateBackend<K>;
  readonly registered: Map<string, KvStateID>;
}

/**
 * One subtask of a keyed job, run by {@link TaskManager.serve}: its steps' states live here and are
 * registered at the coordinator (or etcd), its sources run here, and records whose key belongs to
 * another subtask's key groups are dropped (counted in {@link dropped}).
 *
 * @example
 * ```ts
 * import { JobID, longSerializer, reducingState, stringSerializer, TaskManager } from "queryable-state";
 *
 * const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
 * await using tm = await TaskManager.join({ coordinator: "127.0.0.1:6124" });
 * const subtask = tm.serve({
 *   sources: [["ada", "bob", "ada"]],
 *   keyBy: (user: string) => user,
 *   keyType: stringSerializer,
 *   steps: [{ name: "count", states: [clicks], process: (_user, ctx) => ctx.state(clicks).add(1n) }],
 * }, { jobId: JobID.fromHex("00000000000000000000000000000001"), subtask: 0, parallelism: 1 });
 * await subtask.ready; // its states are registered: queries can find them
 * ```
 */
export class ServedSubtask<T = unknown, K = unknown> {
  /** The job this subtask belongs to. */
  readonly jobId: JobID;
  /** This subtask's index (0-based). */
  readonly subtask: number;
  /** How many subtasks the job has. */
  readonly parallelism: number;
  /** The job's number of key groups. */
  readonly maxParallelism: number;
  /** The key groups this subtask owns. */
  readonly range: KeyGroupRange;
  /** Resolves once every queryable state declared up front is registered at the coordinator. */
  readonly ready: Promise<void>;
  /** Resolves when cancelled; rejects with the reason when the subtask fails (e.g. a name clash). */
  readonly result: Promise<void>;
  #dropped = 0;
  readonly #job: KeyedJob<T, K>;
  readonly #tm: TaskManager;
  readonly #membership: Membership;
  readonly #steps: Step<K>[] = [];
  /** Records being processed: the freshness extension's progress of this subtask. */
  readonly #progress = new Progress();
  readonly #abort = new AbortController();
  #status: JobStatus = JobStatus.RUNNING;
  #failure: Error | undefined;
  #settle!: { resolve: () => void; reject: (e: Error) => void };
  #pending: Promise<void>[] = [];

  /** Records dropped because their key is outside {@link range}. */
  get dropped(): number {
    return this.#dropped;
  }

  /** @internal Use TaskManager.serve. */
  constructor(job: KeyedJob<T, K>, placement: SubtaskPlacement, tm: TaskManager, membership: Membership) {
    if (!job || !Array.isArray(job.sources) || typeof job.keyBy !== "function" || !Array.isArray(job.steps) || job.steps.length === 0) {
      throw new InvalidArgumentError("A keyed job needs sources (an array), keyBy (a function), keyType and at least one step.");
    }
    this.#job = job;
    this.#tm = tm;
    this.#membership = membership;
    this.jobId = placement.jobId;
    this.subtask = placement.subtask;
    this.parallelism = placement.parallelism;
    this.maxParallelism = placement.maxParallelism ?? computeDefaultMaxParallelism(placement.parallelism);
    this.range = computeKeyGroupRangeForOperatorIndex(this.maxParallelism, this.parallelism, this.subtask);
    this.result = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.result.catch(() => {});
    for (const step of job.steps as KeyedStep<unknown, K>[]) {
      const backend = new HeapKeyedStateBackend<K>({
        keySerializer: job.keyType,
        keyGroupRange: this.range,
        numberOfKeyGroups: this.maxParallelism,
        progress: () => this.#progress.asOf(),
      });
      for (const d of step.states ?? []) stateOf(backend, d);
      this.#steps.push({ step, backend, registered: new Map() });
    }
    const vertices = new Map(job.steps.map((s) => [s.name, this.maxParallelism]));
    this.ready = membership.registerJob(this.jobId, vertices)
      .then(() => Promise.all(this.#steps.map((s) => this.#register(s))))
      .then(() => {});
    this.ready.catch((e) => this.#fail(e));
    void this.ready.then(() => Promise.all(job.sources.map((s) => this.#runSource(s)))).catch(() => {});
  }

  /** `RUNNING`, then `CANCELED` after {@link cancel} or `FAILED` (see {@link failure}). */
  get status(): JobStatus {
    return this.#status;
  }

  /** Why the subtask failed (a step threw, a registration clashed), when it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Registers the step's queryable states not registered yet, here and at the coordinator. */
  #register(s: Step<K>): Promise<void> {
    const work: Promise<void>[] = [];
    for (const q of s.backend.queryableStates()) {
      if (s.registered.has(q.queryableStateName)) continue;
      const id = this.#tm.registry.register(q.kvState, { name: q.queryableStateName });
      s.registered.set(q.queryableStateName, id);
      work.push(this.#membership.registerState(this.jobId, s.step.name, this.range, q.queryableStateName, id, this.#tm.serverAddress));
    }
    const all = Promise.all(work).then(() => {});
    this.#pending.push(all.catch(() => {}));
    return all;
  }

  #runSource(source: Source<T>): Promise<void> {
    return drainSource(source, this.#abort.signal, () => this.#status === JobStatus.RUNNING, (r) => this.#process(r), (e) => this.#fail(e));
  }


  async #process(record: T): Promise<void> {
    const token = this.#progress.begin();
    try {
      await this.#apply(record);
    } finally {
      this.#progress.end(token);
    }
  }

  async #apply(record: T): Promise<void> {
    const key = this.#job.keyBy(record);
    const keyGroup = computeKeyGroupForKeyHash(this.#job.keyType.hashCode(key), this.maxParallelism);
    if (!this.range.contains(keyGroup)) {
      this.#dropped++;
      return;
    }
    for (const s of this.#steps) {
      s.backend.setCurrentKey(key);
      const context: StepContext<K> = {
        key,
        subtask: this.subtask,
        state: <D extends StateDescriptor>(d: D): StateFor<D> => {
          const state = stateOf(s.backend, d) as StateFor<D>;
          if (d.queryableStateName !== undefined && !s.registered.has(d.queryableStateName)) this.#register(s).catch((e) => this.#fail(e));
          return state;
        },
        version: (d) => s.backend.version(d.name),
      };
      await s.step.process(record, context);
    }
  }

  async #unregisterAll(): Promise<void> {
    const work: Promise<void>[] = [];
    for (const s of this.#steps) {
      for (const [name, id] of s.registered) {
        this.#tm.registry.unregister(id);
        work.push(this.#membership.unregisterState(this.jobId, s.step.name, this.range, name));
      }
      s.registered.clear();
    }
    this.#membership.forgetJob(this.jobId);
    await Promise.all(work);
  }

  /** Stops the sources and unregisters every state here and at the coordinator. Idempotent. */
  async cancel(): Promise<void> {
    if (this.#status !== JobStatus.RUNNING) return;
    this.#status = JobStatus.CANCELED;
    this.#abort.abort(new JobCancelledError(this.jobId));
    await Promise.allSettled(this.#pending);
    await this.#unregisterAll();
    this.#settle.resolve();
  }

  #fail(error: Error): void {
    if (this.#status !== JobStatus.RUNNING) return;
    this.#status = JobStatus.FAILED;
    this.#failure = error;
    this.#abort.abort(error);
    void this.#unregisterAll().catch(() => {});
    this.#settle.reject(error);
  }
}

function stateOf<K>(backend: HeapKeyedStateBackend<K>, d: StateDescriptor): unknown {
  return (backend.getState as (d: StateDescriptor) => unknown).call(backend, d);
}
