/**
 * A heap state's index of its keys per key group, as key listings walk it: the ids of each key group, and the
 * helpers that find where a page resumes (binary searches over sorted keys) and match a namespace by its bytes.
 */
import { bytesToId, type EntryId, entryIdBytes, impliedKeyLength } from "./entry-ids.ts";

/**
 * The ids with a value in one key group (for key listings). Number ids of a long or int key in no namespace sit in a
 * plain array (8 bytes each, where a set would take about four times that): a removal only counts, and the array is
 * compacted once most of it is stale; so it may hold removed ids and repeats, which {@link forEach} skips. Every
 * other id sits in a map with its key's length.
 */
export class KeyGroupIds {
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

/** Key groups whose sorted keys a state keeps for listings that stopped in them. */
export const MAX_LISTED_GROUPS = 8;

/** One key group's keys in one namespace, sorted, as a listing left them (current while `ids` saw no additions). */
export interface ListedGroup {
  readonly ids: KeyGroupIds;
  /** The namespace's bytes as a {@link bytesToId} id. */
  readonly ns: string;
  readonly adds: number;
  readonly removes: number;
  /** The keys' bytes as {@link bytesToId} ids, in byte order, each once. */
  readonly keys: string[];
}

/** The keys (as ids of their bytes) of a key group's entries in namespace `ns`, in byte order, each once. */
export function sortedKeys(ids: KeyGroupIds, ns: Uint8Array): string[] {
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
export function keyAndNamespace(key: string, ns: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length + 1 + ns.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  out[key.length] = 0x2a;
  out.set(ns, key.length + 1);
  return out;
}

/** The first position in ascending `xs` not below `x`. */
export function firstAtLeast(xs: readonly number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position in ascending `xs` above `x`. */
export function firstAfter(xs: readonly string[], x: string): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether key+namespace bytes with a key of `keyLength` bytes are in namespace `ns` (its bytes). */
export function hasNamespace(bytes: Uint8Array, keyLength: number, ns: Uint8Array): boolean {
  if (bytes.length !== keyLength + 1 + ns.length) return false;
  for (let i = 0; i < ns.length; i++) if (bytes[keyLength + 1 + i] !== ns[i]) return false;
  return true;
}
