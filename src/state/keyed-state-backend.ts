/**
 * The keyed state of one subtask of one operator, kept on the heap (Flink's
 * `HeapKeyedStateBackend`), and the KvStates through which it is queried.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { computeKeyGroupForKeyHash, KeyGroupRange, UPPER_BOUND_MAX_PARALLELISM } from "../core/key-groups.ts";
import type { KeySerializer, TypeSerializer } from "../types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../types/void-namespace.ts";
import type {
  AggregatingStateDescriptor,
  FoldingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from "./descriptors.ts";
import { DuplicateQueryableStateNameError, KeyGroupOutOfRangeError, NoCurrentKeyError, StateKindMismatchError } from "./errors.ts";
import { HeapListState } from "./heap-list-state.ts";
import { HeapMapState } from "./heap-map-state.ts";
import type { HeapState, KeyContext } from "./heap-state-table.ts";
import { bytesToId, type EntryId, entryId, entryIdBytes } from "./entry-ids.ts";
import { HeapAggregatingState, HeapFoldingState, HeapReducingState, HeapValueState } from "./heap-value-states.ts";
import type { AggregatingState, FoldingState, ListState, MapState, ReducingState, ValueState } from "./keyed-states.ts";
import { KEY_NAMESPACE_MAGIC } from "./kv-state-serializer.ts";
import type { KvState, KvStateFreshness, KvStateWriteListener } from "./kv-state-registry.ts";

/** A state that can be queried from outside, as the backend exposes it for registration. */
export interface QueryableStateEntry {
  /** The state's name inside the operator. */
  readonly name: string;
  /** The name clients query it by. */
  readonly queryableStateName: string;
  /** The descriptor the state was created from. */
  readonly descriptor: StateDescriptor;
  /** Answers queries in Flink's value formats; register it with a KvStateRegistry. */
  readonly kvState: KvState;
}

/** Options of {@link HeapKeyedStateBackend}. */
export interface HeapKeyedStateBackendOptions<K> {
  /** Serializes keys (the bytes queries carry) and gives their Java hashCode (for key groups). */
  keySerializer: KeySerializer<K>;
  /** The key groups this subtask owns. */
  keyGroupRange: KeyGroupRange;
  /** Total number of key groups, i.e. the operator's max parallelism. */
  numberOfKeyGroups: number;
  /** Called once for each queryable state when it is created, e.g. to register its KvState. */
  onQueryableState?: (entry: QueryableStateEntry) => void;
  /** The wall clock of versions and freshness, in ms since the epoch. @default Date.now */
  now?: () => number;
  /**
   * The time (ms since the epoch) before which every record the subtask received is applied: a runner that queues
   * records tells it (the oldest record still waiting). @default now: whoever writes the backend keeps it current
   */
  progress?: () => number;
}

/** A heap state's freshness: the version as its millisecond and count, made a bigint only when read. */
class HeapFreshness implements KvStateFreshness {
  readonly versionMs: number;
  readonly versionSeq: number;
  readonly lastUpdateMs: number | null;
  readonly asOfMs: number;
  readonly stalenessMs: number;
  constructor(ms: number, seq: number, asOfMs: number, stalenessMs: number) {
    this.versionMs = ms;
    this.versionSeq = seq;
    this.lastUpdateMs = ms === 0 ? null : ms;
    this.asOfMs = asOfMs;
    this.stalenessMs = stalenessMs;
  }
  get version(): bigint {
    return (BigInt(this.versionMs) << 16n) | BigInt(this.versionSeq);
  }
}

/** Per key group of one state: the millisecond and the count within it of the last write (its version). */
interface Versions {
  readonly ms: Float64Array;
  readonly seq: Float64Array;
  /** Told of every write while someone watches the state (undefined otherwise: a write costs nothing more). */
  listeners: KvStateWriteListener[] | undefined;
}

type AnyHeapState = HeapState<unknown> & { readonly kind: StateDescriptor["kind"] };

