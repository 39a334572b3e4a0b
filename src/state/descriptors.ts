/**
 * State descriptors: what a keyed state is called, its kind, how its values are serialized
 * and (for reducing/aggregating/folding states) how values combine. A job uses a descriptor
 * to create the state in its backend; a client uses the same descriptor to read it.
 */
import { InvalidArgumentError } from "../core/errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";

/** The state kinds, as Flink's `StateDescriptor.Type`. */
export const StateKind = {
  VALUE: "value",
  LIST: "list",
  MAP: "map",
  REDUCING: "reducing",
  AGGREGATING: "aggregating",
  FOLDING: "folding",
} as const;
/** One of the {@link StateKind} values: `"value"`, `"list"`, `"map"`, …. */
export type StateKind = typeof StateKind[keyof typeof StateKind];

/** What every state descriptor has: its name, and the name it is queryable under (if it is). */
export interface StateDescriptorBase {
  /** The state's name inside its operator (the job step); never empty. */
  readonly name: string;
  /**
   * The name a client queries it by (`client.getKvState(jobId, queryableStateName, ...)`); absent when
   * the state is not queryable. Unique per job: another operator registering it fails the job (`STATE_NAME_CLASH`).
   */
  readonly queryableStateName?: string;
}

/** Describes a ValueState (one value per key), as Flink's `ValueStateDescriptor`. */
export interface ValueStateDescriptor<V> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "value";
  /** Serializes the value, on the wire and for queries. */
  readonly valueSerializer: TypeSerializer<V>;
  /** Returned by `value()` when the key has no value. Queries for such a key still fail (as in Flink). */
  readonly defaultValue?: V;
}

/** Describes a ListState (a list per key), as Flink's `ListStateDescriptor`. */
export interface ListStateDescriptor<T> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "list";
  /** Serializes each element; queries get the elements joined by Flink's list delimiter. */
  readonly elementSerializer: TypeSerializer<T>;
}

/** Describes a MapState (a map per key), as Flink's `MapStateDescriptor`. */
export interface MapStateDescriptor<UK, UV> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "map";
  /** Serializes the keys of the per-key map. */
  readonly userKeySerializer: TypeSerializer<UK>;
  /** Serializes the values of the per-key map. */
  readonly userValueSerializer: TypeSerializer<UV>;
}

/** Describes a ReducingState (a value per key combined by `reduce`), as Flink's `ReducingStateDescriptor`. */
export interface ReducingStateDescriptor<T> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "reducing";
  /** Combines the stored value with an added one (Flink's `ReduceFunction`). */
  readonly reduce: (a: T, b: T) => T;
  /** Serializes the reduced value. */
  readonly valueSerializer: TypeSerializer<T>;
}

/** Flink's AggregateFunction: the state stores ACC; reads give OUT. */
export interface AggregateFunction<IN, ACC, OUT> {
  /** A fresh accumulator, used when the key has none yet. */
  createAccumulator(): ACC;
  /** Adds `value` to `accumulator` and returns the new accumulator. */
  add(value: IN, accumulator: ACC): ACC;
  /** The result a read gives for `accumulator`. */
  getResult(accumulator: ACC): OUT;
}

/** Describes an AggregatingState (an accumulator per key), as Flink's `AggregatingStateDescriptor`. */
export interface AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "aggregating";
  /** Creates, updates and reads the accumulator. */
  readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;
  /** Serializes the accumulator (queries return the accumulator, not the result, as in Flink). */
  readonly accumulatorSerializer: TypeSerializer<ACC>;
}

/** Deprecated in Flink (use aggregating), kept because Flink's tests use it. */
export interface FoldingStateDescriptor<T, ACC> extends StateDescriptorBase {
  /** Discriminates the descriptor kinds. */
  readonly kind: "folding";
  /** The accumulator a key starts from (copied per key). */
  readonly initialValue: ACC;
  /** Folds an added value into the accumulator (Flink's `FoldFunction`). */
  readonly fold: (accumulator: ACC, value: T) => ACC;
  /** Serializes the accumulator. */
  readonly accumulatorSerializer: TypeSerializer<ACC>;
}

