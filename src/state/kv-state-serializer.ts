/**
 * The byte formats queryable state uses between client and server (Flink's
 * `KvStateSerializer`): key+namespace, single values, lists and maps.
 */
import { ByteReader, ByteWriter } from "../core/bytes.ts";
import { QueryableStateError, SerializationError } from "../core/errors.ts";
import { describeValue } from "../core/describe.ts";
import { toHex } from "../core/hex.ts";
import { carryLocation, failedAt, finishDecode, isMismatchSymptom, leftoverHint } from "../types/decode-errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";

/** The byte between key and namespace. */
export const KEY_NAMESPACE_MAGIC = 42;
/** The byte between list elements (as RocksDB's list merge operator writes). */
export const LIST_DELIMITER = 0x2c;

const KEY_NS_MISMATCH =
  "Unable to deserialize key and namespace. This indicates a mismatch in the key/namespace serializers used by the KvState instance and this access.";
const VALUE_MISMATCH =
  "Unable to deserialize value. This indicates a mismatch in the value serializers used by the KvState instance and this access.";
const VALUE_UNCONSUMED =
  "Unconsumed bytes in the deserialized value. This indicates a mismatch in the value serializers used by the KvState instance and this access.";

function finish(out: ByteWriter | undefined, w: ByteWriter): Uint8Array {
  return out === undefined ? w.view() : w.toBytes();
}

/**
 * `key || 0x2A || namespace`: the bytes a query carries and a state server looks up.
 * Pass a reusable `scratch` writer on hot paths; the result is always a fresh array.
 */
export function serializeKeyAndNamespace<K, N>(
  key: K,
  keySerializer: TypeSerializer<K>,
  namespace: N,
  namespaceSerializer: TypeSerializer<N>,
  scratch?: ByteWriter,
): Uint8Array {
  const w = scratch?.reset() ?? new ByteWriter(32);
  keySerializer.serialize(key, w);
  w.writeUint8(KEY_NAMESPACE_MAGIC);
  namespaceSerializer.serialize(namespace, w);
  return finish(scratch, w);
}

/** Splits key+namespace bytes; throws SerializationError when they do not fit the serializers. */
export function deserializeKeyAndNamespace<K, N>(
  bytes: Uint8Array,
  keySerializer: TypeSerializer<K>,
  namespaceSerializer: TypeSerializer<N>,
): { key: K; namespace: N } {
  try {
    const r = new ByteReader(bytes);
    const key = keySerializer.deserialize(r);
    const magic = r.readUint8();
    if (magic !== KEY_NAMESPACE_MAGIC) throw new SerializationError(`Unexpected magic number ${magic}.`);
    const namespace = namespaceSerializer.deserialize(r);
    if (r.remaining > 0) throw new SerializationError("Unconsumed bytes in the serialized key and namespace.");
    return { key, namespace };
  } catch (e) {
    throw wrap(e, KEY_NS_MISMATCH);
  }
}

function wrap(e: unknown, message: string): unknown {
  // Programming errors (TypeError etc.) and errors with a code of their own (POJO_SUBCLASS, …) pass through;
  // bytes that merely do not fit get Flink's explanation, the located cause kept.
  if (!(e instanceof QueryableStateError) || !isMismatchSymptom(e)) return e;
  return carryLocation(e, new SerializationError(message, { cause: e }));
}

/** A single value's bytes (ValueState, ReducingState, AggregatingState); null stays null. */
export function serializeValue<T>(value: T | null, serializer: TypeSerializer<T>): Uint8Array | null {
  if (value === null || value === undefined) return null;
  const w = new ByteWriter(serializer.length > 0 ? serializer.length : 64);
  serializer.serialize(value, w);
  return w.toBytes();
}

/** Reads a single value; fails if bytes remain after it. Null bytes give null. */
export function deserializeValue<T>(bytes: Uint8Array | null, serializer: TypeSerializer<T>): T | null {
  if (bytes === null || bytes === undefined) return null;
  return readExactlyOne(bytes, serializer, () => VALUE_UNCONSUMED);
}

