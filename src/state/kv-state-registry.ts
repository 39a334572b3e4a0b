import { InvalidArgumentError } from "../core/errors.ts";
import { int32At } from "../core/bytes.ts";
import { idKeyOfBytes, KvStateID } from "../core/ids.ts";

/**
 * What a state server needs from a queryable state: the serialized value for serialized
 * key+namespace bytes (Flink's formats), or null when there is none. It may answer
 * asynchronously. The returned bytes are written out as they are, possibly after the call
 * returns: do not modify them afterwards (return a fresh or immutable array).
 */
export interface KvState {
  /**
   * The value bytes for `serializedKeyAndNamespace` (`key ‖ 0x2A ‖ namespace`, see
   * {@link serializeKeyAndNamespace}), or null when the key has no value (the query then fails with
   * `UNKNOWN_KEY_OR_NAMESPACE`). Throwing fails the query with a StateLookupError.
   */
  getSerializedValue(serializedKeyAndNamespace: Uint8Array): Uint8Array | null | Promise<Uint8Array | null>;
  /**
   * Optional: how fresh the state is in `keyGroup` (its version, last update and progress), for the freshness
   * extension; undefined for a key group the state does not hold. States of a `HeapKeyedStateBackend` have it.
   */
  freshness?(keyGroup: number): KvStateFreshness | undefined;
  /**
   * Optional: up to `limit` keys with a value in `namespace` (serialized), in key groups `fromKeyGroup` to
   * `toKeyGroup`, ordered by key group then key bytes, after key `after` of `fromKeyGroup` (null: from the start);
   * for the key-listing extension. States of a `HeapKeyedStateBackend` have it.
   */
  keys?(fromKeyGroup: number, toKeyGroup: number, after: Uint8Array | null, namespace: Uint8Array, limit: number): KvStateKeyPage;
  /**
   * Optional, map states: one page of the map stored for `serializedKeyAndNamespace` (null when there is none), its
   * entries in user-key order, bounded by serialized user keys; for the map-scan extension. Map states of a
   * `HeapKeyedStateBackend` have it. Throw InvalidArgumentError for bounds that do not fit the map's key type.
   */
  scan?(
    serializedKeyAndNamespace: Uint8Array,
    request: {
      readonly from: Uint8Array | null;
      readonly to: Uint8Array | null;
      readonly prefix: Uint8Array | null;
      readonly after: Uint8Array | null;
      readonly limit: number;
    },
  ): { readonly entries: readonly { readonly key: Uint8Array; readonly value: Uint8Array | null }[]; readonly complete: boolean } | null;
  /**
   * Optional: calls `listener` after every write of this state (for the watch extension) until the returned function
   * is called. A state that has it must also have {@link freshness}: the version a write gives is its key group's new
   * version. States of a `HeapKeyedStateBackend` have it; a write costs nothing more while nobody listens.
   */
  watchWrites?(listener: KvStateWriteListener): () => void;
}

/**
 * Told of one write of a state: the key group, the written key+namespace bytes as a string of one char per byte
 * (`String.fromCharCode(...bytes)`), and the key group's new version as its millisecond and count
 * (`version = ms << 16 | count`, see {@link KvStateFreshness.version}).
 */
export type KvStateWriteListener = (keyGroup: number, keyId: string, versionMs: number, versionSeq: number) => void;

/** One page of {@link KvState.keys}. */
export interface KvStateKeyPage {
  /** The keys, each with its key group and serialized bytes (without namespace). */
  readonly keys: readonly { readonly keyGroup: number; readonly key: Uint8Array }[];
  /** True when the key groups asked for hold no more keys after these. */
  readonly complete: boolean;
}

/**
 * How fresh a state is in one key group, as its state server reports it with every answer of the freshness
 * extension (see the README's "Freshness").
 */
export interface KvStateFreshness {
  /**
   * Moves on with every write to the state in this key group and never goes back, also when the state moves to
   * another task manager or is rebuilt: its high bits are the write's time in milliseconds since the epoch
   * (`version >> 16n`), the low 16 bits count writes within that millisecond. 0 when never written.
   */
  readonly version: bigint;
  /** When the state was last written in this key group (ms since the epoch), null when never. */
  readonly lastUpdateMs: number | null;
  /** Everything the state's subtask received before this time (ms since the epoch) is applied. */
  readonly asOfMs: number;
  /** How far behind its input the state is now: the state server's now − `asOfMs`, in ms (0 when caught up). */
  readonly stalenessMs: number;
}

