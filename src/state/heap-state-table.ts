/**
 * The storage every heap state shares: one entry per serialized key+namespace, so a query
 * finds its value from the request bytes without deserializing the key.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { AnswerCache, MAX_SLAB_ANSWER, slabCopy } from "./answer-cache.ts";
import type { StateKind } from "./descriptors.ts";
import { bytesToId, type EntryId, entryId, idToBytes } from "./entry-ids.ts";
import { firstAfter, firstAtLeast, hasNamespace, keyAndNamespace, KeyGroupIds, type ListedGroup, MAX_LISTED_GROUPS, sortedKeys } from "./key-group-index.ts";

const MAX_KEPT_SCRATCH = 64 * 1024;

/** What a state needs from its backend: which key and namespace are current. */
export interface KeyContext {
  /** The id of the current key+namespace bytes (see {@link entryId}); throws when no key is set. */
  currentId(stateName: string): EntryId;
  /** Told after every write of state `stateName` for the current key (its key group's version moves on). */
  written(stateName: string): void;
  /** The current key's key group (after the id: {@link currentId} computes both). */
  readonly currentKeyGroup: number;
  /** Bytes of the current key in the id (the id is key ‖ 0x2A ‖ namespace). */
  readonly currentKeyLength: number;
  /** A key from its serialized bytes. */
  keyFromBytes(bytes: Uint8Array): unknown;
  /** The serialized bytes of a namespace, as each of the backend's namespace serializers writes it. */
  namespaceBytes(namespace: unknown): Uint8Array[];
}

/** One page of a key listing: keys in (key group, key bytes) order, and whether the key groups asked for are done. */
export interface KeyPage {
  /** The keys found: each with its key group and serialized key (without namespace). */
  readonly keys: { readonly keyGroup: number; readonly key: Uint8Array }[];
  /** True when every key of the key groups asked for is in this or an earlier page. */
  readonly complete: boolean;
}

/**
 * Copies a value through its serializer when it is an object, so a shared template (a
 * default or initial value) is never mutated through a state. Primitives are immutable.
 */
export function copyValue<T>(value: T, serializer: TypeSerializer<T>): T {
  if (value === null || typeof value !== "object") return value;
  const w = new ByteWriter(serializer.length > 0 ? serializer.length : 64);
  serializer.serialize(value, w);
  return serializer.deserialize(new ByteReader(w.view()));
}

/**
 * Base of the heap states: the entry table of one state and the KvState query. `S` is what is stored per key (a
 * value, an array, a map store). The table maps each {@link EntryId} to its value and nothing else (a key costs a
 * table slot and its value); the key groups' ids sit in small per-group sets for key listings, and serialized answers
 * in a bounded cache.
 *
 * Subclasses mutate a stored value only through {@link changed} or {@link store}, which drop the cached bytes; a
 * query serializes into a fresh array, so bytes handed out earlier are never changed by later updates.
 */
export abstract class HeapState<S> {
  readonly name: string;
  abstract readonly kind: StateKind;
  protected readonly ctx: KeyContext;
  /** Each id's value, as {@link pack} keeps it. */
  readonly #table = new Map<EntryId, unknown>();
  /** The ids with a value, per key group (for key listings). */
  readonly #byKeyGroup = new Map<number, KeyGroupIds>();
  /** The key groups of {@link #byKeyGroup} in order; undefined once one is added or dropped. */
  #groupOrder: number[] | undefined;
  /** Sorted keys of the key groups where key listings stopped mid-group (a few, the latest last). */
  readonly #listed = new Map<number, ListedGroup>();
  /** Serialized answers (only while {@link cacheAnswers}). */
  readonly #cache = new AnswerCache();
  #scratch: ByteWriter | undefined;

  constructor(name: string, ctx: KeyContext) {
    this.name = name;
    this.ctx = ctx;
  }

  /**
   * Whether answers are worth keeping between queries: false where serializing is cheaper than a cache
   * (values of a fixed length, such as longs).
   */
  protected get cacheAnswers(): boolean {
    return true;
  }

  /**
   * How a value is kept in the table (by default as it is). A state may keep values in a cheaper form, e.g. small
   * longs as numbers, which a table holds without an object per value; {@link unpack} gives the value back.
   */
  protected pack(value: S): unknown {
    return value;
  }

