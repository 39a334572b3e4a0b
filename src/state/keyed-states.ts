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
  /** Removes the key's value. */
  clear(): void;
}

/** A list per key. */
export interface ListState<T> {
  /** A copy of the list; empty when the key has none. */
  get(): T[];
  /** Appends `value` to the list. */
  add(value: T): void;
  /** Appends every value, or none if one of them is null. */
  addAll(values: Iterable<T>): void;
  /** Replaces the list; an empty list clears it. */
  update(values: Iterable<T>): void;
  /** Removes the key's list. */
  clear(): void;
}

/** A map per key. Values may be null (Java null on the wire) when `UV` allows it. */
export interface MapState<UK, UV> {
  /** The value under `key`, `undefined` when there is none. */
  get(key: UK): UV | undefined;
  /** Sets the value under `key`. */
  put(key: UK, value: UV): void;
  /** Sets every entry of `entries`. */
  putAll(entries: Iterable<readonly [UK, UV]> | ReadonlyMap<UK, UV>): void;
  /** Removes the entry under `key`, if any. */
  remove(key: UK): void;
  /** Whether the map has an entry under `key`. */
  contains(key: UK): boolean;
  /** A snapshot of the entries. */
  entries(): [UK, UV][];
  /** A snapshot of the keys. */
  keys(): UK[];
  /** A snapshot of the values. */
  values(): UV[];
  /** Whether the key's map has no entries. */
  isEmpty(): boolean;
  /** Removes the key's whole map. */
  clear(): void;
}

/** A value per key that `add` combines with a reduce function. */
export interface ReducingState<T> {
  /** The reduced value, `undefined` when the key has none. */
  get(): T | undefined;
  /** Reduces `value` into the state; `null`/`undefined` clears it (as Flink). */
  add(value: T | null | undefined): void;
  /** Removes the key's value. */
  clear(): void;
}

/** An accumulator per key; reads give the aggregate function's result. */
export interface AggregatingState<IN, OUT> {
  /** The aggregate function's result for the key's accumulator, `undefined` when it has none. */
  get(): OUT | undefined;
  /** Adds `value` to the accumulator; `null`/`undefined` clears it (as Flink). */
  add(value: IN | null | undefined): void;
  /** Removes the key's accumulator. */
  clear(): void;
}

/** An accumulator per key folded from an initial value (deprecated in Flink). */
export interface FoldingState<T, ACC> {
  /** The folded accumulator, `undefined` when the key has none. */
  get(): ACC | undefined;
  /** Folds `value` into the accumulator; `null`/`undefined` clears it (as Flink). */
  add(value: T | null | undefined): void;
  /** Removes the key's accumulator. */
  clear(): void;
}
