import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { InvalidArgumentError } from "../../src/core/errors.ts";
import { fromHex, toHex } from "../../src/core/hex.ts";
import {
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  KeyGroupRange,
} from "../../src/core/key-groups.ts";
import {
  aggregatingState,
  foldingState,
  listState,
  mapState,
  reducingState,
  valueState,
} from "../../src/state/descriptors.ts";
import {
  DuplicateQueryableStateNameError,
  KeyGroupOutOfRangeError,
  NoCurrentKeyError,
  StateKindMismatchError,
} from "../../src/state/errors.ts";
import { HeapKeyedStateBackend, type QueryableStateEntry } from "../../src/state/keyed-state-backend.ts";
import {
  deserializeList,
  deserializeMap,
  deserializeValue,
  serializeKeyAndNamespace,
} from "../../src/state/kv-state-serializer.ts";
import type { KvState } from "../../src/state/kv-state-registry.ts";
import { bytesSerializer } from "../../src/types/bytes-serializer.ts";
import { doubleSerializer, intSerializer, longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { tupleSerializer } from "../../src/types/tuple-serializer.ts";
import type { KeySerializer, TypeSerializer } from "../../src/types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { withSeed } from "../helpers/random.ts";

const MAX_P = 128;

function intBackend(parallelism = 1, index = 0): HeapKeyedStateBackend<number> {
  return new HeapKeyedStateBackend({
    keySerializer: intSerializer,
    keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_P, parallelism, index),
    numberOfKeyGroups: MAX_P,
  });
}

function kvState<K>(backend: HeapKeyedStateBackend<K>, queryableName: string): KvState {
  const entry = backend.queryableStates().find((q) => q.queryableStateName === queryableName);
  assert.ok(entry, `no queryable state '${queryableName}'`);
  return entry.kvState;
}

/** A synchronous query (our heap KvStates never answer with a promise). */
function query(state: KvState, keyNs: Uint8Array): Uint8Array | null {
  const r = state.getSerializedValue(keyNs);
  assert.ok(!(r instanceof Promise));
  return r;
}

function keyNs<K>(key: K, ks: TypeSerializer<K> = intSerializer as unknown as TypeSerializer<K>): Uint8Array {
  return serializeKeyAndNamespace(key, ks, VoidNamespace, voidNamespaceSerializer);
}

/** Int keys whose key group lies in `range`. */
function ownedKeys(range: KeyGroupRange, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; out.length < n; k++) {
    if (range.contains(computeKeyGroupForKeyHash(intSerializer.hashCode(k), MAX_P))) out.push(k);
  }
  return out;
}