  /** The value {@link pack} kept as `stored`. */
  protected unpack(stored: unknown): S {
    return stored as S;
  }

  /** The current key's value, if it has one. */
  protected current(): S | undefined {
    const stored = this.#table.get(this.ctx.currentId(this.name));
    return stored === undefined ? undefined : this.unpack(stored);
  }

  /** The value stored for serialized key+namespace bytes, if any (what a query finds). */
  protected storedFor(serializedKeyAndNamespace: Uint8Array): S | undefined {
    const stored = this.#table.get(entryId(serializedKeyAndNamespace));
    return stored === undefined ? undefined : this.unpack(stored);
  }

  /** Stores `value` for the current key (null/undefined removes it). */
  protected store(value: S | null | undefined): void {
    const id = this.ctx.currentId(this.name);
    if (value === null || value === undefined) this.#remove(id);
    else {
      const size = this.#table.size;
      this.#table.set(id, this.pack(value));
      if (this.#table.size !== size) {
        const keyGroup = this.ctx.currentKeyGroup;
        let ids = this.#byKeyGroup.get(keyGroup);
        if (ids === undefined) {
          this.#byKeyGroup.set(keyGroup, ids = new KeyGroupIds(this.#table));
          this.#groupOrder = undefined;
        }
        ids.add(id, this.ctx.currentKeyLength);
      } else this.#uncache(id);
    }
    this.ctx.written(this.name);
  }

  #remove(id: EntryId): void {
    if (!this.#table.delete(id)) return;
    this.#uncache(id);
    const keyGroup = this.ctx.currentKeyGroup;
    const ids = this.#byKeyGroup.get(keyGroup);
    if (ids !== undefined) {
      ids.delete(id);
      if (ids.size === 0) {
        this.#byKeyGroup.delete(keyGroup);
        this.#groupOrder = undefined;
        this.#listed.delete(keyGroup);
      }
    }
  }

