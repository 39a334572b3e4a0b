/**
 * Runs a keyed job inside a LocalCluster: one keyed state backend per step and subtask
 * (owning the subtask's key group range), its queryable states registered with the task
 * manager's registry and the coordinator, and records routed to the subtask that owns
 * their key group. This exists to serve state locally, for demos and tests; it is not a
 * distributed stream processor.
 */
import { drainSource } from "./source.ts";
import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import { JobID, type KvStateID } from "../core/ids.ts";
import {
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  type KeyGroupRange,
} from "../core/key-groups.ts";
import type { StateDescriptor } from "../state/descriptors.ts";
import { HeapKeyedStateBackend } from "../state/keyed-state-backend.ts";
import type { Coordinator } from "./coordinator.ts";
import { type KeyedJob, type KeyedStep, JobStatus, type Source, type StateFor, type StepContext } from "./job.ts";
import type { TaskManager } from "./task-manager.ts";
import { Progress } from "./progress.ts";

/** The job was cancelled while an operation waited on it. */
export class JobCancelledError extends QueryableStateError {
  /** An error with code `JOB_CANCELLED` naming `jobId`. */
  constructor(jobId: JobID) {
    super("JOB_CANCELLED", `Job ${jobId} was cancelled.`);
  }
}

interface Subtask<K> {
  readonly step: KeyedStep<unknown, K>;
  readonly index: number;
  readonly range: KeyGroupRange;
  readonly backend: HeapKeyedStateBackend<K>;
  taskManager: TaskManager;
  /** Queryable name → id under which `taskManager` serves it. */
  readonly registered: Map<string, KvStateID>;
}

/** A submitted job: its id, status and controls. */
export class JobClient<T = unknown, K = unknown> {
  /** The job's id: what clients pass to `getKvState`. */
  readonly jobId: JobID;
  /** The job's name (`KeyedJob.name`, default "keyed job"). */
  readonly name: string;
  /** Subtasks per step. */
  readonly parallelism: number;
  /** The job's number of key groups. */
  readonly maxParallelism: number;
  /** Resolves when the job is cancelled; rejects with the reason when it fails. */
  readonly result: Promise<void>;
  /** Resolves when every source is exhausted; the job keeps serving its state until cancelled. */
  readonly sourcesDone: Promise<void>;
  readonly #job: KeyedJob<T, K>;
  readonly #coordinator: Coordinator;
  readonly #taskManagers: readonly TaskManager[];
  readonly #subtasks: Subtask<K>[][] = []; // [step][subtask]
  readonly #mailboxes: Promise<void>[];
  /** Per subtask: the records routed to it and not processed yet (the freshness extension's progress). */
  readonly #progress: Progress[];
  readonly #abort = new AbortController();
  #status: JobStatus = JobStatus.RUNNING;
  #failure: Error | undefined;
  #settle!: { resolve: () => void; reject: (e: Error) => void };

