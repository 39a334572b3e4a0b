// Map scans on the heap backend (issue 23/24): HeapMapState.scan pages through a sorted index of the map's user keys
// (built by the first scan, kept up to date by writes). Every page is checked against a plain filter-and-sort of the
// map's entries as they are at that moment, through random writes between pages; and a scan resumed from its last key
// misses and repeats nothing that stayed in the map.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter } from "../../src/core/bytes.ts";
import { toHex } from "../../src/core/hex.ts";
import { computeKeyGroupRangeForOperatorIndex } from "../../src/core/key-groups.ts";
import { mapState } from "../../src/state/descriptors.ts";
import { HeapKeyedStateBackend } from "../../src/state/keyed-state-backend.ts";
import type { KvState } from "../../src/state/kv-state-registry.ts";
import { serializeKeyAndNamespace } from "../../src/state/kv-state-serializer.ts";
import type { MapState } from "../../src/state/keyed-states.ts";
import { doubleSerializer, longSerializer } from "../../src/types/primitive-serializers.ts";
import { stringSerializer } from "../../src/types/string-serializer.ts";
import { tupleSerializer } from "../../src/types/tuple-serializer.ts";
import type { TypeSerializer } from "../../src/types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../../src/types/void-namespace.ts";
import { type Rng, withSeed } from "../helpers/random.ts";

const MAX_P = 128;

function bytesOf<T>(s: TypeSerializer<T>, v: T): Uint8Array {
  const w = new ByteWriter(16);
  s.serialize(v, w);
  return w.toBytes();
}

/** Java's order of one type's keys, plainly: strings by UTF-16 units, numbers as Double.compare, bigints by value, else bytes. */
function javaOrder(a: unknown, b: unknown, ab: Uint8Array, bb: Uint8Array): number {
  const t = typeof a;
  if (typeof a === "number" && typeof b === "number") {
    // Double.compare: NaN after everything, -0 before 0.
    if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
    if (a !== b) return a < b ? -1 : 1;
    return Number(Object.is(b, -0)) - Number(Object.is(a, -0));
  }
  if (t === typeof b && (t === "string" || t === "bigint")) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  for (let i = 0; i < Math.min(ab.length, bb.length); i++) if (ab[i] !== bb[i]) return ab[i] - bb[i];
  return ab.length - bb.length;
}

interface Bounds<UK> {
  from?: UK;
  to?: UK;
  prefix?: string;
}

/** A map state of one key ("k") in a backend, its KvState, and scans of it in hex. */
function setup<UK, UV>(ks: TypeSerializer<UK>, vs: TypeSerializer<UV>) {
  const b = new HeapKeyedStateBackend({ keySerializer: stringSerializer, keyGroupRange: computeKeyGroupRangeForOperatorIndex(MAX_P, 1, 0), numberOfKeyGroups: MAX_P });
  const map = b.getState(mapState("m", ks, vs, { queryable: "m" })) as MapState<UK, UV>;
  b.setCurrentKey("k");
  const kv: KvState = b.queryableStates()[0].kvState;
  const kn = serializeKeyAndNamespace("k", stringSerializer, VoidNamespace, voidNamespaceSerializer);
  const hexEntry = (e: { key: Uint8Array; value: Uint8Array | null }) => `${toHex(e.key)}=${e.value === null ? "null" : toHex(e.value)}`;
  const bound = (v: UK | undefined) => (v === undefined ? null : bytesOf(ks, v));
  return {
    map,
    /** Whether the key has a map to scan. */
    has: () => kv.scan!(kn, { from: null, to: null, prefix: null, after: null, limit: 1 }) !== null,
    /** One page after `after` (serialized user key), as hex "key=value" strings. */
    page(after: Uint8Array | null, limit: number, q: Bounds<UK> = {}) {
      const r = kv.scan!(kn, {
        from: bound(q.from),
        to: bound(q.to),
        prefix: q.prefix === undefined ? null : bytesOf(stringSerializer, q.prefix),
        after,
        limit,
      });
      assert.ok(r !== null && !(r instanceof Promise));
      return { entries: r.entries.map(hexEntry), last: r.entries.at(-1)?.key ?? null, complete: r.complete };
    },
    /** The same page, by filtering and sorting the map's entries as they are now. */
    expected(after: Uint8Array | null, limit: number, q: Bounds<UK> = {}) {
      const all = map.entries().map(([k, v]) => ({ k, kb: bytesOf(ks, k), v }));
      const cmp = (a: { k: unknown; kb: Uint8Array }, c: { k: unknown; kb: Uint8Array }) => javaOrder(a.k, c.k, a.kb, c.kb);
      const at = (v: UK | undefined) => (v === undefined ? undefined : { k: v as unknown, kb: bytesOf(ks, v) });
      const from = at(q.from), to = at(q.to);
      const aft = after === null ? undefined : { k: ks.deserialize(new ByteReader(after)) as unknown, kb: after };
      const picked = all.filter((e) =>
        (q.prefix === undefined || (typeof e.k === "string" && e.k.startsWith(q.prefix))) &&
        (from === undefined || cmp(e, from) >= 0) && (to === undefined || cmp(e, to) < 0) && (aft === undefined || cmp(e, aft) > 0)
      ).sort(cmp);
      const entries = picked.slice(0, limit).map((e) => hexEntry({ key: e.kb, value: e.v === null ? null : bytesOf(vs, e.v) }));
      return { entries, complete: picked.length <= limit };
    },
  };
}

