// Key listings on the heap backend (issue 24): a page resumes from its last key through the sorted keys a listing
// left in that key group, and is always what a plain walk over every key (key group, then key bytes) gives at that
// moment, through random writes between pages; keys present throughout are listed once, in order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteWriter } from "../../src/core/bytes.ts";
import { toHex } from "../../src/core/hex.ts";
import { computeKeyGroupForKeyHash, computeKeyGroupRangeForOperatorIndex } from "../../src/core/key-groups.ts";
import { valueState } from "../../src/state/descriptors.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import type { KvState } from "../../src/state/kv-state-registry.ts";
import { intSerializer, longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import type { KeySerializer, TypeSerializer } from "../../src/types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { type Rng, withSeed } from "../helpers/random.ts";

const MAX_P = 16;

function bytesOf<T>(s: TypeSerializer<T>, v: T): Uint8Array {
  const w = new ByteWriter(16);
  s.serialize(v, w);
  return w.toBytes();
}

const VOID = new Uint8Array([0]);

/** A ValueState of keys `K` in VoidNamespace and in int namespaces, and listings of it, in hex. */
function setup<K>(ks: KeySerializer<K>) {
  const b = new HeapKeyedStateBackend({ keySerializer: ks, keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_P, 1, 0), numberOfKeyGroups: MAX_P });
  const state = b.getState(valueState("v", longSerializer, { queryable: "v" }));
  const kv: KvState = b.queryableStates()[0].kvState;
  const at = (key: K, ns: number | undefined) => {
    b.setCurrentKey(key);
    if (ns === undefined) b.setCurrentNamespace(VoidNamespace, voidNamespaceSerializer);
    else b.setCurrentNamespace(ns, intSerializer);
  };
  return {
    put(key: K, ns?: number) {
      at(key, ns);
      state.update(1n);
    },
    remove(key: K, ns?: number) {
      at(key, ns);
      state.clear();
    },
    /** One page: keys as "keyGroup:hex". */
    page(from: number, to: number, after: Uint8Array | null, ns: Uint8Array, limit: number) {
      const r = kv.keys!(from, to, after, ns, limit);
      assert.ok(!(r instanceof Promise));
      return { keys: r.keys.map((k) => `${String(k.keyGroup).padStart(2, "0")}:${toHex(k.key)}`), last: r.keys.at(-1), complete: r.complete };
    },
    /** The same page from every key the backend holds now, walked in order. */
    expected(from: number, to: number, after: Uint8Array | null, afterGroup: number, ns: unknown, limit: number) {
      const all = b.keys("v", ns).map((k) => ({ kg: computeKeyGroupForKeyHash(ks.hashCode(k), MAX_P), hex: toHex(bytesOf(ks, k)) }));
      const afterHex = after === null ? undefined : toHex(after);
      const picked = all
        .filter((e) => e.kg >= from && e.kg <= to && (afterHex === undefined || e.kg > afterGroup || (e.kg === afterGroup && e.hex > afterHex)))
        .map((e) => `${String(e.kg).padStart(2, "0")}:${e.hex}`)
        .sort();
      return { keys: picked.slice(0, limit), complete: picked.length <= limit };
    },
  };
}

/** Lists namespace `ns` in key groups [from, to] in pages of `limit`, calling `between` after each page. */
function listAll<K>(s: ReturnType<typeof setup<K>>, from: number, to: number, ns: unknown, limit: number, between: () => void): string[] {
  const nsBytes = ns === VoidNamespace ? VOID : bytesOf(intSerializer, ns as number);
  const read: string[] = [];
  let pos: { keyGroup: number; key: Uint8Array } | undefined;
  for (let n = 0; n < 100_000; n++) {
    const start = pos === undefined ? from : pos.keyGroup;
    const after = pos === undefined ? null : pos.key;
    const exp = s.expected(start, to, after, start, ns, limit);
    const got = s.page(start, to, after, nsBytes, limit);
    assert.deepEqual({ keys: got.keys, complete: got.complete }, exp);
    read.push(...got.keys);
    if (got.complete) return read;
    pos = got.last;
    between();
  }
  throw new Error("the listing did not end");
}

describe("key listings on the heap backend", () => {
  test("every page is what a walk over all keys gives, through random writes between pages, in namespaces and key-group ranges", () => {
    withSeed((rng: Rng) => {
      for (const [ks, keyOf] of [
        [stringSerializer, () => rng.pick(["user-", "u", ""]) + String(rng.int(0, 3000))],
        [longSerializer, () => BigInt(rng.int(-2000, 2000)) * (rng.bool() ? 1n : 2n ** 52n)],
      ] as [KeySerializer<unknown>, () => unknown][]) {
        const s = setup(ks);
        const nsOf = () => rng.pick([undefined, undefined, 1, 7]);
        for (let i = 0; i < 1500; i++) s.put(keyOf(), nsOf());
        for (let round = 0; round < 12; round++) {
          const from = rng.int(0, MAX_P - 1), to = rng.int(from, MAX_P - 1);
          const writes = rng.pick([0, 1, 10, 200]);
          listAll(s, from, to, rng.pick([VoidNamespace, 1, 7, 3]), rng.int(5, 120), () => {
            for (let w = 0; w < writes; w++) {
              if (rng.next() < 0.5) s.put(keyOf(), nsOf());
              else s.remove(keyOf(), nsOf());
            }
          });
        }
      }
    });
  });

  test("keys present throughout are listed once and in order; the page's last key removed or put again misses nothing", () => {
    const s = setup(stringSerializer);
    const key = (i: number) => `k${i}`;
    for (let i = 0; i < 600; i += 2) s.put(key(i));
    const read: string[] = [];
    let n = 0;
    read.push(...listAll(s, 0, MAX_P - 1, VoidNamespace, 25, () => {
      n++;
      s.remove(key(n * 2)); // mostly keys already listed or still to come
      s.put(key(n * 2)); // back again
      s.put(key(1000 + n)); // new keys, before or after the position
      if (n % 3 === 0) s.remove(key(1000 + n - 1));
    }));
    const stayed = Array.from({ length: 300 }, (_, i) => key(2 * i))
      .map((k) => `${String(computeKeyGroupForKeyHash(stringSerializer.hashCode(k), MAX_P)).padStart(2, "0")}:${toHex(bytesOf(stringSerializer, k))}`)
      .sort();
    assert.deepEqual(read.filter((k) => stayed.includes(k)), stayed);
    assert.equal(new Set(read).size, read.length);
  });
});