/** The id reserved for protocol extensions (`EXTENSION_ID` of src/protocol/extensions.ts), as a map key. */
const RESERVED_ID_KEY = "QSTATE:EXTENSION";

/** Describes a registration, for listeners and diagnostics. */
export interface KvStateRegistration {
  /** The id the state is registered under (what a location names and an internal request carries). */
  readonly kvStateId: KvStateID;
  /** The registered state. */
  readonly state: KvState;
  /** The queryable-state name, when known. */
  readonly name?: string;
}

/** Called on every register/unregister (e.g. to tell the coordinator where states live). */
export type KvStateRegistryListener = (event: "registered" | "unregistered", registration: KvStateRegistration) => void;

/**
 * The states one task manager serves, by KvStateID (Flink's `KvStateRegistry`). Lookups
 * are by the id's 16 wire bytes (as a short string key), read straight off the wire.
 */
export class KvStateRegistry {
  readonly #states = new Map<string, KvStateRegistration>();
  // The last state found by getByIdBytes, with its id as four 32-bit words: most requests ask for it again.
  #lastState: KvState | undefined;
  #last0 = 0;
  #last1 = 0;
  #last2 = 0;
  #last3 = 0;
  readonly #listeners = new Set<KvStateRegistryListener>();

  /** Registers `state` under a new random id (or `id`) and returns the id. */
  register(state: KvState, options: { name?: string; id?: KvStateID } = {}): KvStateID {
    if (state === null || typeof state !== "object" || typeof state.getSerializedValue !== "function") {
      throw new InvalidArgumentError("A KvState needs a getSerializedValue(bytes) method.");
    }
    const kvStateId = options.id ?? KvStateID.random();
    const key = kvStateId.key;
    if (key === RESERVED_ID_KEY) {
      throw new InvalidArgumentError(`KvStateID ${kvStateId} ("QSTATE:EXTENSION" in ASCII) is reserved for protocol extensions: register the state under another id.`);
    }
    if (this.#states.has(key)) {
      throw new InvalidArgumentError(`State "${options.name ?? "?"}" (id=${kvStateId}) appears registered although it should not.`);
    }
    const registration: KvStateRegistration = { kvStateId, state, name: options.name };
    this.#states.set(key, registration);
    this.#lastState = undefined;
    for (const l of this.#listeners) l("registered", registration);
    return kvStateId;
  }

  /** Removes a registration; returns false when the id was not registered. */
  unregister(kvStateId: KvStateID): boolean {
    const key = kvStateId.key;
    const registration = this.#states.get(key);
    if (!registration) return false;
    this.#states.delete(key);
    this.#lastState = undefined;
    for (const l of this.#listeners) l("unregistered", registration);
    return true;
  }

  /** The state registered under `kvStateId` (an id or its hex text). */
  get(kvStateId: KvStateID | string): KvState | undefined {
    return this.#states.get(typeof kvStateId === "string" ? KvStateID.fromHex(kvStateId).key : kvStateId.key)?.state;
  }

  /** The state registered under the id with this map key (`KvStateID.key`): the server's hot path. */
  getByKey(key: string): KvState | undefined {
    return this.#states.get(key)?.state;
  }

  /**
   * The state registered under the id whose 16 wire bytes start at `bytes[at]` (the server's hot path: no key string
   * is made when the same state is asked for again).
   */
  getByIdBytes(bytes: Uint8Array, at: number): KvState | undefined {
    const w0 = int32At(bytes, at), w1 = int32At(bytes, at + 4), w2 = int32At(bytes, at + 8), w3 = int32At(bytes, at + 12);
    if (this.#lastState !== undefined && w0 === this.#last0 && w1 === this.#last1 && w2 === this.#last2 && w3 === this.#last3) {
      return this.#lastState;
    }
    const state = this.#states.get(idKeyOfBytes(bytes, at))?.state;
    if (state !== undefined) {
      this.#lastState = state;
      this.#last0 = w0;
      this.#last1 = w1;
      this.#last2 = w2;
      this.#last3 = w3;
    }
    return state;
  }

  /** How many states are registered. */
  get size(): number {
    return this.#states.size;
  }

  /** Subscribes to registrations; returns a function that unsubscribes. */
  addListener(listener: KvStateRegistryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