/**
 * Keyed state of one subtask. Set the current key (and optionally namespace), then read and
 * write states; queries look values up by the serialized key+namespace bytes.
 *
 * @example
 * ```ts
 * import {
 *   computeKeyGroupRangeForOperatorIndex, HeapKeyedStateBackend, longSerializer, reducingState, serializeKeyAndNamespace,
 *   VoidNamespace, voidNamespaceSerializer,
 * } from "queryable-state";
 *
 * const backend = new HeapKeyedStateBackend({
 *   keySerializer: longSerializer,
 *   keyGroupRange: computeKeyGroupRangeForOperatorIndex(128, 1, 0),
 *   numberOfKeyGroups: 128,
 * });
 * const sum = backend.getState(reducingState("sum", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "sum" }));
 * backend.setCurrentKey(42n);
 * sum.add(5n);
 * const [{ kvState }] = backend.queryableStates();
 * kvState.getSerializedValue(serializeKeyAndNamespace(42n, longSerializer, VoidNamespace, voidNamespaceSerializer)); // 8 bytes: 5
 * ```
 */
export class HeapKeyedStateBackend<K> {
  /** Serializes keys and gives their Java hashCode. */
  readonly keySerializer: KeySerializer<K>;
  /** The key groups this subtask owns. */
  readonly keyGroupRange: KeyGroupRange;
  /** Total number of key groups (the operator's max parallelism). */
  readonly numberOfKeyGroups: number;
  readonly #onQueryableState: ((entry: QueryableStateEntry) => void) | undefined;
  readonly #states = new Map<string, AnyHeapState>();
  readonly #queryable = new Map<string, QueryableStateEntry>();
  readonly #ctx: KeyContext;
  readonly #scratch = new ByteWriter(64);
  #key: K | undefined;
  #hasKey = false;
  #keyGroup = -1;
  #namespace: unknown = VoidNamespace;
  #namespaceSerializer: TypeSerializer<unknown> = voidNamespaceSerializer as TypeSerializer<unknown>;
  /** Every namespace serializer other than VoidNamespace's passed to setCurrentNamespace (for {@link keys}). */
  readonly #namespaceSerializers = new Set<TypeSerializer<unknown>>();
  /** Id of the current key+namespace bytes; computed on first use, dropped when either changes. */
  #id: EntryId | undefined;
  readonly #now: () => number;
  readonly #progress: (() => number) | undefined;
  /** Bytes of the current key in the current id. */
  #keyLength = -1;
  readonly #versions = new Map<string, Versions>();