/** Scans the whole map (bounds `q`) in pages of `limit`, calling `between` after each page; the keys read, in order. */
function scanAll<UK, UV>(s: ReturnType<typeof setup<UK, UV>>, limit: number, q: Bounds<UK>, between: () => void): string[] {
  const read: string[] = [];
  let after: Uint8Array | null = null;
  for (let n = 0; n < 100_000; n++) {
    const exp = s.expected(after, limit, q);
    const got = s.page(after, limit, q);
    assert.deepEqual({ entries: got.entries, complete: got.complete }, exp);
    read.push(...got.entries.map((e) => e.split("=")[0]));
    if (got.complete) return read;
    after = got.last;
    between();
  }
  throw new Error("the scan did not end");
}

describe("map scans on the heap backend", () => {
  test("pages in Java's order with prefixes and ranges, as a filter-and-sort of the map gives, through random writes between pages", () => {
    withSeed((rng: Rng) => {
      const s = setup(stringSerializer, longSerializer);
      const keyOf = () => rng.pick(["a", "b", "ab", "abc", "b/", "z", ""]) + (rng.bool() ? rng.string(3) : String(rng.int(0, 300)));
      for (let i = 0; i < 400; i++) s.map.put(keyOf(), BigInt(i));
      for (let round = 0; round < 16; round++) {
        const q: Bounds<string> = rng.pick([{}, { prefix: rng.pick(["a", "ab", "b/", "zz", ""]) }, { from: keyOf(), to: keyOf() }, { from: keyOf() }, { to: keyOf() }]);
        const writes = rng.pick([0, 1, 5, 40, 1100]);
        scanAll(s, rng.int(4, 80), q, () => {
          for (let w = 0; w < writes; w++) {
            const r = rng.next();
            if (r < 0.45) s.map.put(keyOf(), BigInt(w));
            else if (r < 0.8) s.map.remove(rng.pick(s.map.keys()));
            else s.map.put(rng.pick(s.map.keys()), rng.bool() ? null as unknown as bigint : -1n);
          }
          if (s.map.isEmpty()) s.map.put("refill", 0n);
        });
      }
    });
  });

  test("writes between pages: later keys appear, earlier ones do not, deleting the cursor's key misses nothing", () => {
    const s = setup(stringSerializer, longSerializer);
    const key = (i: number) => `k${String(i).padStart(3, "0")}`;
    for (let i = 0; i < 100; i += 2) s.map.put(key(i), BigInt(i)); // k000, k002, … k098
    let p = s.page(null, 10);
    assert.equal(p.entries.length, 10);
    assert.equal(toHex(p.last!), toHex(bytesOf(stringSerializer, key(18))));
    s.map.remove(key(18)); // the cursor's own key
    s.map.remove(key(20)); // the next one
    s.map.put(key(19), 19n); // after the position: appears
    s.map.put(key(1), 1n); // before it: not in this scan
    s.map.remove(key(18));
    s.map.put(key(18), 180n); // back again: it is at the position, not after it
    for (const again of [30, 32, 32]) {
      s.map.remove(key(again)); // gone and back after the position: read once
      s.map.put(key(again), BigInt(again));
    }
    p = s.page(p.last, 3);
    assert.deepEqual(p.entries.map((e) => e.split("=")[0]), [key(19), key(22), key(24)].map((k) => toHex(bytesOf(stringSerializer, k))));
    const rest: string[] = [];
    for (let after = p.last; ;) {
      s.map.put(key(99), 99n); // the last key, put again and again: once
      const q = s.page(after, 7);
      rest.push(...q.entries);
      if (q.complete) break;
      after = q.last;
    }
    const keys = rest.map((e) => e.split("=")[0]);
    const want = [...Array.from({ length: 37 }, (_, i) => key(26 + 2 * i)), key(99)].sort().map((k) => toHex(bytesOf(stringSerializer, k)));
    assert.deepEqual(keys, want);
  });

  test("keys present throughout are read once and in order while many others come and go", () => {
    withSeed((rng: Rng) => {
      const s = setup(longSerializer, longSerializer);
      const stay = new Set<bigint>();
      for (let i = 0; i < 500; i++) {
        const k = rng.int64();
        stay.add(k);
        s.map.put(k, 1n);
      }
      const read = scanAll(s, 37, {}, () => {
        for (let w = 0; w < 60; w++) {
          const k = BigInt(rng.int(-1000, 1000)) * 3n + 1n;
          if (rng.bool()) s.map.put(k, 2n);
          else s.map.remove(k);
        }
      });
      const stayed = [...stay].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((k) => toHex(bytesOf(longSerializer, k)));
      assert.deepEqual(read.filter((k) => stayed.includes(k)), stayed);
      assert.equal(new Set(read).size, read.length);
    });
  });

  test("keys of no primitive type by their bytes; doubles by value with -0, NaN and infinities", () => {
    withSeed((rng: Rng) => {
      const pairs = setup(tupleSerializer(stringSerializer, longSerializer), longSerializer);
      for (let i = 0; i < 200; i++) pairs.map.put([rng.string(4), BigInt(rng.int(-3, 3))], BigInt(i));
      scanAll(pairs, 9, {}, () => {
        pairs.map.put([rng.string(4), 0n], 5n);
        pairs.map.remove(rng.pick(pairs.map.keys()));
      });
      const doubles = setup(doubleSerializer, longSerializer);
      for (const d of [0, -0, NaN, Infinity, -Infinity, 1.5, -2.25, Number.MIN_VALUE]) doubles.map.put(d, 1n);
      for (let i = 0; i < 100; i++) doubles.map.put(rng.double(), 2n);
      scanAll(doubles, 6, {}, () => {
        doubles.map.put(rng.double(), 3n);
        doubles.map.remove(rng.pick([0, -0, NaN, rng.pick(doubles.map.keys())]));
      });
      scanAll(doubles, 4, { from: -1, to: 1 }, () => doubles.map.put(rng.pick([-0, 0, 0.5]), 4n));
    });
  });

  test("a map that becomes empty has no value; built again, it scans anew", () => {
    const s = setup(stringSerializer, longSerializer);
    s.map.put("a", 1n);
    assert.equal(s.page(null, 5).entries.length, 1);
    s.map.remove("a");
    assert.equal(s.has(), false);
    s.map.put("b", 2n);
    s.map.put("a", 3n);
    assert.deepEqual(s.page(null, 5), { ...s.expected(null, 5), last: bytesOf(stringSerializer, "b") });
  });
});