describe("HeapKeyedStateBackend: construction and current key", () => {
  test("rejects a key serializer without hashCode, bad key group counts and ranges", () => {
    const range = new KeyGroupRange(0, 127);
    assert.throws(
      () => new HeapKeyedStateBackend({ keySerializer: bytesSerializer as unknown as KeySerializer<Uint8Array>, keyGroupRange: range, numberOfKeyGroups: 128 }),
      InvalidArgumentError,
    );
    for (const n of [0, -1, 1.5, 32769]) {
      assert.throws(() => new HeapKeyedStateBackend({ keySerializer: intSerializer, keyGroupRange: new KeyGroupRange(0, 0), numberOfKeyGroups: n }), InvalidArgumentError);
    }
    assert.throws(() => new HeapKeyedStateBackend({ keySerializer: intSerializer, keyGroupRange: new KeyGroupRange(0, 128), numberOfKeyGroups: 128 }), InvalidArgumentError);
  });

  test("setCurrentKey computes the key group (Flink reference values, maxP 128, p 4)", () => {
    // key -> [key group, operator] from the reference table.
    const table: [number, number, number][] = [[0, 94, 2], [1, 86, 2], [2, 127, 3], [4, 7, 0], [6, 18, 0], [9, 51, 1]];
    const backends = [0, 1, 2, 3].map((i) => intBackend(4, i));
    for (const [key, kg, op] of table) {
      backends[op].setCurrentKey(key);
      assert.equal(backends[op].getCurrentKey(), key);
      assert.equal(backends[op].currentKeyGroup, kg);
    }
  });

  test("a key outside the backend's key groups throws KeyGroupOutOfRangeError, never a silent miss", () => {
    const b = intBackend(4, 0); // [0, 31]
    b.setCurrentKey(4);
    const err = assert.throws(() => b.setCurrentKey(0), (e: unknown) => {
      assert.ok(e instanceof KeyGroupOutOfRangeError);
      assert.equal(e.code, "KEY_GROUP_OUT_OF_RANGE");
      assert.equal(e.keyGroup, 94);
      assert.equal(e.key, 0);
      assert.ok(e.keyGroupRange.equals(new KeyGroupRange(0, 31)));
      assert.match(e.message, /Key 0 is in key group 94 \(of 128\).*\[0, 31\]/);
      return true;
    });
    void err;
    assert.equal(b.getCurrentKey(), 4, "a rejected key leaves the current key as it was");
  });

  test("every key is accepted by exactly the subtask that owns its key group", () => {
    const p = 3;
    const backends = [0, 1, 2].map((i) => intBackend(p, i));
    for (let key = -50; key < 300; key++) {
      const owner = computeOperatorIndexForKeyGroup(MAX_P, p, computeKeyGroupForKeyHash(key, MAX_P));
      backends.forEach((b, i) => {
        if (i === owner) b.setCurrentKey(key);
        else assert.throws(() => b.setCurrentKey(key), KeyGroupOutOfRangeError);
      });
    }
  });

  test("string and long keys use the Java hash", () => {
    const b = new HeapKeyedStateBackend({ keySerializer: stringSerializer, keyGroupRange: new KeyGroupRange(35, 35), numberOfKeyGroups: 128 });
    b.setCurrentKey("hello"); // hash 99162322 -> key group 35
    assert.throws(() => b.setCurrentKey("hello!"), KeyGroupOutOfRangeError);
    const l = new HeapKeyedStateBackend({ keySerializer: longSerializer, keyGroupRange: new KeyGroupRange(80, 80), numberOfKeyGroups: 128 });
    l.setCurrentKey(-1n << 32n); // Long hash (int)(v ^ v>>>32) = -1 -> key group 80
  });

  test("null keys and state access without a current key fail clearly", () => {
    const b = intBackend();
    const v = b.getState(valueState("v", intSerializer));
    assert.throws(() => v.value(), (e: unknown) => e instanceof NoCurrentKeyError && e.code === "NO_CURRENT_KEY" && /'v'/.test(e.message));
    assert.throws(() => b.setCurrentKey(null as unknown as number), InvalidArgumentError);
  });

  test("getState: same name gives the same state; another kind or a reused queryable name throws", () => {
    const seen: QueryableStateEntry[] = [];
    const b = new HeapKeyedStateBackend({
      keySerializer: intSerializer,
      keyGroupRange: new KeyGroupRange(0, 127),
      numberOfKeyGroups: 128,
      onQueryableState: (e) => seen.push(e),
    });
    const d = valueState("count", longSerializer, { queryable: "count-q" });
    const s = b.getState(d);
    assert.equal(b.getState(d), s);
    assert.equal(b.getState(valueState("count", longSerializer)), s);
    assert.throws(() => b.getState(listState("count", longSerializer)), (e: unknown) => {
      assert.ok(e instanceof StateKindMismatchError);
      assert.equal(e.code, "STATE_KIND_MISMATCH");
      assert.match(e.message, /'count' already exists as a value state; it cannot be used as a list state/);
      return true;
    });
    assert.throws(() => b.getState(listState("other", longSerializer, { queryable: "count-q" })), (e: unknown) => {
      assert.ok(e instanceof DuplicateQueryableStateNameError);
      assert.equal(e.code, "DUPLICATE_QUERYABLE_STATE_NAME");
      return true;
    });
    assert.deepEqual(b.stateNames(), ["count"]);
    b.getState(mapState("m", intSerializer, intSerializer));
    assert.equal(seen.length, 1);
    assert.deepEqual(b.queryableStates().map((q) => [q.name, q.queryableStateName, q.descriptor.kind]), [["count", "count-q", "value"]]);
    assert.equal(seen[0], b.queryableStates()[0]);
  });
});

