/**
 * The keyed states a job reads and writes (Flink's `ValueState`, `ListState`, …). Every call
 * acts on the backend's current key and namespace.
 */

/** One value per key. */
export interface ValueState<V> {
  /** The value, or the descriptor's default value (a copy) when the key has none. */
  value(): V | undefined;
  /** Replaces the value; `null`/`undefined` clears it. */
  update(value: V | null | undefined): void;
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  /** A copy of the list; empty when the key has none. */
  get(): T[];
  add(value: T): void;
  /** Appends every value, or none if one of them is null. */
  addAll(values: Iterable<T>): void;
  /** Replaces the list; an empty list clears it. */
  update(values: Iterable<T>): void;
  clear(): void;
}

/** A map per key. Values may be null (Java null on the wire) when `UV` allows it. */
export interface MapState<UK, UV> {
  /** The value under `key`, `undefined` when there is none. */
  get(key: UK): UV | undefined;
  put(key: UK, value: UV): void;
  putAll(entries: Iterable<readonly [UK, UV]> | ReadonlyMap<UK, UV>): void;
  remove(key: UK): void;
  contains(key: UK): boolean;
  /** A snapshot of the entries. */
  entries(): [UK, UV][];
  keys(): UK[];
  values(): UV[];
  isEmpty(): boolean;
  clear(): void;
}

/** A value per key that `add` combines with a reduce function. */
export interface ReducingState<T> {
  get(): T | undefined;
  /** Reduces `value` into the state; `null`/`undefined` clears it (as Flink). */
  add(value: T | null | undefined): void;
  clear(): void;
}

/** An accumulator per key; reads give the aggregate function's result. */
export interface AggregatingState<IN, OUT> {
  get(): OUT | undefined;
  /** Adds `value` to the accumulator; `null`/`undefined` clears it (as Flink). */
  add(value: IN | null | undefined): void;
  clear(): void;
}

/** An accumulator per key folded from an initial value (deprecated in Flink). */
export interface FoldingState<T, ACC> {
  get(): ACC | undefined;
  /** Folds `value` into the accumulator; `null`/`undefined` clears it (as Flink). */
  add(value: T | null | undefined): void;
  clear(): void;
}
