/**
 * Flink's HeapMapState: a map per key, queried in the map format (per entry: key bytes,
 * isNull byte, value bytes).
 */
import { ByteReader } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { MapStateDescriptor } from "./descriptors.ts";
import { HeapState, type KeyContext } from "./heap-state-table.ts";
import { bytesToId, idToBytes } from "./entry-ids.ts";
import type { MapState } from "./keyed-states.ts";

/** Marks a user key that is matched by its serialized bytes rather than by JS equality. */
const BY_BYTES: unique symbol = Symbol("by bytes");

/** An entry matched by its key's bytes: the key, its value, and its bytes as a {@link bytesToId} string. */
interface ByBytesEntry<UK, UV> {
  readonly key: UK;
  value: UV;
  readonly id: string;
}

/**
 * One map's user keys in scan order, for {@link HeapMapState.scan}: built by the map's first scan, then kept up to
 * date by its writes. An element is a primitive user key (of `prim`) or a {@link ByBytesEntry} (of `byBytes`), so the
 * index costs one array slot per entry and no copy of a key. A write does not sort: a new key goes to `pending` (merged
 * in by the next scan), a removed one stays in `sorted` until a scan skips or compacts it (`dead` counts them).
 */
interface ScanIndex {
  sorted: unknown[];
  pending: unknown[];
  dead: number;
}

/**
 * The entries of one key's map. Primitive user keys (string, number, bigint, boolean, null)
 * key a JS Map directly; other keys (tuples, byte arrays) are matched by their serialized
 * bytes, so equal keys collide as they do in Java's HashMap.
 */
class MapStore<UK, UV> {
  readonly prim = new Map<unknown, UV>();
  byBytes: Map<string, ByBytesEntry<UK, UV>> | undefined;
  /** The scan index, once the map has been scanned (dropped when writes outgrow it). */
  index: ScanIndex | undefined;

  get size(): number {
    return this.prim.size + (this.byBytes?.size ?? 0);
  }

  /** A key new to the map: the index (if any) takes it, or is dropped when its backlog outgrows the map. */
  added(entry: unknown): void {
    const idx = this.index;
    if (idx === undefined) return;
    idx.pending.push(entry);
    this.#bound(idx);
  }

  /** A key removed from the map. */
  removed(): void {
    const idx = this.index;
    if (idx === undefined) return;
    idx.dead++;
    this.#bound(idx);
  }

  /** Writes between scans cost the index at most about the map's size again; beyond that a rebuild is cheaper. */
  #bound(idx: ScanIndex): void {
    if (idx.pending.length + idx.dead > Math.max(MIN_INDEX_BACKLOG, idx.sorted.length)) this.index = undefined;
  }
}

/** Writes an index absorbs between scans however small the map (above this and above the map's size: dropped). */
const MIN_INDEX_BACKLOG = 1024;

/** Whether an index element is a {@link ByBytesEntry} (primitive keys are never objects). */
function isByBytes<UK, UV>(e: unknown): e is ByBytesEntry<UK, UV> {
  return typeof e === "object" && e !== null;
}

export class HeapMapState<UK, UV> extends HeapState<MapStore<UK, UV>> implements MapState<UK, UV> {
  readonly kind = "map" as const;
  readonly descriptor: MapStateDescriptor<UK, UV>;
  #negativeZero: 0 | typeof BY_BYTES | undefined;

  constructor(descriptor: MapStateDescriptor<UK, UV>, ctx: KeyContext) {
    super(descriptor.name, ctx);
    this.descriptor = descriptor;
  }

