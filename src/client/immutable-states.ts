/**
 * The read-only states a query returns (Flink's `Immutable*State`): snapshots of one key's
 * state at the time the server answered. Reading never touches the network again; every
 * mutator throws {@link ReadOnlyStateError}.
 */
import { ByteWriter } from "../core/bytes.ts";
import { QueryableStateError } from "../core/errors.ts";
import { toHex } from "../core/hex.ts";
import type {
  AggregatingStateDescriptor,
  FoldingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";

const MODIFICATION_ATTEMPT = "State is read-only. No modifications allowed.";

/**
 * A mutator was called on a queried state (code `READ_ONLY_STATE`). Queried states are
 * snapshots; change state inside the job that owns it.
 */
export class ReadOnlyStateError extends QueryableStateError {
  /** The Java class Flink uses for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.UnsupportedOperationException";
  /** Thrown by every mutator of a queried state; the message is Flink's. */
  constructor() {
    super("READ_ONLY_STATE", MODIFICATION_ATTEMPT);
  }
}

function readOnly(): never {
  throw new ReadOnlyStateError();
}

/**
 * A queried ValueState.
 *
 * @example
 * ```ts
 * import { type JobID, longSerializer, valueState, type QueryableStateClient } from "queryable-state";
 * // Given a client of a proxy and the id of a running job:
 * async function query(client: QueryableStateClient, jobId: JobID) {
 *   const state = await client.getKvState(jobId, "sum", 42n, longSerializer, valueState("sum", longSerializer));
 *   state.value(); // e.g. 1234n
 * }
 * ```
 */
export class ImmutableValueState<V> {
  readonly #value: V;
  /** A snapshot holding `value` (the client makes these from a query's answer). */
  constructor(value: V) {
    this.#value = value;
  }
  /** The value the server held for the key. */
  value(): V {
    return this.#value;
  }
  /** Always throws {@link ReadOnlyStateError}. */
  update(_value: V): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

/**
 * A queried ListState; `get()` is a frozen array.
 *
 * @example
 * ```ts
 * import { type JobID, listState, longSerializer, stringSerializer, type QueryableStateClient } from "queryable-state";
 * // Given a client of a proxy and the id of a running job:
 * async function query(client: QueryableStateClient, jobId: JobID) {
 *   const state = await client.getKvState(jobId, "events", "user-1", stringSerializer, listState("events", longSerializer));
 *   for (const e of state.get()) console.log(e);
 * }
 * ```
 */
export class ImmutableListState<T> {
  readonly #list: readonly T[];
  /** A snapshot of `list` (copied and frozen unless it is frozen already). */
  constructor(list: readonly T[]) {
    this.#list = Object.isFrozen(list) ? list : Object.freeze([...list]);
  }
  /** The elements in stored order (frozen; possibly empty). */
  get(): readonly T[] {
    return this.#list;
  }
  /** Always throws {@link ReadOnlyStateError}. */
  add(_value: T): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  addAll(_values: readonly T[]): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  update(_values: readonly T[]): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

type Primitive = string | number | bigint | boolean;

function isPrimitive(v: unknown): v is Primitive {
  const t = typeof v;
  return t === "string" || t === "number" || t === "bigint" || t === "boolean";
}

/**
 * A queried MapState. Lookups accept user keys as values: `bigint`, `number`, `string` and
 * `boolean` keys match directly; any other key (a `Uint8Array`, a tuple array, or a
 * `number` for a `long` map) matches the entry whose key serializes to the same bytes.
 * A key the user-key serializer cannot write is simply absent.
 *
 * `get()` gives `undefined` for an absent key and `null` for a key stored with a null value.
 *
 * @example
 * ```ts
 * import { type JobID, intSerializer, longSerializer, mapState, stringSerializer, type QueryableStateClient } from "queryable-state";
 * // Given a client of a proxy and the id of a running job:
 * async function query(client: QueryableStateClient, jobId: JobID) {
 *   const state = await client.getKvState(jobId, "counts", 7, intSerializer, mapState("counts", stringSerializer, longSerializer));
 *   state.get("clicks"); // 3n
 *   for (const [k, v] of state) console.log(k, v);
 * }
 * ```
 */
export class ImmutableMapState<UK, UV> implements Iterable<readonly [UK, UV | null]> {
  readonly #map: Map<UK, UV | null>;
  readonly #userKeySerializer: TypeSerializer<UK>;
  #byBytes: Map<string, UK> | undefined;
  #entries: readonly (readonly [UK, UV | null])[] | undefined;
  #keys: readonly UK[] | undefined;
  #values: readonly (UV | null)[] | undefined;

  /** Takes the decoded entries; keys that serialize to the same bytes collapse (the later value wins). */
  constructor(entries: Iterable<readonly [UK, UV | null]>, userKeySerializer: TypeSerializer<UK>) {
    this.#userKeySerializer = userKeySerializer;
    const map = new Map<UK, UV | null>();
    let byValue = true;
    for (const [k, v] of entries) {
      map.set(k, v);
      if (!isPrimitive(k)) byValue = false;
    }
    if (byValue) this.#map = map;
    else {
      // Object keys (tuples, byte arrays) have no value equality in a JS Map: index them by bytes.
      const byBytes = new Map<string, UK>();
      const deduped = new Map<UK, UV | null>();
      for (const [k, v] of map) {
        const hex = this.#bytesOf(k);
        const first = hex === undefined ? undefined : byBytes.get(hex);
        if (first === undefined && hex !== undefined) byBytes.set(hex, k);
        deduped.set(first ?? k, v);
      }
      this.#map = deduped;
      this.#byBytes = byBytes;
    }
  }

  #bytesOf(key: unknown): string | undefined {
    try {
      const w = new ByteWriter(32);
      this.#userKeySerializer.serialize(key as UK, w);
      return toHex(w.view());
    } catch {
      return undefined;
    }
  }

  /** The stored key equal to `key`, or `undefined` when there is none. */
  #find(key: unknown): { key: UK } | undefined {
    if (isPrimitive(key) && this.#map.has(key as UK)) return { key: key as UK };
    const hex = this.#bytesOf(key);
    if (hex === undefined) return undefined;
    if (this.#byBytes === undefined) {
      this.#byBytes = new Map();
      for (const k of this.#map.keys()) {
        const bytes = this.#bytesOf(k);
        if (bytes !== undefined) this.#byBytes.set(bytes, k);
      }
    }
    const found = this.#byBytes.get(hex);
    return found === undefined ? undefined : { key: found };
  }

  /** The value for `key`: `undefined` if absent, `null` if stored as null. */
  get(key: UK): UV | null | undefined {
    const found = this.#find(key);
    return found === undefined ? undefined : this.#map.get(found.key);
  }

  /** Whether the map has an entry for `key`. */
  contains(key: UK): boolean {
    return this.#find(key) !== undefined;
  }

  /** The entries as a frozen snapshot of frozen `[key, value]` pairs. */
  entries(): readonly (readonly [UK, UV | null])[] {
    return this.#entries ??= Object.freeze([...this.#map].map((e) => Object.freeze(e) as readonly [UK, UV | null]));
  }

  /** The keys as a frozen snapshot. */
  keys(): readonly UK[] {
    return this.#keys ??= Object.freeze([...this.#map.keys()]);
  }

  /** The values as a frozen snapshot. */
  values(): readonly (UV | null)[] {
    return this.#values ??= Object.freeze([...this.#map.values()]);
  }

  /** Whether the map has no entries. */
  isEmpty(): boolean {
    return this.#map.size === 0;
  }

  /** Number of entries. */
  get size(): number {
    return this.#map.size;
  }

  /** The entries as `[key, value]` pairs, in the order the server sent them (as {@link entries}). */
  [Symbol.iterator](): Iterator<readonly [UK, UV | null]> {
    return this.entries()[Symbol.iterator]();
  }

  /** Always throws {@link ReadOnlyStateError}. */
  put(_key: UK, _value: UV | null): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  putAll(_entries: Iterable<readonly [UK, UV | null]> | Map<UK, UV | null>): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  remove(_key: UK): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

/** A queried ReducingState: `get()` is the reduced value. */
export class ImmutableReducingState<T> {
  readonly #value: T;
  /** A snapshot holding the reduced `value`. */
  constructor(value: T) {
    this.#value = value;
  }
  /** The reduced value the server held for the key. */
  get(): T {
    return this.#value;
  }
  /** Always throws {@link ReadOnlyStateError}. */
  add(_value: T): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

/**
 * A queried AggregatingState. The server sends the accumulator; `get()` is the descriptor's
 * `aggregateFunction.getResult(accumulator)`, computed once on the client.
 */
export class ImmutableAggregatingState<OUT> {
  readonly #result: OUT;
  /** A snapshot holding the aggregate's `result` (already computed from the accumulator). */
  constructor(result: OUT) {
    this.#result = result;
  }
  /** The aggregate's result. */
  get(): OUT {
    return this.#result;
  }
  /** Always throws {@link ReadOnlyStateError}. */
  add(_value: unknown): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

/** A queried FoldingState (deprecated in Flink): `get()` is the accumulator. */
export class ImmutableFoldingState<ACC> {
  readonly #accumulator: ACC;
  /** A snapshot holding the folded `accumulator`. */
  constructor(accumulator: ACC) {
    this.#accumulator = accumulator;
  }
  /** The folded accumulator. */
  get(): ACC {
    return this.#accumulator;
  }
  /** Always throws {@link ReadOnlyStateError}. */
  add(_value: unknown): never {
    return readOnly();
  }
  /** Always throws {@link ReadOnlyStateError}. */
  clear(): never {
    return readOnly();
  }
}

/** The immutable state a query with descriptor `D` resolves to. */
export type ImmutableStateFor<D> = D extends ValueStateDescriptor<infer V> ? ImmutableValueState<V>
  : D extends ListStateDescriptor<infer T> ? ImmutableListState<T>
  : D extends MapStateDescriptor<infer UK, infer UV> ? ImmutableMapState<UK, UV>
  : D extends ReducingStateDescriptor<infer T> ? ImmutableReducingState<T>
  : D extends AggregatingStateDescriptor<infer _IN, infer _ACC, infer OUT> ? ImmutableAggregatingState<OUT>
  : D extends FoldingStateDescriptor<infer _T, infer ACC> ? ImmutableFoldingState<ACC>
  : never;

/** Any queried state. */
export type ImmutableState = ImmutableStateFor<StateDescriptor>;