  /** @internal Use LocalCluster.submit. */
  constructor(job: KeyedJob<T, K>, coordinator: Coordinator, taskManagers: readonly TaskManager[]) {
    validate(job);
    this.#job = job;
    this.#coordinator = coordinator;
    this.#taskManagers = taskManagers;
    this.jobId = job.jobId ?? JobID.random();
    this.name = job.name ?? "keyed job";
    this.parallelism = job.parallelism ?? taskManagers.length;
    this.maxParallelism = job.maxParallelism ?? computeDefaultMaxParallelism(this.parallelism);
    computeKeyGroupRangeForOperatorIndex(this.maxParallelism, this.parallelism, 0); // validates both
    this.#mailboxes = Array.from({ length: this.parallelism }, () => Promise.resolve());
    this.#progress = Array.from({ length: this.parallelism }, () => new Progress());
    this.result = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    this.result.catch(() => {}); // a failure is reported through `result` and `status`; never unhandled
    coordinator.registerJob(this.jobId, new Map(job.steps.map((s) => [s.name, this.maxParallelism])), (e) => this.#fail(e));
    try {
      this.#deploy();
    } catch (e) {
      this.#fail(e as Error);
    }
    this.sourcesDone = this.#status === JobStatus.RUNNING
      ? Promise.all(job.sources.map((s) => this.#runSource(s))).then(() => {})
      : Promise.resolve();
    this.sourcesDone.catch(() => {});
  }

  /** `RUNNING`, then `CANCELED` after `cancel()` or `FAILED` (see {@link failure}). */
  get status(): JobStatus {
    return this.#status;
  }

  /** Why the job failed, when it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The queryable states of the job: name, kind, and the step that owns each. */
  queryableStates(): { name: string; kind: string; step: string }[] {
    const out: { name: string; kind: string; step: string }[] = [];
    for (const subtasks of this.#subtasks) {
      for (const q of subtasks[0]?.backend.queryableStates() ?? []) {
        out.push({ name: q.queryableStateName, kind: q.descriptor.kind, step: subtasks[0].step.name });
      }
    }
    return out;
  }

  #deploy(): void {
    for (const step of this.#job.steps as KeyedStep<unknown, K>[]) {
      const subtasks: Subtask<K>[] = [];
      this.#subtasks.push(subtasks);
      for (let i = 0; i < this.parallelism; i++) {
        const range = computeKeyGroupRangeForOperatorIndex(this.maxParallelism, this.parallelism, i);
        const progress = this.#progress[i];
        const backend = new HeapKeyedStateBackend<K>({
          keySerializer: this.#job.keyType,
          keyGroupRange: range,
          numberOfKeyGroups: this.maxParallelism,
          progress: () => progress.asOf(),
        });
        const subtask: Subtask<K> = { step, index: i, range, backend, taskManager: this.#taskManagers[i % this.#taskManagers.length], registered: new Map() };
        subtasks.push(subtask);
        for (const d of step.states ?? []) stateOf(backend, d);
        this.#register(subtask);
      }
    }
  }

  /** Registers the subtask's queryable states not registered yet (with its TM and the coordinator). */
  #register(s: Subtask<K>): void {
    for (const q of s.backend.queryableStates()) {
      if (s.registered.has(q.queryableStateName)) continue;
      const id = s.taskManager.registry.register(q.kvState, { name: q.queryableStateName });
      s.registered.set(q.queryableStateName, id);
      this.#coordinator.notifyKvStateRegistered(this.jobId, s.step.name, s.range, q.queryableStateName, id, s.taskManager.serverAddress);
    }
  }

  #unregisterAll(): void {
    for (const subtasks of this.#subtasks) {
      for (const s of subtasks) {
        for (const [name, id] of s.registered) {
          s.taskManager.registry.unregister(id);
          try {
            this.#coordinator.notifyKvStateUnregistered(this.jobId, s.step.name, s.range, name);
          } catch {
            // The coordinator may already have dropped a clashing name.
          }
        }
        s.registered.clear();
      }
    }
    this.#coordinator.unregisterJob(this.jobId);
  }

  #runSource(source: Source<T>): Promise<void> {
    return drainSource(source, this.#abort.signal, () => this.#status === JobStatus.RUNNING, (r) => this.#route(r), (e) => this.#fail(e));
  }


  /** Hands the record to the subtask owning its key group; resolves once every step processed it. */
  #route(record: T): Promise<void> {
    const key = this.#job.keyBy(record);
    const keyGroup = computeKeyGroupForKeyHash(this.#job.keyType.hashCode(key), this.maxParallelism);
    const index = computeOperatorIndexForKeyGroup(this.maxParallelism, this.parallelism, keyGroup);
    const progress = this.#progress[index];
    const token = progress.begin();
    const done = this.#mailboxes[index].then(() => this.#process(index, record, key));
    this.#mailboxes[index] = done.finally(() => progress.end(token)).catch(() => {});
    return done;
  }

  async #process(index: number, record: T, key: K): Promise<void> {
    if (this.#status !== JobStatus.RUNNING) return;
    for (const subtasks of this.#subtasks) {
      const s = subtasks[index];
      s.backend.setCurrentKey(key);
      const context: StepContext<K> = {
        key,
        subtask: index,
        state: <D extends StateDescriptor>(d: D): StateFor<D> => {
          const state = stateOf(s.backend, d) as StateFor<D>;
          if (d.queryableStateName !== undefined && !s.registered.has(d.queryableStateName)) this.#register(s);
          return state;
        },
        version: (d) => s.backend.version(d.name),
      };
      await s.step.process(record, context);
    }
  }

  /**
   * Moves one subtask's state to another task manager: it is unregistered where it was and
   * registered on `taskManager` under a new KvStateID (as after a failover). Proxies holding
   * the old location find it stale and look it up again.
   */
  relocateSubtask(subtask: number, taskManager: number): void {
    const target = this.#taskManagers[taskManager];
    if (target === undefined) throw new InvalidArgumentError(`There is no task manager ${taskManager}; the cluster has ${this.#taskManagers.length}.`);
    if (!Number.isInteger(subtask) || subtask < 0 || subtask >= this.parallelism) {
      throw new InvalidArgumentError(`Subtask ${subtask} is outside [0, ${this.parallelism}).`);
    }
    for (const subtasks of this.#subtasks) {
      const s = subtasks[subtask];
      for (const id of s.registered.values()) s.taskManager.registry.unregister(id);
      s.registered.clear();
      s.taskManager = target;
      this.#register(s); // overwrites the location with the new id and address
    }
  }

  /** Stops the sources and unregisters every state; queries fail afterwards. Idempotent. */
  async cancel(): Promise<void> {
    if (this.#status === JobStatus.RUNNING) {
      this.#status = JobStatus.CANCELED;
      this.#abort.abort(new JobCancelledError(this.jobId));
      this.#unregisterAll();
      this.#settle.resolve();
    }
    await Promise.allSettled(this.#mailboxes);
  }

  #fail(error: Error): void {
    if (this.#status !== JobStatus.RUNNING) return;
    this.#status = JobStatus.FAILED;
    this.#failure = error;
    this.#abort.abort(error);
    this.#unregisterAll();
    this.#settle.reject(error);
  }
}

/** The backend's state for any descriptor kind (its typed overloads need a concrete kind). */
function stateOf<K>(backend: HeapKeyedStateBackend<K>, d: StateDescriptor): unknown {
  return (backend.getState as (d: StateDescriptor) => unknown).call(backend, d);
}

function validate<T, K>(job: KeyedJob<T, K>): void {
  if (!job || !Array.isArray(job.sources) || typeof job.keyBy !== "function" || !job.keyType?.hashCode) {
    throw new InvalidArgumentError("A keyed job needs sources (an array), keyBy (a function) and keyType (a key serializer).");
  }
  if (!Array.isArray(job.steps) || job.steps.length === 0) throw new InvalidArgumentError("A keyed job needs at least one step.");
  const names = new Set<string>();
  for (const s of job.steps) {
    if (typeof s.name !== "string" || s.name === "" || typeof s.process !== "function") {
      throw new InvalidArgumentError("Every step needs a non-empty name and a process function.");
    }
    if (names.has(s.name)) throw new InvalidArgumentError(`Two steps are named '${s.name}': step names must be unique in a job.`);
    names.add(s.name);
  }
}
