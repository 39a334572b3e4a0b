/**
 * The storage every heap state shares: one entry per serialized key+namespace, so a query
 * finds its value from the request bytes without deserializing the key.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import type { StateKind } from "./descriptors.ts";

const CHUNK = 4096;
const MAX_KEPT_SCRATCH = 64 * 1024;

/**
 * A string with one char per byte (latin1), usable as a Map key. Distinct bytes give
 * distinct strings, so it identifies serialized key+namespace bytes exactly.
 */
export function bytesToId(bytes: Uint8Array): string {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}

/** The bytes a {@link bytesToId} id stands for. */
export function idToBytes(id: string): Uint8Array {
  const out = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) out[i] = id.charCodeAt(i);
  return out;
}

/**
 * What identifies one serialized key+namespace in a state's table: a number for the common shapes (a key of 8 or 4
 * bytes in no namespace, i.e. a long or int key with VoidNamespace), else the bytes as a {@link bytesToId} string.
 * Numbers cost no allocation and hash fast; the mapping is one to one, so equal bytes always give the same id.
 */
export type EntryId = number | string;

const TWO_32 = 2 ** 32;
/** Longs up to ±2^51 become numbers (×2, so ints can take the odd numbers); others stay strings. */
const LONG_HI_LIMIT = 2 ** 19;

/** The {@link EntryId} of serialized key+namespace bytes. */
export function entryId(b: Uint8Array): EntryId {
  const n = b.length;
  if (n === 10 && b[8] === 0x2a && b[9] === 0) {
    const hi = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (hi >= -LONG_HI_LIMIT && hi < LONG_HI_LIMIT) {
      const lo = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
      return (hi * TWO_32 + lo) * 2;
    }
  } else if (n === 6 && b[4] === 0x2a && b[5] === 0) {
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) * 2 + 1;
  }
  return bytesToId(b);
}

/** The bytes an {@link EntryId} stands for. */
export function entryIdBytes(id: EntryId): Uint8Array {
  if (typeof id === "string") return idToBytes(id);
  if (id % 2 !== 0) {
    const v = (id - 1) / 2;
    return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, 0x2a, 0]);
  }
  const v = id / 2;
  const hi = Math.floor(v / TWO_32), lo = v - hi * TWO_32;
  return new Uint8Array([hi >>> 24 & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff, 0x2a, 0]);
}

/** The key length a number {@link EntryId} implies (8 for a long, 4 for an int). */
function impliedKeyLength(id: number): number {
  return id % 2 === 0 ? 8 : 4;
}

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
 * The ids with a value in one key group (for key listings). Number ids of a long or int key in no namespace sit in a
 * plain array (8 bytes each, where a set would take about four times that): a removal only counts, and the array is
 * compacted once most of it is stale; so it may hold removed ids and repeats, which {@link forEach} skips. Every
 * other id sits in a map with its key's length.
 */
class KeyGroupIds {
  #nums: number[] = [];
  #liveNums = 0;
  #other: Map<EntryId, number> | undefined;
  /** Ids added so far (a listing's sorted keys of this group are current while this stays). */
  adds = 0;
  /** Ids removed so far (a listing's sorted keys may hold removed keys when this moved). */
  removes = 0;
  readonly #table: Map<EntryId, unknown>;

  constructor(table: Map<EntryId, unknown>) {
    this.#table = table;
  }

  get size(): number {
    return this.#liveNums + (this.#other?.size ?? 0);
  }