/** Any state descriptor; switch on `kind` to tell them apart. */
export type StateDescriptor =
  // deno-lint-ignore no-explicit-any
  | ValueStateDescriptor<any>
  // deno-lint-ignore no-explicit-any
  | ListStateDescriptor<any>
  // deno-lint-ignore no-explicit-any
  | MapStateDescriptor<any, any>
  // deno-lint-ignore no-explicit-any
  | ReducingStateDescriptor<any>
  // deno-lint-ignore no-explicit-any
  | AggregatingStateDescriptor<any, any, any>
  // deno-lint-ignore no-explicit-any
  | FoldingStateDescriptor<any, any>;

/** Options of every state descriptor factory ({@link valueState}, {@link listState}, ...). */
export interface StateDescriptorOptions {
  /**
   * Make the state queryable under this name (its {@link StateDescriptorBase.queryableStateName}).
   * Must be a non-empty string. @default not queryable
   */
  queryable?: string;
}

/** Options of {@link valueState}. */
export interface ValueStateOptions<V> extends StateDescriptorOptions {
  /**
   * What `value()` returns (a copy of it) inside the job for a key without a value. Queries for such a key still
   * fail with `UNKNOWN_KEY_OR_NAMESPACE`, as in Flink. @default undefined (`value()` returns undefined)
   */
  defaultValue?: V;
}

function base(name: string, options: StateDescriptorOptions): StateDescriptorBase {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("A state descriptor needs a non-empty name.");
  if (options.queryable !== undefined && (typeof options.queryable !== "string" || options.queryable === "")) {
    throw new InvalidArgumentError(`Queryable state name of '${name}' must be a non-empty string.`);
  }
  return options.queryable === undefined ? { name } : { name, queryableStateName: options.queryable };
}

/**
 * A ValueState descriptor.
 *
 * @example
 * ```ts
 * import { longSerializer, valueState } from "queryable-state";
 *
 * const count = valueState("count", longSerializer, { queryable: "count-query", defaultValue: 0n });
 * ```
 */
export function valueState<V>(name: string, valueSerializer: TypeSerializer<V>, options: ValueStateOptions<V> = {}): ValueStateDescriptor<V> {
  const d = { ...base(name, options), kind: "value" as const, valueSerializer };
  return options.defaultValue === undefined ? d : { ...d, defaultValue: options.defaultValue };
}

/** A ListState descriptor. */
export function listState<T>(name: string, elementSerializer: TypeSerializer<T>, options: StateDescriptorOptions = {}): ListStateDescriptor<T> {
  return { ...base(name, options), kind: "list", elementSerializer };
}

/** A MapState descriptor (user keys and values of the per-key map). */
export function mapState<UK, UV>(name: string, userKeySerializer: TypeSerializer<UK>, userValueSerializer: TypeSerializer<UV>, options: StateDescriptorOptions = {}): MapStateDescriptor<UK, UV> {
  return { ...base(name, options), kind: "map", userKeySerializer, userValueSerializer };
}

/** A ReducingState descriptor. */
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T, valueSerializer: TypeSerializer<T>, options: StateDescriptorOptions = {}): ReducingStateDescriptor<T> {
  return { ...base(name, options), kind: "reducing", reduce, valueSerializer };
}

/** An AggregatingState descriptor. */
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregateFunction: AggregateFunction<IN, ACC, OUT>,
  accumulatorSerializer: TypeSerializer<ACC>,
  options: StateDescriptorOptions = {},
): AggregatingStateDescriptor<IN, ACC, OUT> {
  return { ...base(name, options), kind: "aggregating", aggregateFunction, accumulatorSerializer };
}

/** A FoldingState descriptor (deprecated in Flink). */
export function foldingState<T, ACC>(
  name: string,
  initialValue: ACC,
  fold: (accumulator: ACC, value: T) => ACC,
  accumulatorSerializer: TypeSerializer<ACC>,
  options: StateDescriptorOptions = {},
): FoldingStateDescriptor<T, ACC> {
  return { ...base(name, options), kind: "folding", initialValue, fold, accumulatorSerializer };
}
