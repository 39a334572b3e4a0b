import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { toHex } from "../../src/core/hex.ts";
import { computeKeyGroupForKeyHash, computeKeyGroupRangeForOperatorIndex } from "../../src/core/key-groups.ts";
import { reducingState, valueState } from "../../src/state/descriptors.ts";
import { entryId, entryIdBytes } from "../../src/state/entry-ids.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import { deserializeValue, serializeKeyAndNamespace } from "../../src/state/kv-state-serializer.ts";
import type { KvState } from "../../src/state/kv-state-registry.ts";
import { intSerializer, longSerializer, shortSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import type { KeySerializer, TypeSerializer } from "../../src/types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { withSeed } from "../helpers/random.ts";

const MAX_P = 128;

function backend<K>(keySerializer: KeySerializer<K>): HeapKeyedStateBackend<K> {
  return new HeapKeyedStateBackend({ keySerializer, keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_P, 1, 0), numberOfKeyGroups: MAX_P });
}

function query(state: KvState, bytes: Uint8Array): Uint8Array | null {
  const r = state.getSerializedValue(bytes);
  assert.ok(!(r instanceof Promise));
  return r;
}

/** Every key of a state in namespace `ns` (its bytes), through the key listing, as hex. */
function listAll(state: KvState, ns: Uint8Array): { keyGroup: number; key: string }[] {
  const page = state.keys!(0, MAX_P - 1, null, ns, 1_000_000);
  assert.equal(page.complete, true);
  return page.keys.map((k) => ({ keyGroup: k.keyGroup, key: toHex(k.key) }));
}

const keyNs = (bytes: number[]) => new Uint8Array([...bytes, 0x2a, 0]);