describe("ValueState", () => {
  test("value, update, clear per key", () => {
    const b = intBackend();
    const v = b.getState(valueState("v", stringSerializer, { queryable: "vq" }));
    b.setCurrentKey(1);
    assert.equal(v.value(), undefined);
    v.update("one");
    b.setCurrentKey(2);
    assert.equal(v.value(), undefined);
    v.update("two");
    b.setCurrentKey(1);
    assert.equal(v.value(), "one");
    v.update(null);
    assert.equal(v.value(), undefined);
    v.update("uno");
    v.update(undefined);
    assert.equal(v.value(), undefined);
    b.setCurrentKey(2);
    assert.equal(v.value(), "two");
    v.clear();
    assert.equal(v.value(), undefined);
    assert.equal(b.size("v"), 0);
  });

  test("default value: value() returns it, a query still finds nothing (as Flink's heap backend)", () => {
    const b = intBackend();
    const v = b.getState(valueState("v", longSerializer, { queryable: "vq", defaultValue: -1n }));
    const q = kvState(b, "vq");
    b.setCurrentKey(0);
    assert.equal(v.value(), -1n);
    assert.equal(query(q, keyNs(0)), null);
    v.update(5n);
    assert.equal(deserializeValue(query(q, keyNs(0)), longSerializer), 5n);
    v.clear();
    assert.equal(v.value(), -1n);
    assert.equal(query(q, keyNs(0)), null);
  });

  test("an object default value is handed out as a copy", () => {
    const b = intBackend();
    const ts = tupleSerializer(intSerializer, longSerializer);
    const v = b.getState(valueState<[number, bigint]>("t", ts, { defaultValue: [1, 2n] }));
    b.setCurrentKey(3);
    const d = v.value()!;
    d[0] = 99;
    assert.deepEqual(v.value(), [1, 2n]);
  });
});

describe("ListState", () => {
  test("get, add, addAll, update, clear", () => {
    const b = intBackend();
    const l = b.getState(listState("l", longSerializer, { queryable: "lq" }));
    const q = kvState(b, "lq");
    b.setCurrentKey(7);
    assert.deepEqual(l.get(), []);
    assert.equal(query(q, keyNs(7)), null);
    l.add(1n);
    l.addAll([2n, 3n]);
    assert.deepEqual(l.get(), [1n, 2n, 3n]);
    // Golden bytes: List<Long>[1,2,3].
    assert.equal(toHex(query(q, keyNs(7))!), "0000000000000001" + "2c" + "0000000000000002" + "2c" + "0000000000000003");
    l.addAll([]);
    assert.deepEqual(l.get(), [1n, 2n, 3n]);
    l.update([9n]);
    assert.deepEqual(l.get(), [9n]);
    l.update([]);
    assert.deepEqual(l.get(), []);
    assert.equal(query(q, keyNs(7)), null);
    l.addAll(new Set([4n, 5n]));
    assert.deepEqual(deserializeList(query(q, keyNs(7)), longSerializer), [4n, 5n]);
    l.clear();
    assert.equal(query(q, keyNs(7)), null);
    assert.deepEqual(l.get(), []);
  });

  test("get returns a copy; update copies its input; queries never see later changes", () => {
    const b = intBackend();
    const l = b.getState(listState("l", intSerializer, { queryable: "lq" }));
    const q = kvState(b, "lq");
    b.setCurrentKey(1);
    const input = [1, 2];
    l.update(input);
    input.push(3);
    const got = l.get();
    got.push(4);
    assert.deepEqual(l.get(), [1, 2]);
    const before = query(q, keyNs(1))!;
    const copy = before.slice();
    assert.equal(query(q, keyNs(1)), before, "repeated queries reuse the cached bytes");
    l.add(5);
    assert.deepEqual(before, copy, "bytes handed out earlier do not change");
    assert.deepEqual(deserializeList(query(q, keyNs(1)), intSerializer), [1, 2, 5]);
  });

  test("null elements are rejected and change nothing", () => {
    const b = intBackend();
    const l = b.getState(listState("l", intSerializer));
    b.setCurrentKey(1);
    l.add(1);
    assert.throws(() => l.add(null as unknown as number), InvalidArgumentError);
    assert.throws(() => l.addAll([2, null as unknown as number, 3]), InvalidArgumentError);
    assert.throws(() => l.update([2, undefined as unknown as number]), InvalidArgumentError);
    assert.throws(() => l.update(null as unknown as number[]), InvalidArgumentError);
    assert.deepEqual(l.get(), [1]);
  });
});

