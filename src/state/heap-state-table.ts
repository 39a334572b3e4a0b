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

/** What a state needs from its backend: which key and namespace are current. */
export interface KeyContext {
  /** The id (see {@link bytesToId}) of the current key+namespace bytes; throws when no key is set. */
  currentId(stateName: string): string;
  readonly currentKey: unknown;
  readonly currentNamespace: unknown;
  /** Told after every write of state `stateName` for the current key (its key group's version moves on). */
  written?(stateName: string): void;
  /** The current key's key group (after the id: {@link currentId} computes both). */
  readonly currentKeyGroup?: number;
  /** Bytes of the current key in the id (the id is key ‖ 0x2A ‖ namespace). */
  readonly currentKeyLength?: number;
}

/** One page of a key listing: keys in (key group, key bytes) order, and whether the key groups asked for are done. */
export interface KeyPage {
  /** The keys found: each with its key group and serialized key (without namespace). */
  readonly keys: { readonly keyGroup: number; readonly key: Uint8Array }[];
  /** True when every key of the key groups asked for is in this or an earlier page. */
  readonly complete: boolean;
}

interface Entry<S> {
  readonly key: unknown;
  readonly namespace: unknown;
  /** The key's key group and its bytes in the id (for key listings); -1 when the backend does not say. */
  readonly keyGroup: number;
  readonly keyLength: number;
  value: S;
  /** Serialized value, computed by the first query after a change; never mutated once set. */
  bytes: Uint8Array | undefined;
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
 * Base of the heap states: the entry table of one state, the current entry, and the
 * KvState query. `S` is what is stored per key (a value, an array, a map store).
 *
 * Subclasses mutate a stored value only through {@link changed} or {@link store}, which drop
 * the cached bytes; a query serializes into a fresh array, so bytes handed out earlier are
 * never changed by later updates.
 */
export abstract class HeapState<S> {
  readonly name: string;
  abstract readonly kind: StateKind;
  protected readonly ctx: KeyContext;
  readonly #table = new Map<string, Entry<S>>();
  /** The ids with a value, per key group (for key listings). */
  readonly #byKeyGroup = new Map<number, Set<string>>();
  #scratch: ByteWriter | undefined;

  constructor(name: string, ctx: KeyContext) {
    this.name = name;
    this.ctx = ctx;
  }

  /** The current key's entry, if it has a value. */
  protected entry(): Entry<S> | undefined {
    return this.#table.get(this.ctx.currentId(this.name));
  }

  /** The value stored for serialized key+namespace bytes, if any (what a query finds). */
  protected storedFor(serializedKeyAndNamespace: Uint8Array): S | undefined {
    return this.#table.get(bytesToId(serializedKeyAndNamespace))?.value;
  }

