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
export type StateKind = typeof StateKind[keyof typeof StateKind];

interface Base {
  /** The state's name inside the operator. */
  readonly name: string;
  /** Name under which it can be queried from outside; unset = not queryable. */
  readonly queryableStateName?: string;
}

export interface ValueStateDescriptor<V> extends Base {
  readonly kind: "value";
  readonly valueSerializer: TypeSerializer<V>;
  /** Returned by `value()` when the key has no value. Queries for such a key still fail (as in Flink). */
  readonly defaultValue?: V;
}

export interface ListStateDescriptor<T> extends Base {
  readonly kind: "list";
  readonly elementSerializer: TypeSerializer<T>;
}

export interface MapStateDescriptor<UK, UV> extends Base {
  readonly kind: "map";
  readonly userKeySerializer: TypeSerializer<UK>;
  readonly userValueSerializer: TypeSerializer<UV>;
}

export interface ReducingStateDescriptor<T> extends Base {
  readonly kind: "reducing";
  readonly reduce: (a: T, b: T) => T;
  readonly valueSerializer: TypeSerializer<T>;
}

/** Flink's AggregateFunction: the state stores ACC; reads give OUT. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
}

export interface AggregatingStateDescriptor<IN, ACC, OUT> extends Base {
  readonly kind: "aggregating";
  readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>;
  readonly accumulatorSerializer: TypeSerializer<ACC>;
}

/** Deprecated in Flink (use aggregating), kept because Flink's tests use it. */
export interface FoldingStateDescriptor<T, ACC> extends Base {
  readonly kind: "folding";
  readonly initialValue: ACC;
  readonly fold: (accumulator: ACC, value: T) => ACC;
  readonly accumulatorSerializer: TypeSerializer<ACC>;
}

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

interface QueryableOption {
  /** Make the state queryable under this name. */
  queryable?: string;
}

function base(name: string, options: QueryableOption): Base {
  if (typeof name !== "string" || name === "") throw new InvalidArgumentError("A state descriptor needs a non-empty name.");
  if (options.queryable !== undefined && (typeof options.queryable !== "string" || options.queryable === "")) {
    throw new InvalidArgumentError(`Queryable state name of '${name}' must be a non-empty string.`);
  }
  return options.queryable === undefined ? { name } : { name, queryableStateName: options.queryable };
}

/** A ValueState descriptor. */
export function valueState<V>(name: string, valueSerializer: TypeSerializer<V>, options: QueryableOption & { defaultValue?: V } = {}): ValueStateDescriptor<V> {
  const d = { ...base(name, options), kind: "value" as const, valueSerializer };
  return options.defaultValue === undefined ? d : { ...d, defaultValue: options.defaultValue };
}

/** A ListState descriptor. */
export function listState<T>(name: string, elementSerializer: TypeSerializer<T>, options: QueryableOption = {}): ListStateDescriptor<T> {
  return { ...base(name, options), kind: "list", elementSerializer };
}

/** A MapState descriptor (user keys and values of the per-key map). */
export function mapState<UK, UV>(name: string, userKeySerializer: TypeSerializer<UK>, userValueSerializer: TypeSerializer<UV>, options: QueryableOption = {}): MapStateDescriptor<UK, UV> {
  return { ...base(name, options), kind: "map", userKeySerializer, userValueSerializer };
}

/** A ReducingState descriptor. */
export function reducingState<T>(name: string, reduce: (a: T, b: T) => T, valueSerializer: TypeSerializer<T>, options: QueryableOption = {}): ReducingStateDescriptor<T> {
  return { ...base(name, options), kind: "reducing", reduce, valueSerializer };
}

/** An AggregatingState descriptor. */
export function aggregatingState<IN, ACC, OUT>(
  name: string,
  aggregateFunction: AggregateFunction<IN, ACC, OUT>,
  accumulatorSerializer: TypeSerializer<ACC>,
  options: QueryableOption = {},
): AggregatingStateDescriptor<IN, ACC, OUT> {
  return { ...base(name, options), kind: "aggregating", aggregateFunction, accumulatorSerializer };
}

/** A FoldingState descriptor (deprecated in Flink). */
export function foldingState<T, ACC>(
  name: string,
  initialValue: ACC,
  fold: (accumulator: ACC, value: T) => ACC,
  accumulatorSerializer: TypeSerializer<ACC>,
  options: QueryableOption = {},
): FoldingStateDescriptor<T, ACC> {
  return { ...base(name, options), kind: "folding", initialValue, fold, accumulatorSerializer };
}