describe("MapState", () => {
  test("get, put, putAll, remove, contains, entries, keys, values, isEmpty, clear", () => {
    const b = intBackend();
    const m = b.getState(mapState<string, bigint | null>("m", stringSerializer as TypeSerializer<string>, longSerializer as TypeSerializer<bigint | null>, { queryable: "mq" }));
    const q = kvState(b, "mq");
    b.setCurrentKey(3);
    assert.equal(m.isEmpty(), true);
    assert.equal(m.get("k1"), undefined);
    assert.equal(m.contains("k1"), false);
    m.put("k1", 7n);
    m.put("k2", null);
    assert.equal(m.isEmpty(), false);
    assert.equal(m.get("k1"), 7n);
    assert.equal(m.get("k2"), null);
    assert.equal(m.contains("k2"), true);
    // Golden bytes: Map<String,Long>{k1:7, k2:null}.
    assert.equal(toHex(query(q, keyNs(3))!), "036b3100" + "0000000000000007" + "036b3201");
    m.putAll(new Map([["k3", 3n], ["k1", 1n]]));
    m.putAll([["k4", 4n]]);
    assert.deepEqual(m.entries(), [["k1", 1n], ["k2", null], ["k3", 3n], ["k4", 4n]]);
    assert.deepEqual(m.keys(), ["k1", "k2", "k3", "k4"]);
    assert.deepEqual(m.values(), [1n, null, 3n, 4n]);
    assert.deepEqual(deserializeMap(query(q, keyNs(3)), stringSerializer, longSerializer), new Map([["k1", 1n], ["k2", null], ["k3", 3n], ["k4", 4n]]));
    m.remove("k2");
    m.remove("absent");
    assert.equal(m.contains("k2"), false);
    for (const k of ["k1", "k3", "k4"]) m.remove(k);
    assert.equal(m.isEmpty(), true);
    assert.equal(query(q, keyNs(3)), null, "an emptied map is gone");
    assert.equal(b.size("m"), 0);
    m.put("x", 1n);
    m.clear();
    assert.equal(m.isEmpty(), true);
    assert.equal(query(q, keyNs(3)), null);
  });

  test("entries are a snapshot", () => {
    const b = intBackend();
    const m = b.getState(mapState("m", intSerializer, intSerializer));
    b.setCurrentKey(1);
    m.put(1, 1);
    const es = m.entries();
    m.put(2, 2);
    es.push([9, 9]);
    assert.deepEqual(es, [[1, 1], [9, 9]]);
    assert.deepEqual(m.entries(), [[1, 1], [2, 2]]);
  });

  test("tuple and byte-array user keys match by their serialized bytes", () => {
    const b = intBackend();
    const t = b.getState(mapState("t", tupleSerializer(intSerializer, longSerializer), intSerializer, { queryable: "tq" }));
    const u = b.getState(mapState("u", bytesSerializer, stringSerializer));
    b.setCurrentKey(1);
    t.put([1, 2n], 10);
    t.put([1, 2n], 11);
    t.put([2, 1n], 20);
    assert.equal(t.get([1, 2n]), 11);
    assert.equal(t.contains([2, 1n]), true);
    assert.deepEqual(t.entries(), [[[1, 2n], 11], [[2, 1n], 20]]);
    const decoded = deserializeMap(query(kvState(b, "tq"), keyNs(1)), tupleSerializer(intSerializer, longSerializer), intSerializer)!;
    assert.deepEqual([...decoded], [[[1, 2n], 11], [[2, 1n], 20]]);
    t.remove([1, 2n]);
    assert.deepEqual(t.keys(), [[2, 1n]]);
    u.put(new Uint8Array([1, 2]), "a");
    u.put(new Uint8Array([1, 2]), "b");
    assert.equal(u.get(new Uint8Array([1, 2])), "b");
    assert.equal(u.keys().length, 1);
  });

  test("-0 and 0: one key for an int serializer, two for a double serializer (as Java)", () => {
    const b = intBackend();
    const i = b.getState(mapState("i", intSerializer, intSerializer));
    const d = b.getState(mapState("d", doubleSerializer, intSerializer));
    b.setCurrentKey(1);
    i.put(0, 1);
    i.put(-0, 2);
    assert.deepEqual(i.entries(), [[0, 2]]);
    d.put(0, 1);
    d.put(-0, 2);
    d.put(NaN, 3);
    d.put(NaN, 4);
    assert.equal(d.get(0), 1);
    assert.equal(d.get(-0), 2);
    assert.equal(d.get(NaN), 4);
    assert.equal(d.entries().length, 3);
  });

  test("putAll is all or nothing when a key cannot be serialized", () => {
    const b = intBackend();
    const t = b.getState(mapState("t", tupleSerializer(intSerializer, intSerializer), intSerializer));
    b.setCurrentKey(1);
    t.put([1, 1], 1);
    assert.throws(() => t.putAll([[[2, 2], 2], [[3] as unknown as [number, number], 3]]), InvalidArgumentError);
    assert.deepEqual(t.entries(), [[[1, 1], 1]]);
  });
});