describe("entry ids", () => {
  test("stand for their bytes one to one", () => {
    const samples: Uint8Array[] = [
      new Uint8Array(0),
      keyNs([0, 0, 0, 0, 0, 0, 0, 0]),
      keyNs([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // -1L
      keyNs([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // Long.MAX_VALUE
      keyNs([0x80, 0, 0, 0, 0, 0, 0, 0]), // Long.MIN_VALUE
      keyNs([0, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // 2^51 - 1
      keyNs([0, 0x08, 0, 0, 0, 0, 0, 0]), // 2^51
      keyNs([0xff, 0xf8, 0, 0, 0, 0, 0, 0]), // -2^51
      keyNs([0xff, 0xf7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), // -2^51 - 1
      keyNs([0, 0, 0, 0]),
      keyNs([0xff, 0xff, 0xff, 0xff]),
      keyNs([0x7f, 0xff, 0xff, 0xff]),
      keyNs([0x80, 0, 0, 0]),
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0x2a, 1]),
      new Uint8Array([1, 2, 3, 4, 0x2a, 1]),
      new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 0x2b, 0]),
    ];
    withSeed((rng) => {
      for (let i = 0; i < 2000; i++) {
        const shape = rng.int(0, 2);
        const n = shape === 0 ? 8 : shape === 1 ? 4 : rng.int(0, 12);
        const key = Array.from({ length: n }, () => rng.int(0, 255));
        samples.push(shape === 2 ? new Uint8Array(key) : keyNs(key));
      }
    });
    const seen = new Map<string | number, string>();
    for (const b of samples) {
      const id = entryId(b);
      assert.equal(toHex(entryIdBytes(id)), toHex(b), `id ${String(id)} of ${toHex(b)}`);
      const other = seen.get(id);
      assert.ok(other === undefined || other === toHex(b), `${toHex(b)} and ${other} share id ${String(id)}`);
      seen.set(id, toHex(b));
    }
  });

  test("long and int keys in no namespace get number ids; other bytes get strings", () => {
    assert.equal(typeof entryId(serializeKeyAndNamespace(42n, longSerializer, VoidNamespace, voidNamespaceSerializer)), "number");
    assert.equal(typeof entryId(serializeKeyAndNamespace(-7, intSerializer, VoidNamespace, voidNamespaceSerializer)), "number");
    assert.equal(typeof entryId(serializeKeyAndNamespace(2n ** 62n, longSerializer, VoidNamespace, voidNamespaceSerializer)), "string");
    assert.equal(typeof entryId(serializeKeyAndNamespace("ada lovelace", stringSerializer, VoidNamespace, voidNamespaceSerializer)), "string");
  });
});

describe("heap state table", () => {
  test("long keys on both sides of the number-id range: queries, listing, keys, removal", () => {
    const b = backend(longSerializer);
    const v = b.getState(valueState("v", longSerializer, { queryable: "v" }));
    const kv = b.queryableStates()[0].kvState;
    const keys = [0n, 1n, -1n, 2n ** 51n - 1n, 2n ** 51n, -(2n ** 51n), -(2n ** 51n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 123_456_789n];
    for (const k of keys) {
      b.setCurrentKey(k);
      v.update(k / 3n);
    }
    const bytesOf = (k: bigint) => serializeKeyAndNamespace(k, longSerializer, VoidNamespace, voidNamespaceSerializer);
    for (const k of keys) assert.equal(deserializeValue(query(kv, bytesOf(k)), longSerializer), k / 3n);
    assert.equal(query(kv, bytesOf(5n)), null);
    // The listing: (key group, key bytes) order, every key once.
    const expected = keys.map((k) => ({ keyGroup: computeKeyGroupForKeyHash(longSerializer.hashCode(k), MAX_P), key: toHex(bytesOf(k).subarray(0, 8)) }))
      .sort((x, y) => x.keyGroup - y.keyGroup || (x.key < y.key ? -1 : 1));
    assert.deepEqual(listAll(kv, new Uint8Array([0])), expected);
    assert.deepEqual(listAll(kv, new Uint8Array([1])), []);
    assert.deepEqual(b.keys("v").sort((x, y) => (x < y ? -1 : 1)), [...keys].sort((x, y) => (x < y ? -1 : 1)));
    for (const k of keys) {
      b.setCurrentKey(k);
      assert.equal(v.value(), k / 3n);
      v.clear();
      assert.equal(query(kv, bytesOf(k)), null);
    }
    assert.equal(b.size("v"), 0);
    assert.deepEqual(listAll(kv, new Uint8Array([0])), []);
  });

  test("bytes shaped like a long or int key in no namespace, but from a shorter key in another namespace", () => {
    // "abcdef" is 7 bytes and short 10752 is 2A 00: key ‖ 2A ‖ namespace has the 10-byte shape of a long key.
    // "ab" is 3 bytes: with the same namespace, the 6-byte shape of an int key.
    const b = backend(stringSerializer as KeySerializer<string>);
    const v = b.getState(valueState("v", stringSerializer as TypeSerializer<string>, { queryable: "v" }));
    const kv = b.queryableStates()[0].kvState;
    b.setCurrentNamespace(10752, shortSerializer);
    for (const k of ["abcdef", "ab", "a-longer-key"]) {
      b.setCurrentKey(k);
      v.update(`value of ${k}`);
    }
    b.setCurrentNamespace(VoidNamespace);
    b.setCurrentKey("abcdef");
    v.update("void");
    const ns = new Uint8Array([0x2a, 0]);
    const bytesOf = (k: string) => serializeKeyAndNamespace(k, stringSerializer as TypeSerializer<string>, 10752, shortSerializer);
    assert.equal(bytesOf("abcdef").length, 10);
    assert.equal(bytesOf("ab").length, 6);
    for (const k of ["abcdef", "ab", "a-longer-key"]) assert.equal(deserializeValue(query(kv, bytesOf(k)), stringSerializer), `value of ${k}`);
    const keyHex = (k: string) => toHex(serializeKeyAndNamespace(k, stringSerializer as TypeSerializer<string>, VoidNamespace, voidNamespaceSerializer).subarray(0, -2));
    assert.deepEqual(listAll(kv, ns).map((e) => e.key).sort(), ["abcdef", "ab", "a-longer-key"].map(keyHex).sort());
    assert.deepEqual(listAll(kv, new Uint8Array([0])).map((e) => e.key), [keyHex("abcdef")]);
    assert.deepEqual(b.keys("v", 10752).sort(), ["a-longer-key", "ab", "abcdef"]);
    assert.deepEqual(b.keys("v", VoidNamespace), ["abcdef"]);
    b.setCurrentNamespace(10752, shortSerializer);
    b.setCurrentKey("ab");
    v.clear();
    assert.equal(query(kv, bytesOf("ab")), null);
    assert.deepEqual(listAll(kv, ns).map((e) => e.key).sort(), ["abcdef", "a-longer-key"].map(keyHex).sort());
  });

  test("answers are cached within bounds; bytes handed out never change", () => {
    const b = backend(intSerializer);
    const v = b.getState(valueState("v", stringSerializer as TypeSerializer<string>, { queryable: "v" }));
    const n = b.getState(valueState("n", longSerializer, { queryable: "n" }));
    const [vq, nq] = b.queryableStates().map((q) => q.kvState);
    const bytesOf = (k: number) => serializeKeyAndNamespace(k, intSerializer, VoidNamespace, voidNamespaceSerializer);
    const count = 20_000;
    for (let k = 0; k < count; k++) {
      b.setCurrentKey(k);
      v.update(`v${k}`);
      n.update(BigInt(k));
    }
    const first = query(vq, bytesOf(0))!;
    assert.equal(query(vq, bytesOf(0)), first);
    const firstLong = query(nq, bytesOf(0))!;
    for (let k = 1; k < count; k++) assert.equal(deserializeValue(query(vq, bytesOf(k)), stringSerializer), `v${k}`);
    // Far more answers than the cache keeps: the first is served again, equal but made anew.
    const again = query(vq, bytesOf(0))!;
    assert.notEqual(again, first);
    assert.deepEqual(again, first);
    b.setCurrentKey(0);
    v.update("changed");
    n.update(99n);
    assert.equal(deserializeValue(first, stringSerializer), "v0");
    assert.equal(deserializeValue(firstLong, longSerializer), 0n);
    assert.equal(deserializeValue(query(vq, bytesOf(0)), stringSerializer), "changed");
    assert.equal(deserializeValue(query(nq, bytesOf(0)), longSerializer), 99n);
  });
});

describe("heap state table against a model", () => {
  test("long keys written, cleared and written again: listings and keys name each live key once", () => {
    withSeed((rng) => {
      const b = backend(longSerializer);
      const v = b.getState(valueState("v", longSerializer, { queryable: "v" }));
      const kv = b.queryableStates()[0].kvState;
      const live = new Map<bigint, bigint>();
      const pool = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? -BigInt(i) : BigInt(i) * 1_000_003n));
      const bytesOf = (k: bigint) => serializeKeyAndNamespace(k, longSerializer, VoidNamespace, voidNamespaceSerializer);
      const check = () => {
        const listed = listAll(kv, new Uint8Array([0]));
        const expected = [...live.keys()].map((k) => ({ keyGroup: computeKeyGroupForKeyHash(longSerializer.hashCode(k), MAX_P), key: toHex(bytesOf(k).subarray(0, 8)) }))
          .sort((x, y) => x.keyGroup - y.keyGroup || (x.key < y.key ? -1 : 1));
        assert.deepEqual(listed, expected);
        assert.deepEqual(b.keys("v").sort((x, y) => (x < y ? -1 : 1)), [...live.keys()].sort((x, y) => (x < y ? -1 : 1)));
        assert.equal(b.size("v"), live.size);
      };
      for (let i = 0; i < 20_000; i++) {
        const k = rng.pick(pool);
        b.setCurrentKey(k);
        if (rng.int(0, 2) === 0) {
          v.clear();
          live.delete(k);
        } else {
          const x = BigInt(rng.int32());
          v.update(x);
          live.set(k, x);
        }
        if (i % 2000 === 0) check();
        const q = rng.pick(pool);
        assert.equal(deserializeValue(query(kv, bytesOf(q)), longSerializer), live.get(q) ?? null);
      }
      check();
      for (const k of pool) {
        b.setCurrentKey(k);
        v.clear();
      }
      live.clear();
      check();
    });
  });
});

describe("long values", () => {
  test("come back exactly as stored, small or large, and their answers are their bytes", () => {
    const b = backend(intSerializer);
    const v = b.getState(valueState("v", longSerializer, { queryable: "v" }));
    const r = b.getState(reducingState("r", (x: bigint, y: bigint) => x + y, longSerializer, { queryable: "r" }));
    const [vq, rq] = b.queryableStates().map((q) => q.kvState);
    const values = [0n, -1n, 1n, 2n ** 30n - 1n, 2n ** 30n, -(2n ** 30n), -(2n ** 30n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 123_456_789_012n];
    const bytesOf = (k: number) => serializeKeyAndNamespace(k, intSerializer, VoidNamespace, voidNamespaceSerializer);
    values.forEach((x, k) => {
      b.setCurrentKey(k);
      v.update(x);
      r.add(x);
      r.add(1n);
    });
    values.forEach((x, k) => {
      b.setCurrentKey(k);
      assert.equal(v.value(), x);
      assert.equal(r.get(), x + 1n, `key ${k}`);
      assert.equal(deserializeValue(query(vq, bytesOf(k)), longSerializer), x);
    });
    // A number in a long state (the serializer takes safe integers) stays a number.
    b.setCurrentKey(100);
    v.update(5 as unknown as bigint);
    assert.equal(v.value(), 5);
    assert.equal(deserializeValue(query(vq, bytesOf(100)), longSerializer), 5n);
    assert.equal(deserializeValue(query(rq, bytesOf(0)), longSerializer), 1n);
  });
});

describe("answers of fixed-length values", () => {
  test("each answer keeps its bytes while later answers and updates follow", () => {
    const b = backend(intSerializer);
    const v = b.getState(valueState("v", longSerializer, { queryable: "v" }));
    const vq = b.queryableStates()[0].kvState;
    const bytesOf = (k: number) => serializeKeyAndNamespace(k, intSerializer, VoidNamespace, voidNamespaceSerializer);
    const n = 2000; // answers from more than one shared slab
    for (let k = 0; k < n; k++) {
      b.setCurrentKey(k);
      v.update(BigInt(k) * 1_000_000_007n);
    }
    const answers = Array.from({ length: n }, (_, k) => query(vq, bytesOf(k))!);
    for (let k = 0; k < n; k++) {
      b.setCurrentKey(k);
      v.update(-1n);
    }
    for (let k = 0; k < n; k++) assert.equal(query(vq, bytesOf(k))!.length, 8);
    answers.forEach((a, k) => {
      assert.equal(a.length, 8);
      assert.equal(deserializeValue(a, longSerializer), BigInt(k) * 1_000_000_007n);
    });
  });
});