  get(key: UK): UV | undefined {
    const m = this.current();
    if (m === undefined) return undefined;
    const p = this.#primKey(key);
    return p !== BY_BYTES ? m.prim.get(p) : m.byBytes?.get(this.#idOf(key))?.value;
  }

  contains(key: UK): boolean {
    const m = this.current();
    if (m === undefined) return false;
    const p = this.#primKey(key);
    return p !== BY_BYTES ? m.prim.has(p) : m.byBytes?.has(this.#idOf(key)) === true;
  }

  put(key: UK, value: UV): void {
    const p = this.#primKey(key);
    const id = p === BY_BYTES ? this.#idOf(key) : undefined; // may throw: before any change
    const stored = this.current();
    const m = stored ?? new MapStore<UK, UV>();
    this.#set(m, p, id, key, value);
    if (stored === undefined) this.store(m);
    else this.changed();
  }

  putAll(entries: Iterable<readonly [UK, UV]> | ReadonlyMap<UK, UV>): void {
    if (entries === null || entries === undefined || typeof entries[Symbol.iterator] !== "function") {
      throw new InvalidArgumentError(`MapState '${this.name}'.putAll needs a Map or an iterable of [key, value] pairs, got ${String(entries)}.`);
    }
    // Resolve every key first, so a key that cannot be serialized changes nothing.
    const slots: [unknown, string | undefined, UK, UV][] = [];
    for (const pair of entries) {
      if (!Array.isArray(pair) || pair.length < 2) {
        throw new InvalidArgumentError(`MapState '${this.name}'.putAll: every entry must be a [key, value] pair, got ${String(pair)}.`);
      }
      const [k, v] = pair as readonly [UK, UV];
      const p = this.#primKey(k);
      slots.push([p, p === BY_BYTES ? this.#idOf(k) : undefined, k, v]);
    }
    if (slots.length === 0) return;
    const stored = this.current();
    const m = stored ?? new MapStore<UK, UV>();
    for (const [p, id, k, v] of slots) this.#set(m, p, id, k, v);
    if (stored === undefined) this.store(m);
    else this.changed();
  }

  remove(key: UK): void {
    const m = this.current();
    if (m === undefined) return;
    const p = this.#primKey(key);
    const removed = p !== BY_BYTES ? m.prim.delete(p) : m.byBytes?.delete(this.#idOf(key)) === true;
    if (!removed) return;
    m.removed();
    // As Flink's heap backend: a map that becomes empty is removed, so queries find nothing.
    if (m.size === 0) this.clear();
    else this.changed();
  }

  entries(): [UK, UV][] {
    const m = this.current();
    const out: [UK, UV][] = [];
    if (m === undefined) return out;
    for (const [k, v] of m.prim) out.push([k as UK, v]);
    if (m.byBytes !== undefined) for (const { key, value } of m.byBytes.values()) out.push([key, value]);
    return out;
  }

  keys(): UK[] {
    return this.entries().map((e) => e[0]);
  }

  values(): UV[] {
    return this.entries().map((e) => e[1]);
  }

  isEmpty(): boolean {
    const m = this.current();
    return m === undefined || m.size === 0;
  }

  /**
   * One page of the map stored for serialized key+namespace bytes (null when there is none): its entries in user-key
   * order (strings, numbers, bigints and booleans by value, as Java compares them, doubles as `Double.compare`; other
   * keys by their bytes), those with a prefix (string user keys) or in `[from, to)`, after `after`; bounds are serialized
   * user keys. The map's first scan sorts its keys into an index that later writes keep up to date, so a page costs a
   * binary search and its own entries.
   * @throws InvalidArgumentError when a bound does not deserialize with the user-key serializer, or a prefix is not a string
   */
  scan(
    serializedKeyAndNamespace: Uint8Array,
    q: { from: Uint8Array | null; to: Uint8Array | null; prefix: Uint8Array | null; after: Uint8Array | null; limit: number },
  ): { entries: { key: Uint8Array; value: Uint8Array | null }[]; complete: boolean } | null {
    const m = this.storedFor(serializedKeyAndNamespace);
    if (m === undefined) return null;
    const ks = this.descriptor.userKeySerializer;
    const vs = this.descriptor.userValueSerializer;
    const bound = (b: Uint8Array | null, what: string): { value: UK; bytes: Uint8Array } | undefined => {
      if (b === null) return undefined;
      try {
        const r = new ByteReader(b);
        const value = ks.deserialize(r);
        if (r.remaining !== 0) throw new Error(`${r.remaining} byte(s) left over`);
        return { value, bytes: b };
      } catch (e) {
        throw new InvalidArgumentError(`The scan's ${what} does not deserialize with ${ks.name} (${(e as Error).message}): serialize it with the map's user-key serializer.`);
      }
    };
    const from = bound(q.from, "start"), to = bound(q.to, "end"), prefix = bound(q.prefix, "prefix"), after = bound(q.after, "cursor");
    if (prefix !== undefined && typeof prefix.value !== "string") throw new InvalidArgumentError(`A prefix scan needs string map keys; ${ks.name} keys take a range (from, to).`);
    const sorted = this.#sortedKeys(m);
    const cmp = this.#compare;
    const probe = (b: { value: UK; bytes: Uint8Array }): ByBytesEntry<UK, null> => ({ key: b.value, value: null, id: bytesToId(b.bytes) });
    // The first position past every lower bound, by binary search.
    let start = 0;
    if (from !== undefined) start = Math.max(start, lowerBound(sorted, probe(from), cmp, false));
    if (prefix !== undefined) start = Math.max(start, lowerBound(sorted, probe(prefix), cmp, false));
    if (after !== undefined) start = Math.max(start, lowerBound(sorted, probe(after), cmp, true));
    const end = to === undefined ? undefined : probe(to);
    const p = prefix === undefined ? undefined : prefix.value as string;
    const entries: { key: Uint8Array; value: Uint8Array | null }[] = [];
    for (let i = start; i < sorted.length; i++) {
      const e = sorted[i];
      if (end !== undefined && cmp(e, end) >= 0) break;
      const byBytes = isByBytes<UK, UV>(e);
      const k = byBytes ? e.key : e as UK;
      if (p !== undefined) {
        if (typeof k !== "string") continue;
        // Strings with the prefix are contiguous in UTF-16 order: one past them ends the page.
        if (!k.startsWith(p)) {
          if (k > p) break;
          continue;
        }
      }
      // Removed since the index was sorted (or revived: a primitive key that is back is live again).
      if (byBytes ? m.byBytes?.get(e.id) !== e : !m.prim.has(k)) continue;
      if (entries.length === q.limit) return { entries, complete: false };
      const v = byBytes ? e.value : m.prim.get(k) as UV;
      entries.push({
        key: byBytes ? idToBytes(e.id) : this.written((w) => ks.serialize(k, w)),
        value: v === null || v === undefined ? null : this.written((w) => vs.serialize(v, w)),
      });
    }
    return { entries, complete: true };
  }

  /**
   * Java's order of two index elements (or probes): strings by UTF-16 units, numbers as `Double.compare` (NaN last),
   * bigints by value; others (and keys of two types) by their bytes.
   */
  readonly #compare = (a: unknown, b: unknown): number => {
    const ka = isByBytes<UK, UV>(a) ? a.key : a;
    const kb = isByBytes<UK, UV>(b) ? b.key : b;
    const t = typeof ka, tb = typeof kb;
    if (t === tb) {
      if (t === "number") return compareNumbers(ka as number, kb as number);
      if (t === "string" || t === "bigint" || t === "boolean") return (ka as string) < (kb as string) ? -1 : (ka as string) > (kb as string) ? 1 : 0;
    }
    // Latin1 ids compare as their bytes do.
    const ia = isByBytes<UK, UV>(a) ? a.id : this.#idOf(ka as UK);
    const ib = isByBytes<UK, UV>(b) ? b.id : this.#idOf(kb as UK);
    return ia < ib ? -1 : ia > ib ? 1 : 0;
  };

  /**
   * The map's index in scan order, brought up to date: built on the first scan (n log n), then the keys added since
   * are sorted and merged in, and removed ones dropped (linear, no key serialized); the elements may still include keys
   * removed since, which a scan skips.
   */
  #sortedKeys(m: MapStore<UK, UV>): unknown[] {
    const cmp = this.#compare;
    let idx = m.index;
    if (idx === undefined) {
      const sorted: unknown[] = [...m.prim.keys()];
      if (m.byBytes !== undefined) for (const e of m.byBytes.values()) sorted.push(e);
      sorted.sort(cmp);
      m.index = idx = { sorted, pending: [], dead: 0 };
      return sorted;
    }
    if (idx.pending.length === 0 && idx.dead <= idx.sorted.length / 4) return idx.sorted;
    const live = (e: unknown) => isByBytes<UK, UV>(e) ? m.byBytes?.get(e.id) === e : m.prim.has(e);
    const added = idx.pending.sort(cmp);
    const old = idx.sorted;
    const out: unknown[] = [];
    const emit = (e: unknown) => {
      if (!live(e)) return;
      // A key removed and added again may be in both lists (the added one comes later): keep it once, the newest (a
      // NaN key put again may be another NaN, and the map keeps that one).
      if (out.length > 0 && cmp(out[out.length - 1], e) === 0) out[out.length - 1] = e;
      else out.push(e);
    };
    let i = 0, j = 0;
    while (i < old.length && j < added.length) emit(cmp(old[i], added[j]) <= 0 ? old[i++] : added[j++]);
    while (i < old.length) emit(old[i++]);
    while (j < added.length) emit(added[j++]);
    m.index = { sorted: out, pending: [], dead: 0 };
    return out;
  }

  protected serialize(m: MapStore<UK, UV>): Uint8Array | null {
    if (m.size === 0) return null;
    const ks = this.descriptor.userKeySerializer;
    const vs = this.descriptor.userValueSerializer;
    return this.written((w) => {
      const entry = (k: UK, v: UV): void => {
        ks.serialize(k, w);
        if (v === null || v === undefined) w.writeBoolean(true);
        else {
          w.writeBoolean(false);
          vs.serialize(v, w);
        }
      };
      for (const [k, v] of m.prim) entry(k as UK, v);
      if (m.byBytes !== undefined) for (const { key, value } of m.byBytes.values()) entry(key, value);
    });
  }

  #set(m: MapStore<UK, UV>, p: unknown, id: string | undefined, key: UK, value: UV): void {
    if (id === undefined) {
      const size = m.prim.size;
      m.prim.set(p, value);
      if (m.prim.size !== size) m.added(p);
      return;
    }
    const map = (m.byBytes ??= new Map());
    const slot = map.get(id);
    if (slot !== undefined) slot.value = value;
    else {
      const entry: ByBytesEntry<UK, UV> = { key, value, id };
      map.set(id, entry);
      m.added(entry);
    }
  }

  /** The JS Map key for a primitive user key, or BY_BYTES. */
  #primKey(key: UK): unknown {
    if (key === null) return key;
    const t = typeof key;
    if (t === "object" || t === "function") return BY_BYTES;
    // JS Maps treat -0 as 0; Java's Double does not, its Integer does. Ask the serializer.
    if (t === "number" && key === 0 && 1 / (key as number) < 0) return (this.#negativeZero ??= this.#negativeZeroKey());
    return key;
  }

  #negativeZeroKey(): 0 | typeof BY_BYTES {
    try {
      return this.#idOf(-0 as UK) === this.#idOf(0 as UK) ? 0 : BY_BYTES;
    } catch {
      return BY_BYTES;
    }
  }

  #idOf(key: UK): string {
    return this.writtenId((w) => this.descriptor.userKeySerializer.serialize(key, w));
  }
}

/** Java's `Double.compare`: by value, -0 before 0, NaN after everything (and equal to itself): a total order. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a !== 0 || Object.is(a, b) ? 0 : Object.is(a, -0) ? -1 : 1;
  const an = Number.isNaN(a), bn = Number.isNaN(b);
  return an === bn ? 0 : an ? 1 : -1;
}

/** The first position in `sorted` whose element is past `probe` (`strict`) or not before it. */
function lowerBound(sorted: readonly unknown[], probe: unknown, cmp: (a: unknown, b: unknown) => number, strict: boolean): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(sorted[mid], probe);
    if (c < 0 || (strict && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