describe("ReducingState, AggregatingState, FoldingState", () => {
  test("reducing: get, add, clear; add(null) clears as in Flink", () => {
    const b = intBackend();
    const r = b.getState(reducingState("r", (x: bigint, y: bigint) => x + y, longSerializer, { queryable: "rq" }));
    b.setCurrentKey(1);
    assert.equal(r.get(), undefined);
    r.add(2n);
    r.add(3n);
    assert.equal(r.get(), 5n);
    assert.equal(deserializeValue(query(kvState(b, "rq"), keyNs(1)), longSerializer), 5n);
    r.add(null);
    assert.equal(r.get(), undefined);
    r.add(1n);
    r.clear();
    assert.equal(r.get(), undefined);
    assert.equal(query(kvState(b, "rq"), keyNs(1)), null);
  });

  test("Flink IT case: reducing sums 1..1024 to 524800 for every key, queried through the owning subtask", () => {
    const p = 4;
    const backends = [0, 1, 2, 3].map((i) => intBackend(p, i));
    const desc = reducingState("jungle", (x: bigint, y: bigint) => x + y, longSerializer, { queryable: "jungle" });
    const states = backends.map((b) => b.getState(desc));
    const keys = Array.from({ length: 16 }, (_, i) => i);
    const ownerOf = (k: number) => computeOperatorIndexForKeyGroup(MAX_P, p, computeKeyGroupForKeyHash(intSerializer.hashCode(k), MAX_P));
    for (let v = 1n; v <= 1024n; v++) {
      for (const k of keys) {
        const o = ownerOf(k);
        backends[o].setCurrentKey(k);
        states[o].add(v);
      }
    }
    for (const k of keys) {
      const o = ownerOf(k);
      assert.equal(deserializeValue(query(kvState(backends[o], "jungle"), keyNs(k)), longSerializer), 524800n);
      for (let other = 0; other < p; other++) {
        if (other !== o) assert.equal(query(kvState(backends[other], "jungle"), keyNs(k)), null);
      }
    }
  });

  test("aggregating: the accumulator (a string) is stored and served, get() gives the result", () => {
    const b = intBackend();
    const a = b.getState(aggregatingState(
      "aggr",
      {
        createAccumulator: () => "0",
        add: (v: bigint, acc: string) => String(BigInt(acc) + v),
        getResult: (acc: string) => BigInt(acc),
      },
      stringSerializer as TypeSerializer<string>,
      { queryable: "aggr-queryable" },
    ));
    b.setCurrentKey(5);
    assert.equal(a.get(), undefined);
    for (let v = 1n; v <= 1024n; v++) a.add(v);
    assert.equal(a.get(), 524800n);
    assert.equal(deserializeValue(query(kvState(b, "aggr-queryable"), keyNs(5)), stringSerializer), "524800");
    a.add(undefined);
    assert.equal(a.get(), undefined);
  });

  test("folding: folds from the initial value, which is never mutated", () => {
    const b = intBackend();
    const f = b.getState(foldingState("pumba", "0", (acc: string, v: bigint) => String(BigInt(acc) + v), stringSerializer as TypeSerializer<string>, { queryable: "pumba" }));
    b.setCurrentKey(1);
    for (let v = 1n; v <= 1024n; v++) f.add(v);
    assert.equal(f.get(), "524800");
    assert.equal(deserializeValue(query(kvState(b, "pumba"), keyNs(1)), stringSerializer), "524800");

    const initial: [bigint] = [0n];
    const g = b.getState(foldingState("inplace", initial, (acc: [bigint], v: bigint) => {
      acc[0] += v;
      return acc;
    }, tupleSerializer(longSerializer)));
    b.setCurrentKey(1);
    g.add(5n);
    g.add(6n);
    b.setCurrentKey(2);
    g.add(1n);
    assert.deepEqual(g.get(), [1n]);
    b.setCurrentKey(1);
    assert.deepEqual(g.get(), [11n]);
    assert.deepEqual(initial, [0n]);
  });

  test("an accumulator mutated in place is re-serialized for the next query", () => {
    const b = intBackend();
    const f = b.getState(foldingState("f", [0n] as [bigint], (acc: [bigint], v: bigint) => {
      acc[0] += v;
      if (v < 0n) throw new Error("negative");
      return acc;
    }, tupleSerializer(longSerializer), { queryable: "fq" }));
    const q = kvState(b, "fq");
    b.setCurrentKey(1);
    f.add(5n);
    assert.deepEqual(deserializeValue(query(q, keyNs(1)), tupleSerializer(longSerializer)), [5n]);
    assert.throws(() => f.add(-1n), /negative/);
    assert.deepEqual(deserializeValue(query(q, keyNs(1)), tupleSerializer(longSerializer)), [4n]);
  });
});