  /** Adds an id new to the table. */
  add(id: EntryId, keyLength: number): void {
    this.adds++;
    if (typeof id === "number" && keyLength === impliedKeyLength(id)) {
      this.#nums.push(id);
      this.#liveNums++;
    } else (this.#other ??= new Map()).set(id, keyLength);
  }

  /** Drops an id just removed from the table. */
  delete(id: EntryId): void {
    this.removes++;
    if (this.#other?.delete(id) === true || typeof id !== "number") return;
    this.#liveNums--;
    if (this.#nums.length > 2 * this.#liveNums + 64) this.#compact();
  }

  /** Keeps the ids still in the table, each once. */
  #compact(): void {
    const kept = Float64Array.from(this.#nums.filter((id) => this.#table.has(id))).sort();
    const nums: number[] = [];
    for (let i = 0; i < kept.length; i++) if (i === 0 || kept[i] !== kept[i - 1]) nums.push(kept[i]);
    this.#nums = nums;
  }

  /** Calls `f` with the bytes and the key length of each id with a value (a number id may come more than once). */
  forEach(f: (bytes: Uint8Array, keyLength: number) => void): void {
    const nums = this.#nums;
    for (let i = 0; i < nums.length; i++) if (this.#table.has(nums[i])) f(entryIdBytes(nums[i]), impliedKeyLength(nums[i]));
    if (this.#other !== undefined) for (const [id, keyLength] of this.#other) f(entryIdBytes(id), keyLength);
  }
}

/**
 * Small answers are cut from shared slabs: each part is handed out once and never written again, so bytes handed out
 * never change; a slab lives as long as one of its answers does (answers are short-lived: a frame is written and they
 * are gone; cached answers are never cut from a slab).
 */
const SLAB_SIZE = 4096;
const MAX_SLAB_ANSWER = 64;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

function slabCopy(from: Uint8Array, n: number): Uint8Array {
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  for (let i = 0; i < n; i++) out[i] = from[i];
  slabUsed += n;
  return out;
}

/** Serialized answers kept per state, at most (about: see {@link AnswerCache}). */
const CACHE_ENTRIES = 16_384;
const CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Serialized answers by id, in two generations: new answers go to the young one, and when that is full it becomes
 * the old one (the previous old one is dropped). Bounded, and every operation takes constant time (dropping one
 * oldest entry at a time from a Map does not: engines skip the deleted slots at its front on every drop).
 */
class AnswerCache {
  #young = new Map<EntryId, Uint8Array>();
  #youngBytes = 0;
  #old = new Map<EntryId, Uint8Array>();

  get(id: EntryId): Uint8Array | undefined {
    if (this.#young.size > 0) {
      const bytes = this.#young.get(id);
      if (bytes !== undefined) return bytes;
    }
    return this.#old.size > 0 ? this.#old.get(id) : undefined;
  }

  /** Forgets the answer of `id` (its value changed). */
  drop(id: EntryId): void {
    if (this.#young.size > 0) {
      const bytes = this.#young.get(id);
      if (bytes !== undefined) {
        this.#young.delete(id);
        this.#youngBytes -= bytes.length;
      }
    }
    if (this.#old.size > 0) this.#old.delete(id);
  }

  keep(id: EntryId, bytes: Uint8Array): void {
    if (bytes.length > CACHE_BYTES / 16) return;
    this.#young.set(id, bytes);
    this.#youngBytes += bytes.length;
    if (this.#young.size >= CACHE_ENTRIES / 2 || this.#youngBytes >= CACHE_BYTES / 2) {
      this.#old = this.#young;
      this.#young = new Map();
      this.#youngBytes = 0;
    }
  }
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

/** Key groups whose sorted keys a state keeps for listings that stopped in them. */
const MAX_LISTED_GROUPS = 8;

/** One key group's keys in one namespace, sorted, as a listing left them (current while `ids` saw no additions). */
interface ListedGroup {
  readonly ids: KeyGroupIds;
  /** The namespace's bytes as a {@link bytesToId} id. */
  readonly ns: string;
  readonly adds: number;
  readonly removes: number;
  /** The keys' bytes as {@link bytesToId} ids, in byte order, each once. */
  readonly keys: string[];
}

/** The keys (as ids of their bytes) of a key group's entries in namespace `ns`, in byte order, each once. */
function sortedKeys(ids: KeyGroupIds, ns: Uint8Array): string[] {
  const found: string[] = [];
  ids.forEach((bytes, keyLength) => {
    if (hasNamespace(bytes, keyLength, ns)) found.push(bytesToId(bytes.subarray(0, keyLength)));
  });
  // Latin1 ids compare as their bytes do.
  found.sort();
  let n = 0;
  for (let i = 0; i < found.length; i++) if (i === 0 || found[i] !== found[i - 1]) found[n++] = found[i];
  found.length = n;
  return found;
}

/** Key+namespace bytes of a key (as the id of its bytes) in namespace `ns`. */
function keyAndNamespace(key: string, ns: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1 + ns.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  out[key.length] = 0x2a;
  out.set(ns, key.length + 1);
  return out;
}

/** The first position in ascending `xs` not below `x`. */
function firstAtLeast(xs: readonly number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in ascending `xs` above `x`. */
function firstAfter(xs: readonly string[], x: string): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether key+namespace bytes with a key of `keyLength` bytes are in namespace `ns` (its bytes). */
function hasNamespace(bytes: Uint8Array, keyLength: number, ns: Uint8Array): boolean {
  if (bytes.length !== keyLength + 1 + ns.length) return false;
  for (let i = 0; i < ns.length; i++) if (bytes[keyLength + 1 + i] !== ns[i]) return false;
  return true;
}