  #uncache(id: EntryId): void {
    this.#cache.drop(id);
  }

  /**
   * Stores `fn(current)` for the current key, starting from `initial()` when it has no value.
   * `fn` may mutate the current value in place (accumulators often do): if it then throws,
   * the cached bytes are dropped so queries never serve bytes of a value that has changed.
   */
  protected transform(initial: () => S, fn: (current: S) => S | null | undefined): void {
    const current = this.current();
    try {
      this.store(fn(current === undefined ? initial() : current));
    } catch (err) {
      if (current !== undefined) this.#uncache(this.ctx.currentId(this.name));
      throw err;
    }
  }

  /** Call after mutating the current key's value in place. */
  protected changed(): void {
    this.#uncache(this.ctx.currentId(this.name));
    this.ctx.written(this.name);
  }

  clear(): void {
    this.#remove(this.ctx.currentId(this.name));
    this.ctx.written(this.name);
  }

  /**
   * Up to `limit` keys with a value in `namespace` (its serialized bytes), in key groups `fromKeyGroup` to `toKeyGroup`,
   * ordered by key group and then by key bytes, starting after key `after` of `fromKeyGroup` (its bytes; null: from
   * the start). The order is stable, so a listing resumed from its last key misses and repeats nothing that stayed.
   */
  listKeys(fromKeyGroup: number, toKeyGroup: number, after: Uint8Array | null, namespace: Uint8Array, limit: number): KeyPage {
    const keys: { keyGroup: number; key: Uint8Array }[] = [];
    const ns = namespace;
    const nsId = bytesToId(ns);
    const afterId = after === null ? undefined : bytesToId(after);
    // Only the key groups that hold values are visited, in order.
    const groups = (this.#groupOrder ??= [...this.#byKeyGroup.keys()].sort((a, b) => a - b));
    for (let g = firstAtLeast(groups, fromKeyGroup); g < groups.length && groups[g] <= toKeyGroup; g++) {
      const kg = groups[g];
      const ids = this.#byKeyGroup.get(kg)!;
      let listed = this.#listed.get(kg);
      if (listed === undefined || listed.ids !== ids || listed.ns !== nsId || listed.adds !== ids.adds) {
        listed = { ids, ns: nsId, adds: ids.adds, removes: ids.removes, keys: sortedKeys(ids, ns) };
      }
      const sorted = listed.keys;
      // Keys removed since the group was sorted are skipped (their entry is gone).
      const check = listed.removes !== ids.removes;
      let i = kg === fromKeyGroup && afterId !== undefined ? firstAfter(sorted, afterId) : 0;
      for (; i < sorted.length; i++) {
        if (check && !this.#table.has(entryId(keyAndNamespace(sorted[i], ns)))) continue;
        if (keys.length === limit) {
          // The next page starts here: keep this group's order for it (a few groups at most, the oldest dropped).
          this.#listed.delete(kg);
          if (this.#listed.size >= MAX_LISTED_GROUPS) this.#listed.delete(this.#listed.keys().next().value!);
          this.#listed.set(kg, listed);
          return { keys, complete: false };
        }
        keys.push({ keyGroup: kg, key: idToBytes(sorted[i]) });
      }
      this.#listed.delete(kg);
    }
    return { keys, complete: true };
  }

  /** The query format of a stored value; null when it is empty (an empty list or map). */
  protected abstract serialize(value: S): Uint8Array | null;

  /**
   * The serialized value for serialized key+namespace bytes, or null when there is none.
   * Bytes of keys outside this backend's key groups, of other namespaces or of other key
   * types simply match no entry. The returned array may be shared with later queries: read it only.
   */
  getSerializedValue(serializedKeyAndNamespace: Uint8Array): Uint8Array | null {
    if (!(serializedKeyAndNamespace instanceof Uint8Array)) {
      throw new InvalidArgumentError(`getSerializedValue of state '${this.name}' needs a Uint8Array, got ${typeof serializedKeyAndNamespace}.`);
    }
    const id = entryId(serializedKeyAndNamespace);
    const cached = this.#cache.get(id);
    if (cached !== undefined) return cached;
    const stored = this.#table.get(id);
    if (stored === undefined) return null;
    const bytes = this.serialize(this.unpack(stored));
    if (bytes !== null && this.cacheAnswers) this.#cache.keep(id, bytes);
    return bytes;
  }

  /**
   * Runs `write` on a reused writer and returns a copy of what it wrote. Small answers that are not cached are
   * copied into a shared slab (a fresh small array costs far more than its bytes on some engines, Deno's above all).
   */
  protected written(write: (w: ByteWriter) => void): Uint8Array {
    const w = (this.#scratch ??= new ByteWriter(64)).reset();
    write(w);
    if (w.length <= MAX_SLAB_ANSWER && !this.cacheAnswers) return slabCopy(w.rawBuffer, w.length);
    const bytes = w.toBytes();
    // Do not keep a buffer sized for one huge value alive for the state's lifetime.
    if (w.rawBuffer.length > MAX_KEPT_SCRATCH) this.#scratch = undefined;
    return bytes;
  }

  /** Runs `write` on a reused writer and returns the id ({@link bytesToId}) of what it wrote. */
  protected writtenId(write: (w: ByteWriter) => void): string {
    const w = (this.#scratch ??= new ByteWriter(64)).reset();
    write(w);
    return bytesToId(w.view());
  }

  /** Number of (key, namespace) pairs with a value. */
  get storedCount(): number {
    return this.#table.size;
  }

  /**
   * Keys with a value (deserialized from their bytes), in `namespace` (the same serialized bytes) or in any namespace
   * when omitted; in no particular order.
   */
  storedKeys(namespace?: unknown): unknown[] {
    const out: unknown[] = [];
    const wanted = namespace === undefined ? undefined : this.ctx.namespaceBytes(namespace);
    if (wanted !== undefined && wanted.length === 0) return out;
    const seen = new Set<string>();
    for (const ids of this.#byKeyGroup.values()) {
      ids.forEach((bytes, keyLength) => {
        if (wanted !== undefined && !wanted.some((ns) => hasNamespace(bytes, keyLength, ns))) return;
        const id = bytesToId(bytes);
        if (seen.has(id)) return;
        seen.add(id);
        out.push(this.ctx.keyFromBytes(bytes.subarray(0, keyLength)));
      });
    }
    return out;
  }
}