  /** An empty backend; throws InvalidArgumentError for a bad serializer, range or number of key groups. */
  constructor(options: HeapKeyedStateBackendOptions<K>) {
    const { keySerializer, keyGroupRange, numberOfKeyGroups } = options ?? {};
    if (keySerializer === null || typeof keySerializer !== "object" || typeof keySerializer.hashCode !== "function") {
      throw new InvalidArgumentError("A keyed state backend needs a key serializer with a hashCode (e.g. intSerializer, longSerializer, stringSerializer).");
    }
    if (!Number.isInteger(numberOfKeyGroups) || numberOfKeyGroups < 1 || numberOfKeyGroups > UPPER_BOUND_MAX_PARALLELISM) {
      throw new InvalidArgumentError(`numberOfKeyGroups (the max parallelism) must be an integer in [1, ${UPPER_BOUND_MAX_PARALLELISM}], got ${numberOfKeyGroups}.`);
    }
    if (!(keyGroupRange instanceof KeyGroupRange)) {
      throw new InvalidArgumentError("keyGroupRange must be a KeyGroupRange (see computeKeyGroupRangeForOperatorIndex).");
    }
    if (keyGroupRange.numberOfKeyGroups > 0 && keyGroupRange.endKeyGroup >= numberOfKeyGroups) {
      throw new InvalidArgumentError(
        `Key group range [${keyGroupRange.startKeyGroup}, ${keyGroupRange.endKeyGroup}] exceeds the ${numberOfKeyGroups} key groups: ` +
          "build it with computeKeyGroupRangeForOperatorIndex(numberOfKeyGroups, parallelism, index).",
      );
    }
    this.keySerializer = keySerializer;
    this.keyGroupRange = keyGroupRange;
    this.numberOfKeyGroups = numberOfKeyGroups;
    this.#onQueryableState = options.onQueryableState;
    this.#now = options.now ?? Date.now;
    this.#progress = options.progress;
    const keyGroup = () => this.#keyGroup;
    const keyLength = () => this.#keyLength;
    this.#ctx = {
      currentId: (stateName) => this.#currentId(stateName),
      written: (stateName) => this.#written(stateName),
      get currentKeyGroup() {
        return keyGroup();
      },
      get currentKeyLength() {
        return keyLength();
      },
      keyFromBytes: (bytes) => keySerializer.deserialize(new ByteReader(bytes)),
      namespaceBytes: (namespace) => this.#namespaceBytes(namespace),
    };
  }

  /**
   * Makes `key` the key that state calls act on. Throws KeyGroupOutOfRangeError when the
   * key's group is not one of this backend's (the record reached the wrong subtask).
   */
  setCurrentKey(key: K): void {
    if (key === null || key === undefined) {
      throw new InvalidArgumentError("The current key must not be null or undefined: Flink keys are never null.");
    }
    // Same primitive key again: the key group and the cached bytes still hold.
    if (this.#hasKey && typeof key !== "object" && Object.is(key, this.#key)) return;
    const keyGroup = computeKeyGroupForKeyHash(this.keySerializer.hashCode(key), this.numberOfKeyGroups);
    if (!this.keyGroupRange.contains(keyGroup)) {
      throw new KeyGroupOutOfRangeError(key, keyGroup, this.keyGroupRange, this.numberOfKeyGroups);
    }
    this.#key = key;
    this.#hasKey = true;
    this.#keyGroup = keyGroup;
    this.#id = undefined;
  }

  /** The current key, undefined before the first setCurrentKey. */
  getCurrentKey(): K | undefined {
    return this.#key;
  }

  /** The current key's key group, -1 before the first setCurrentKey. */
  get currentKeyGroup(): number {
    return this.#keyGroup;
  }

  /**
   * Makes `namespace` current for all states (e.g. a window). `serializer` defaults to the
   * previous namespace serializer, or to the VoidNamespace serializer for VoidNamespace.
   */
  setCurrentNamespace<N>(namespace: N, serializer?: TypeSerializer<N>): void {
    const s = (serializer ?? (namespace === VoidNamespace ? voidNamespaceSerializer : this.#namespaceSerializer)) as TypeSerializer<unknown>;
    if (s === voidNamespaceSerializer && namespace !== VoidNamespace) {
      throw new InvalidArgumentError(`Namespace ${String(namespace)} needs its serializer: call setCurrentNamespace(namespace, serializer).`);
    }
    this.#namespace = namespace;
    this.#namespaceSerializer = s;
    if (s !== voidNamespaceSerializer) this.#namespaceSerializers.add(s);
    this.#id = undefined;
  }

  /** The current namespace (VoidNamespace unless set). */
  getCurrentNamespace(): unknown {
    return this.#namespace;
  }

  /**
   * The state for `descriptor`, created on first use. The same name gives the same state;
   * asking for a name with another kind throws StateKindMismatchError.
   */
  getState<V>(descriptor: ValueStateDescriptor<V>): ValueState<V>;
  /** The ListState for `descriptor`, created on first use. */
  getState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** The MapState for `descriptor`, created on first use. */
  getState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  /** The ReducingState for `descriptor`, created on first use. */
  getState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  /** The AggregatingState for `descriptor`, created on first use. */
  getState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  /** The FoldingState for `descriptor`, created on first use. */
  getState<T, ACC>(descriptor: FoldingStateDescriptor<T, ACC>): FoldingState<T, ACC>;
  getState(descriptor: StateDescriptor): unknown {
    if (descriptor === null || typeof descriptor !== "object" || typeof descriptor.name !== "string") {
      throw new InvalidArgumentError("getState needs a state descriptor (valueState(...), listState(...), ...).");
    }
    const existing = this.#states.get(descriptor.name);
    if (existing !== undefined) {
      if (existing.kind !== descriptor.kind) throw new StateKindMismatchError(descriptor.name, existing.kind, descriptor.kind);
      return existing;
    }
    const qName = descriptor.queryableStateName;
    if (qName !== undefined) {
      const clash = this.#queryable.get(qName);
      if (clash !== undefined) throw new DuplicateQueryableStateNameError(qName, clash.name, descriptor.name);
    }
    const state = this.#create(descriptor);
    this.#states.set(descriptor.name, state);
    const n = this.keyGroupRange.numberOfKeyGroups;
    const versions: Versions = { ms: new Float64Array(n), seq: new Float64Array(n), listeners: undefined };
    this.#versions.set(descriptor.name, versions);
    if (qName !== undefined) {
      const entry: QueryableStateEntry = Object.freeze({
        name: descriptor.name,
        queryableStateName: qName,
        descriptor,
        kvState: Object.freeze({
          getSerializedValue: (bytes: Uint8Array) => state.getSerializedValue(bytes),
          freshness: (keyGroup: number) => this.freshness(descriptor.name, keyGroup),
          keys: (from: number, to: number, after: Uint8Array | null, namespace: Uint8Array, limit: number) =>
            state.listKeys(Math.max(from, this.keyGroupRange.startKeyGroup), Math.min(to, this.keyGroupRange.endKeyGroup), from < this.keyGroupRange.startKeyGroup ? null : after, namespace, limit),
          ...(state instanceof HeapMapState ? { scan: state.scan.bind(state) } : {}),
          watchWrites: (listener: KvStateWriteListener) => watchWrites(versions, listener),
        }),
      });
      this.#queryable.set(qName, entry);
      this.#onQueryableState?.(entry);
    }
    return state;
  }

  /** The states created so far that have a queryable name. */
  queryableStates(): QueryableStateEntry[] {
    return [...this.#queryable.values()];
  }

  /**
   * How fresh state `stateName` is in `keyGroup`: its version, last write and this subtask's progress (see
   * {@link KvStateFreshness}); undefined for a state not created yet or a key group this backend does not own.
   */
  freshness(stateName: string, keyGroup: number): KvStateFreshness | undefined {
    const v = this.#versions.get(stateName);
    if (v === undefined || !Number.isInteger(keyGroup) || !this.keyGroupRange.contains(keyGroup)) return undefined;
    const i = keyGroup - this.keyGroupRange.startKeyGroup;
    const now = this.#now();
    const asOfMs = Math.min(this.#progress?.() ?? now, now);
    return new HeapFreshness(v.ms[i], v.seq[i], asOfMs, Math.max(0, now - asOfMs));
  }

  /**
   * The version of state `stateName` in the current key's key group, after the writes so far: what a writer hands
   * to readers that must see its write (`minVersion`). 0 before the first write.
   * @throws NoCurrentKeyError before the first setCurrentKey; InvalidArgumentError for a state not created yet
   */
  version(stateName: string): bigint {
    const v = this.#versions.get(stateName);
    if (v === undefined) throw new InvalidArgumentError(`There is no state '${stateName}' in this backend yet: create it with getState first.`);
    if (!this.#hasKey) throw new NoCurrentKeyError(stateName);
    const i = this.#keyGroup - this.keyGroupRange.startKeyGroup;
    return (BigInt(v.ms[i]) << 16n) | BigInt(v.seq[i]);
  }

  /** A write of `stateName` for the current key: its key group's version moves on (time-based, strictly increasing). */
  #written(stateName: string): void {
    const v = this.#versions.get(stateName);
    if (v === undefined || this.#keyGroup < 0) return;
    const i = this.#keyGroup - this.keyGroupRange.startKeyGroup;
    const now = Math.floor(this.#now());
    if (now > v.ms[i]) {
      v.ms[i] = now;
      v.seq[i] = 0;
    } else if (v.seq[i] < 0xffff) v.seq[i]++;
    else {
      v.ms[i]++;
      v.seq[i] = 0;
    }
    const listeners = v.listeners;
    if (listeners !== undefined) {
      // Listeners take the key+namespace bytes as one char per byte; a long or int key's id is a number here.
      const entry = this.#currentId(stateName);
      const id = typeof entry === "string" ? entry : bytesToId(entryIdBytes(entry));
      for (const l of listeners) l(this.#keyGroup, id, v.ms[i], v.seq[i]);
    }
  }

  /** Names of the states created so far. */
  stateNames(): string[] {
    return [...this.#states.keys()];
  }

  /**
   * Keys that have a value in state `stateName` (read back from their serialized bytes), in `namespace` (the same
   * serialized bytes, as written by a namespace serializer used so far) or in any namespace; in no particular order.
   */
  keys(stateName: string, namespace?: unknown): K[] {
    return (this.#states.get(stateName)?.storedKeys(namespace) ?? []) as K[];
  }

  /** Number of (key, namespace) pairs with a value in state `stateName`. */
  size(stateName: string): number {
    return this.#states.get(stateName)?.storedCount ?? 0;
  }

  #create(d: StateDescriptor): AnyHeapState {
    const ctx = this.#ctx;
    switch (d.kind) {
      case "value":
        return new HeapValueState(d, ctx) as AnyHeapState;
      case "list":
        return new HeapListState(d, ctx) as AnyHeapState;
      case "map":
        return new HeapMapState(d, ctx) as AnyHeapState;
      case "reducing":
        return new HeapReducingState(d, ctx) as AnyHeapState;
      case "aggregating":
        return new HeapAggregatingState(d, ctx) as AnyHeapState;
      case "folding":
        return new HeapFoldingState(d, ctx) as AnyHeapState;
      default:
        throw new InvalidArgumentError(`Unknown state kind '${String((d as { kind?: unknown }).kind)}' of state '${(d as StateDescriptor).name}'.`);
    }
  }

  #currentId(stateName: string): EntryId {
    if (this.#id !== undefined) return this.#id;
    if (!this.#hasKey) throw new NoCurrentKeyError(stateName);
    const w = this.#scratch.reset();
    this.keySerializer.serialize(this.#key as K, w);
    this.#keyLength = w.length;
    w.writeUint8(KEY_NAMESPACE_MAGIC);
    this.#namespaceSerializer.serialize(this.#namespace, w);
    return (this.#id = entryId(w.view()));
  }

  /** The bytes of `namespace` as each namespace serializer used so far writes it (none: no state can hold it). */
  #namespaceBytes(namespace: unknown): Uint8Array[] {
    if (namespace === VoidNamespace) return [new Uint8Array([0])];
    const out: Uint8Array[] = [];
    for (const s of this.#namespaceSerializers) {
      try {
        const w = new ByteWriter(16);
        s.serialize(namespace, w);
        out.push(w.toBytes());
      } catch {
        // Not a namespace this serializer writes.
      }
    }
    return out;
  }
}

/** Adds a write listener to a state's versions; the returned function removes it. */
function watchWrites(versions: Versions, listener: KvStateWriteListener): () => void {
  versions.listeners = [...(versions.listeners ?? []), listener];
  return () => {
    const rest = (versions.listeners ?? []).filter((l) => l !== listener);
    versions.listeners = rest.length === 0 ? undefined : rest;
  };
}
