/**
 * Flink's HeapMapState: a map per key, queried in the map format (per entry: key bytes,
 * isNull byte, value bytes).
 */
import { ByteReader } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { MapStateDescriptor } from "./descriptors.ts";
import { HeapState, type KeyContext } from "./heap-state-table.ts";
import type { MapState } from "./keyed-states.ts";

/** Marks a user key that is matched by its serialized bytes rather than by JS equality. */
const BY_BYTES: unique symbol = Symbol("by bytes");

/**
 * The entries of one key's map. Primitive user keys (string, number, bigint, boolean, null)
 * key a JS Map directly; other keys (tuples, byte arrays) are matched by their serialized
 * bytes, so equal keys collide as they do in Java's HashMap.
 */
class MapStore<UK, UV> {
  readonly prim = new Map<unknown, UV>();
  byBytes: Map<string, { readonly key: UK; value: UV }> | undefined;

  get size(): number {
    return this.prim.size + (this.byBytes?.size ?? 0);
  }
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
   * order (strings, numbers, bigints and booleans by value, as Java compares them; other keys by their bytes), those
   * with a prefix (string user keys) or in `[from, to)`, after `after`; bounds are serialized user keys.
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
    const all: { key: UK; value: UV; bytes: Uint8Array }[] = [];
    const keyBytes = (k: UK) => this.written((w) => ks.serialize(k, w));
    for (const [k, v] of m.prim) all.push({ key: k as UK, value: v, bytes: keyBytes(k as UK) });
    if (m.byBytes !== undefined) for (const { key, value } of m.byBytes.values()) all.push({ key, value, bytes: keyBytes(key) });
    const cmp = (a: { key: UK; bytes: Uint8Array }, b: { key: UK; bytes: Uint8Array }) => compareKeys(a.key, b.key, a.bytes, b.bytes);
    const picked = all.filter((e) =>
      (prefix === undefined || (typeof e.key === "string" && e.key.startsWith(prefix.value as string))) &&
      (from === undefined || cmp({ key: e.key, bytes: e.bytes }, { key: from.value, bytes: from.bytes }) >= 0) &&
      (to === undefined || cmp({ key: e.key, bytes: e.bytes }, { key: to.value, bytes: to.bytes }) < 0) &&
      (after === undefined || cmp({ key: e.key, bytes: e.bytes }, { key: after.value, bytes: after.bytes }) > 0)
    ).sort(cmp);
    const page = picked.slice(0, q.limit).map((e) => ({
      key: e.bytes,
      value: e.value === null || e.value === undefined ? null : this.written((w) => vs.serialize(e.value, w)),
    }));
    return { entries: page, complete: picked.length <= q.limit };
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
      m.prim.set(p, value);
      return;
    }
    const map = (m.byBytes ??= new Map());
    const slot = map.get(id);
    if (slot !== undefined) slot.value = value;
    else map.set(id, { key, value });
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

/** Java's order of map keys of one type: strings by UTF-16 units, numbers and bigints by value; others by their bytes. */
function compareKeys(a: unknown, b: unknown, ab: Uint8Array, bb: Uint8Array): number {
  const t = typeof a;
  if (t === typeof b && (t === "string" || t === "bigint" || t === "boolean" || (t === "number" && !Number.isNaN(a) && !Number.isNaN(b)))) {
    if ((a as number) < (b as number)) return -1;
    if ((a as number) > (b as number)) return 1;
    if (t !== "number" || Object.is(a, b)) return 0;
  }
  const n = Math.min(ab.length, bb.length);
  for (let i = 0; i < n; i++) if (ab[i] !== bb[i]) return ab[i] - bb[i];
  return ab.length - bb.length;
}