describe("queries", () => {
  test("absent keys, garbage bytes, other key types and keys of other subtasks give null", () => {
    const b = intBackend(4, 0);
    const v = b.getState(valueState("v", intSerializer, { queryable: "vq" }));
    const q = kvState(b, "vq");
    const [k] = ownedKeys(b.keyGroupRange, 1);
    b.setCurrentKey(k);
    v.update(42);
    assert.equal(deserializeValue(query(q, keyNs(k)), intSerializer), 42);
    assert.equal(query(q, keyNs(k + 1000)), null);
    assert.equal(query(q, new Uint8Array(0)), null);
    assert.equal(query(q, fromHex("ffffffff")), null);
    assert.equal(query(q, keyNs(BigInt(k), longSerializer)), null);
    assert.equal(query(q, keyNs(0)), null, "key 0 is in key group 94: not this subtask's");
    withSeed((rng) => {
      for (let i = 0; i < 200; i++) assert.equal(query(q, rng.bytes(rng.int(0, 40))), null);
    });
    assert.throws(() => q.getSerializedValue(null as unknown as Uint8Array), InvalidArgumentError);
  });

  test("namespaces: values per namespace, queried with the namespace's bytes", () => {
    const b = intBackend();
    const v = b.getState(valueState("v", intSerializer, { queryable: "vq" }));
    const l = b.getState(listState("l", intSerializer, { queryable: "lq" }));
    const ns = (key: number, n: string) => serializeKeyAndNamespace(key, intSerializer, n, stringSerializer as TypeSerializer<string>);
    assert.throws(() => b.setCurrentNamespace("w1"), InvalidArgumentError);
    b.setCurrentKey(1);
    b.setCurrentNamespace("w1", stringSerializer as TypeSerializer<string>);
    v.update(10);
    l.add(1);
    b.setCurrentNamespace("w2");
    assert.equal(v.value(), undefined);
    v.update(20);
    b.setCurrentNamespace(VoidNamespace);
    assert.equal(v.value(), undefined);
    v.update(30);
    b.setCurrentNamespace("w1", stringSerializer as TypeSerializer<string>);
    assert.equal(v.value(), 10);
    assert.equal(b.getCurrentNamespace(), "w1");
    const vq = kvState(b, "vq");
    assert.equal(deserializeValue(query(vq, ns(1, "w1")), intSerializer), 10);
    assert.equal(deserializeValue(query(vq, ns(1, "w2")), intSerializer), 20);
    assert.equal(deserializeValue(query(vq, keyNs(1)), intSerializer), 30);
    assert.equal(query(vq, ns(1, "w3")), null);
    assert.deepEqual(deserializeList(query(kvState(b, "lq"), ns(1, "w1")), intSerializer), [1]);
    assert.equal(query(kvState(b, "lq"), keyNs(1)), null);
    assert.deepEqual(b.keys("v", "w2"), [1]);
    assert.deepEqual(b.keys("v"), [1, 1, 1]);
    assert.equal(b.size("v"), 3);
  });

  test("a cached answer is dropped on update; bytes handed out stay as they were", () => {
    const b = intBackend();
    const v = b.getState(valueState("v", stringSerializer, { queryable: "vq" }));
    const q = kvState(b, "vq");
    b.setCurrentKey(1);
    v.update("a");
    const first = query(q, keyNs(1))!;
    assert.equal(query(q, keyNs(1)), first);
    v.update("b");
    const second = query(q, keyNs(1))!;
    assert.equal(toHex(first), "0261");
    assert.equal(toHex(second), "0262");
  });
});

