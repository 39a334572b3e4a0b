/**
 * Flink's HeapMapState: a map per key, queried in the map format (per entry: key bytes,
 * isNull byte, value bytes).
 */
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
    const m = this.entry()?.value;
    if (m === undefined) return undefined;
    const p = this.#primKey(key);
    return p !== BY_BYTES ? m.prim.get(p) : m.byBytes?.get(this.#idOf(key))?.value;
  }

  contains(key: UK): boolean {
    const m = this.entry()?.value;
    if (m === undefined) return false;
    const p = this.#primKey(key);
    return p !== BY_BYTES ? m.prim.has(p) : m.byBytes?.has(this.#idOf(key)) === true;
  }

  put(key: UK, value: UV): void {
    const p = this.#primKey(key);
    const id = p === BY_BYTES ? this.#idOf(key) : undefined; // may throw: before any change
    const e = this.entry();
    const m = e?.value ?? new MapStore<UK, UV>();
    this.#set(m, p, id, key, value);
    if (e === undefined) this.store(m);
    else this.changed(e);
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
    const e = this.entry();
    const m = e?.value ?? new MapStore<UK, UV>();
    for (const [p, id, k, v] of slots) this.#set(m, p, id, k, v);
    if (e === undefined) this.store(m);
    else this.changed(e);
  }

  remove(key: UK): void {
    const e = this.entry();
    if (e === undefined) return;
    const m = e.value;
    const p = this.#primKey(key);
    const removed = p !== BY_BYTES ? m.prim.delete(p) : m.byBytes?.delete(this.#idOf(key)) === true;
    if (!removed) return;
    // As Flink's heap backend: a map that becomes empty is removed, so queries find nothing.
    if (m.size === 0) this.clear();
    else this.changed(e);
  }

  entries(): [UK, UV][] {
    const m = this.entry()?.value;
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
    const m = this.entry()?.value;
    return m === undefined || m.size === 0;
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
