import type { JobID } from "../core/ids.ts";
import type {
  AggregatingStateDescriptor,
  FoldingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from "../state/descriptors.ts";
import type {
  AggregatingState,
  FoldingState,
  ListState,
  MapState,
  ReducingState,
  ValueState,
} from "../state/keyed-states.ts";
import type { KeySerializer } from "../types/type-serializer.ts";

/** The state object a descriptor gives inside a step. */
export type StateFor<D> = D extends ValueStateDescriptor<infer V> ? ValueState<V>
  : D extends ListStateDescriptor<infer T> ? ListState<T>
  : D extends MapStateDescriptor<infer UK, infer UV> ? MapState<UK, UV>
  : D extends ReducingStateDescriptor<infer T> ? ReducingState<T>
  : D extends AggregatingStateDescriptor<infer IN, infer _ACC, infer OUT> ? AggregatingState<IN, OUT>
  : D extends FoldingStateDescriptor<infer T, infer ACC> ? FoldingState<T, ACC>
  : never;

/** What a step sees while processing one record. */
export interface StepContext<K> {
  /** The record's key. */
  readonly key: K;
  /** The subtask processing the record (0-based). */
  readonly subtask: number;
  /** This key's state for `descriptor` (created on first use; queryable ones are registered then). */
  state<D extends StateDescriptor>(descriptor: D): StateFor<D>;
  /**
   * The version of `descriptor`'s state in this key's key group after this record's writes so far: hand it to a
   * reader as `minVersion` and its query waits for (or fails without) this write (read-your-writes; README
   * "Freshness").
   */
  version(descriptor: StateDescriptor): bigint;
}

/** One stateful operator of a keyed job. Every record goes through every step, in order. */
export interface KeyedStep<T, K> {
  /** Unique within the job; used as the operator (job vertex) id. */
  readonly name: string;
  /** States to create (and register, when queryable) as soon as the job starts. */
  readonly states?: readonly StateDescriptor[];
  /**
   * Handles one record, with the record's key as the state's current key. The next record of the same
   * subtask waits until a returned promise settles. Throwing (or rejecting) fails the job.
   */
  process(record: T, context: StepContext<K>): void | Promise<void>;
}

/**
 * A source: an (async) iterable, or a function making one when the job starts; its
 * `signal` aborts when the job is cancelled or fails, so endless sources can stop.
 */
export type Source<T> = AsyncIterable<T> | Iterable<T> | ((context: { signal: AbortSignal }) => AsyncIterable<T> | Iterable<T>);

/**
 * A keyed job: parallel sources, keyBy, then stateful steps. Each record goes to the subtask
 * owning its key's key group, as Flink routes it.
 *
 * @example
 * ```ts
 * import { type KeyedJob, longSerializer, reducingState, stringSerializer } from "queryable-state";
 *
 * interface Click { user: string; page: string }
 * async function* clicks(): AsyncIterable<Click> {
 *   yield { user: "ada", page: "/" };
 *   yield { user: "bob", page: "/docs" };
 * }
 *
 * // Clicks per user, queryable as "counts" with a String key.
 * const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
 * const job: KeyedJob<Click, string | null> = { // stringSerializer reads and writes `string | null`
 *   name: "clicks per user",
 *   sources: [clicks()],
 *   keyBy: (c) => c.user,
 *   keyType: stringSerializer,
 *   steps: [{ name: "count", states: [counts], process: (_click, ctx) => ctx.state(counts).add(1n) }],
 * };
 * // cluster.submit(job) runs it in a LocalCluster; taskManager.serve(job, placement) runs one subtask of it.
 * ```
 */
export interface KeyedJob<T, K> {
  /** For messages and listings. @default "keyed job" */
  readonly name?: string;
  /** The id clients query the job by (`client.getKvState(jobId, ...)`). @default a random id */
  readonly jobId?: JobID;
  /** Subtasks per step. @default the number of task managers */
  readonly parallelism?: number;
  /** Number of key groups. @default computeDefaultMaxParallelism(parallelism) */
  readonly maxParallelism?: number;
  /** Where records come from; the sources are read concurrently, and each record goes to the subtask owning its key. */
  readonly sources: readonly Source<T>[];
  /** Extracts a record's key; the key's hash picks the key group, and so the subtask. */
  readonly keyBy: (record: T) => K;
  /** Serializes (and hashes) the keys, as the job's Flink key type would: clients query with the same serializer. */
  readonly keyType: KeySerializer<K>;
  /** The stateful operators, at least one; every record goes through each in order. */
  readonly steps: readonly KeyedStep<T, K>[];
}

/** Lifecycle of a submitted job. */
export const JobStatus = {
  RUNNING: "RUNNING",
  CANCELED: "CANCELED",
  FAILED: "FAILED",
} as const;
/** One of the {@link JobStatus} values: `"RUNNING"`, `"CANCELED"` or `"FAILED"`. */
export type JobStatus = typeof JobStatus[keyof typeof JobStatus];