/**
 * Reads exactly one value from `bytes`. A decoding failure keeps its location; bytes left after the value fail
 * with a SerializationError worded by `leftover(remaining)`, plus a hint about the serializer when there is one.
 */
export function readExactlyOne<T>(bytes: Uint8Array, serializer: TypeSerializer<T>, leftover: (remaining: number) => string): T {
  const r = new ByteReader(bytes);
  let value: T;
  try {
    value = serializer.deserialize(r);
  } catch (e) {
    throw finishDecode(e);
  }
  if (r.remaining > 0) {
    const hint = leftoverHint(serializer.name);
    const message = leftover(r.remaining);
    throw new SerializationError(hint === undefined ? message : `${message} ${hint}`);
  }
  return value;
}

/** A ListState's bytes: elements joined by one `0x2C` byte, none after the last. */
export function serializeList<T>(values: Iterable<T>, serializer: TypeSerializer<T>): Uint8Array {
  const w = new ByteWriter(64);
  let first = true;
  for (const v of values) {
    if (!first) w.writeUint8(LIST_DELIMITER);
    serializer.serialize(v, w);
    first = false;
  }
  return w.toBytes();
}

/**
 * Reads a ListState's bytes. As in Flink, the delimiter's value is not checked and a
 * trailing delimiter is accepted; empty bytes give an empty list.
 */
export function deserializeList<T>(bytes: Uint8Array | null, serializer: TypeSerializer<T>): T[] | null {
  if (bytes === null || bytes === undefined) return null;
  try {
    const r = new ByteReader(bytes);
    const out: T[] = [];
    while (r.remaining > 0) {
      const at = r.position;
      try {
        out.push(serializer.deserialize(r));
      } catch (e) {
        throw failedAt(e, `[${out.length}]`, at, "list state");
      }
      if (r.remaining > 0) r.skip(1);
    }
    return out;
  } catch (e) {
    throw wrap(e, VALUE_MISMATCH);
  }
}

/** A MapState's bytes: per entry `key || isNull(1 byte) || value-if-present`, no count. */
export function serializeMap<K, V>(
  entries: Iterable<readonly [K, V | null]> | Map<K, V | null>,
  keySerializer: TypeSerializer<K>,
  valueSerializer: TypeSerializer<V>,
): Uint8Array {
  const w = new ByteWriter(64);
  for (const [k, v] of entries) {
    keySerializer.serialize(k, w);
    if (v === null || v === undefined) w.writeBoolean(true);
    else {
      w.writeBoolean(false);
      valueSerializer.serialize(v, w);
    }
  }
  return w.toBytes();
}

/**
 * Reads a MapState's bytes into a Map. Keys are equal when their bytes are (Java's `equals` for
 * every key type Flink can serialize this way): a later duplicate wins, as in Java's HashMap, also
 * for tuple and byte-array keys, which a JS Map would otherwise compare by identity. One JS limit
 * remains: a Map holds `0` and `-0` as one key, where Java keeps the Double keys 0.0 and -0.0 apart.
 */
export function deserializeMap<K, V>(
  bytes: Uint8Array | null,
  keySerializer: TypeSerializer<K>,
  valueSerializer: TypeSerializer<V>,
): Map<K, V | null> | null {
  if (bytes === null || bytes === undefined) return null;
  const r = new ByteReader(bytes);
  const out = new Map<K, V | null>();
  let byBytes: Map<string, K> | undefined;
  while (r.remaining > 0) {
    const start = r.position;
    let k: K;
    try {
      k = keySerializer.deserialize(r);
    } catch (e) {
      throw failedAt(e, ` key #${out.size}`, start, "map state");
    }
    if (k !== null && typeof k === "object") {
      // Object keys have no value equality in a JS Map: the first key with these bytes stands for all.
      byBytes ??= new Map();
      const hex = toHex(bytes.subarray(start, r.position));
      const first = byBytes.get(hex);
      if (first === undefined) byBytes.set(hex, k);
      else k = first;
    }
    const at = r.position;
    try {
      out.set(k, r.readBoolean() ? null : valueSerializer.deserialize(r));
    } catch (e) {
      throw failedAt(e, `[${describeValue(k)}]`, at, "map state");
    }
  }
  return out;
}