  /** Stores `value` for the current key (null/undefined removes it). */
  protected store(value: S | null | undefined): void {
    const id = this.ctx.currentId(this.name);
    if (value === null || value === undefined) {
      this.#remove(id);
      this.ctx.written?.(this.name);
      return;
    }
    const e = this.#table.get(id);
    if (e !== undefined) {
      e.value = value;
      e.bytes = undefined;
    } else {
      const keyGroup = this.ctx.currentKeyGroup ?? -1;
      this.#table.set(id, {
        key: this.ctx.currentKey,
        namespace: this.ctx.currentNamespace,
        keyGroup,
        keyLength: this.ctx.currentKeyLength ?? -1,
        value,
        bytes: undefined,
      });
      if (keyGroup >= 0) {
        let ids = this.#byKeyGroup.get(keyGroup);
        if (ids === undefined) this.#byKeyGroup.set(keyGroup, ids = new Set());
        ids.add(id);
      }
    }
    this.ctx.written?.(this.name);
  }

  #remove(id: string): void {
    const e = this.#table.get(id);
    if (e === undefined) return;
    this.#table.delete(id);
    const ids = this.#byKeyGroup.get(e.keyGroup);
    if (ids !== undefined) {
      ids.delete(id);
      if (ids.size === 0) this.#byKeyGroup.delete(e.keyGroup);
    }
  }

  /**
   * Stores `fn(current)` for the current key, starting from `initial()` when it has no value.
   * `fn` may mutate the current value in place (accumulators often do): if it then throws,
   * the cached bytes are dropped so queries never serve bytes of a value that has changed.
   */
  protected transform(initial: () => S, fn: (current: S) => S | null | undefined): void {
    const e = this.entry();
    try {
      this.store(fn(e === undefined ? initial() : e.value));
    } catch (err) {
      if (e !== undefined) e.bytes = undefined;
      throw err;
    }
  }

  /** Call after mutating `e.value` in place. */
  protected changed(e: Entry<S>): void {
    e.bytes = undefined;
    this.ctx.written?.(this.name);
  }

  clear(): void {
    this.#remove(this.ctx.currentId(this.name));
    this.ctx.written?.(this.name);
  }

  /**
   * Up to `limit` keys with a value in `namespace` (its serialized bytes), in key groups `fromKeyGroup` to `toKeyGroup`,
   * ordered by key group and then by key bytes, starting after key `after` of `fromKeyGroup` (its bytes; null: from
   * the start). The order is stable, so a listing resumed from its last key misses and repeats nothing that stayed.
   */
  listKeys(fromKeyGroup: number, toKeyGroup: number, after: Uint8Array | null, namespace: Uint8Array, limit: number): KeyPage {
    const keys: { keyGroup: number; key: Uint8Array }[] = [];
    const ns = bytesToId(namespace);
    const afterId = after === null ? undefined : bytesToId(after);
    // Only the key groups that hold values are visited, in order.
    const groups = [...this.#byKeyGroup.keys()].filter((kg) => kg >= fromKeyGroup && kg <= toKeyGroup).sort((a, b) => a - b);
    for (let g = 0; g < groups.length; g++) {
      const kg = groups[g];
      const found: string[] = [];
      for (const id of this.#byKeyGroup.get(kg)!) {
        const e = this.#table.get(id)!;
        if (e.keyLength < 0 || id.length !== e.keyLength + 1 + ns.length || !id.endsWith(ns)) continue;
        const key = id.slice(0, e.keyLength);
        if (kg === fromKeyGroup && afterId !== undefined && key <= afterId) continue;
        found.push(key);
      }
      // Latin1 ids compare as their bytes do.
      found.sort();
      for (let i = 0; i < found.length; i++) {
        if (keys.length === limit) return { keys, complete: false };
        keys.push({ keyGroup: kg, key: idToBytes(found[i]) });
      }
    }
    return { keys, complete: true };
  }

  /** The query format of a stored value; null when it is empty (an empty list or map). */
  protected abstract serialize(value: S): Uint8Array | null;

  /**
   * The serialized value for serialized key+namespace bytes, or null when there is none.
   * Bytes of keys outside this backend's key groups, of other namespaces or of other key
   * types simply match no entry. The returned array is shared with later queries: read it only.
   */
  getSerializedValue(serializedKeyAndNamespace: Uint8Array): Uint8Array | null {
    if (!(serializedKeyAndNamespace instanceof Uint8Array)) {
      throw new InvalidArgumentError(`getSerializedValue of state '${this.name}' needs a Uint8Array, got ${typeof serializedKeyAndNamespace}.`);
    }
    const e = this.#table.get(bytesToId(serializedKeyAndNamespace));
    if (e === undefined) return null;
    if (e.bytes !== undefined) return e.bytes;
    const bytes = this.serialize(e.value);
    if (bytes !== null) e.bytes = bytes;
    return bytes;
  }

  /** Runs `write` on a reused writer and returns a copy of what it wrote. */
  protected written(write: (w: ByteWriter) => void): Uint8Array {
    const w = (this.#scratch ??= new ByteWriter(64)).reset();
    write(w);
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

  /** Keys with a value, in `namespace` (compared with Object.is) or in any namespace when omitted. */
  storedKeys(namespace?: unknown): unknown[] {
    const out: unknown[] = [];
    for (const e of this.#table.values()) {
      if (namespace === undefined || Object.is(e.namespace, namespace)) out.push(e.key);
    }
    return out;
  }
}