describe("random operations against a model", () => {
  const OPS = 3000;

  test("ValueState", () => {
    withSeed((rng) => {
      const b = intBackend(2, 1);
      const keys = ownedKeys(b.keyGroupRange, 8);
      const v = b.getState(valueState("v", intSerializer, { queryable: "vq" }));
      const q = kvState(b, "vq");
      const model = new Map<number, number>();
      let key = keys[0];
      b.setCurrentKey(key);
      for (let i = 0; i < OPS; i++) {
        const op = rng.int(0, 4);
        if (op === 0) b.setCurrentKey((key = rng.pick(keys)));
        else if (op === 1) {
          const x = rng.int32();
          v.update(x);
          model.set(key, x);
        } else if (op === 2) {
          v.update(null);
          model.delete(key);
        } else if (op === 3) {
          v.clear();
          model.delete(key);
        }
        assert.equal(v.value(), model.get(key));
        const k = rng.pick(keys);
        assert.equal(deserializeValue(query(q, keyNs(k)), intSerializer), model.get(k) ?? null);
      }
      assert.equal(b.size("v"), model.size);
    });
  });

  test("ListState", () => {
    withSeed((rng) => {
      const b = intBackend(2, 0);
      const keys = ownedKeys(b.keyGroupRange, 6);
      const l = b.getState(listState("l", stringSerializer as TypeSerializer<string>, { queryable: "lq" }));
      const q = kvState(b, "lq");
      const model = new Map<number, string[]>();
      let key = keys[0];
      b.setCurrentKey(key);
      for (let i = 0; i < OPS; i++) {
        const op = rng.int(0, 5);
        const cur = model.get(key) ?? [];
        if (op === 0) b.setCurrentKey((key = rng.pick(keys)));
        else if (op === 1) {
          const s = rng.string(6);
          l.add(s);
          model.set(key, [...cur, s]);
        } else if (op === 2) {
          const ss = Array.from({ length: rng.int(0, 3) }, () => rng.string(4));
          l.addAll(ss);
          if (cur.length + ss.length > 0) model.set(key, [...cur, ...ss]);
        } else if (op === 3) {
          const ss = Array.from({ length: rng.int(0, 3) }, () => rng.string(4));
          l.update(ss);
          if (ss.length > 0) model.set(key, ss);
          else model.delete(key);
        } else if (op === 4) {
          l.clear();
          model.delete(key);
        }
        assert.deepEqual(l.get(), model.get(key) ?? []);
        const k = rng.pick(keys);
        assert.deepEqual(deserializeList(query(q, keyNs(k)), stringSerializer), model.get(k) ?? null);
      }
    });
  });

  test("MapState", () => {
    withSeed((rng) => {
      const b = intBackend(2, 0);
      const keys = ownedKeys(b.keyGroupRange, 4);
      const userKeys = ["a", "b", "c", "d", "e", ""];
      const m = b.getState(mapState<string, number | null>("m", stringSerializer as TypeSerializer<string>, intSerializer as TypeSerializer<number | null>, { queryable: "mq" }));
      const q = kvState(b, "mq");
      const model = new Map<number, Map<string, number | null>>();
      let key = keys[0];
      b.setCurrentKey(key);
      const mapOf = (k: number) => {
        let mm = model.get(k);
        if (!mm) model.set(k, (mm = new Map()));
        return mm;
      };
      const tidy = (k: number) => {
        if (model.get(k)?.size === 0) model.delete(k);
      };
      for (let i = 0; i < OPS; i++) {
        const op = rng.int(0, 5);
        const uk = rng.pick(userKeys);
        if (op === 0) b.setCurrentKey((key = rng.pick(keys)));
        else if (op === 1) {
          const x = rng.bool() ? rng.int32() : null;
          m.put(uk, x);
          mapOf(key).set(uk, x);
        } else if (op === 2) {
          const es: [string, number][] = Array.from({ length: rng.int(0, 3) }, () => [rng.pick(userKeys), rng.int32()]);
          m.putAll(es);
          for (const [k2, x] of es) mapOf(key).set(k2, x);
          tidy(key);
        } else if (op === 3) {
          m.remove(uk);
          model.get(key)?.delete(uk);
          tidy(key);
        } else if (op === 4) {
          m.clear();
          model.delete(key);
        }
        const mm = model.get(key);
        assert.equal(m.get(uk), mm?.get(uk));
        assert.equal(m.contains(uk), mm?.has(uk) ?? false);
        assert.equal(m.isEmpty(), mm === undefined);
        assert.deepEqual(new Map(m.entries()), mm ?? new Map());
        const k = rng.pick(keys);
        assert.deepEqual(deserializeMap(query(q, keyNs(k)), stringSerializer, intSerializer), model.get(k) ?? null);
      }
    });
  });
});
