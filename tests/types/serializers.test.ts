import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  booleanSerializer,
  ByteReader,
  byteSerializer,
  bytesSerializer,
  ByteWriter,
  charSerializer,
  doubleSerializer,
  floatSerializer,
  InvalidArgumentError,
  intSerializer,
  listSerializer,
  longSerializer,
  mapSerializer,
  shortSerializer,
  stringSerializer,
  toHex,
  TruncatedInputError,
  tupleSerializer,
  type TypeSerializer,
  VoidNamespace,
  voidNamespaceSerializer,
} from "../../mod.ts";
import { type Rng, withSeed } from "../helpers/random.ts";

function bytesOf<T>(s: TypeSerializer<T>, v: T): string {
  const w = new ByteWriter(4);
  s.serialize(v, w);
  return toHex(w.view());
}

function roundTrip<T>(s: TypeSerializer<T>, v: T): T {
  const w = new ByteWriter(4);
  s.serialize(v, w);
  const r = new ByteReader(w.view());
  const out = s.deserialize(r);
  assert.equal(r.remaining, 0, `${s.name} left bytes`);
  if (s.length >= 0) assert.equal(w.length, s.length);
  return out;
}

// deno-lint-ignore no-explicit-any
const generators: [TypeSerializer<any>, (r: Rng) => unknown][] = [
  [intSerializer, (r) => r.int32()],
  [longSerializer, (r) => r.int64()],
  [shortSerializer, (r) => r.int(-32768, 32767)],
  [byteSerializer, (r) => r.int(-128, 127)],
  [charSerializer, (r) => String.fromCharCode(r.int(0, 0xffff))],
  [booleanSerializer, (r) => r.bool()],
  [doubleSerializer, (r) => r.double()],
  [floatSerializer, (r) => Math.fround(r.double())],
  [stringSerializer, (r) => (r.int(0, 20) === 0 ? null : r.string(r.pick([5, 200, 5000])))],
  [bytesSerializer, (r) => r.bytes(r.int(0, 100))],
  [tupleSerializer(intSerializer, longSerializer), (r) => [r.int32(), r.int64()]],
  [tupleSerializer(stringSerializer, doubleSerializer, booleanSerializer), (r) => [r.string(), r.double(), r.bool()]],
  [listSerializer(longSerializer), (r) => Array.from({ length: r.int(0, 20) }, () => r.int64())],
  [mapSerializer(stringSerializer, intSerializer), (r) => new Map(Array.from({ length: r.int(0, 10) }, () => [r.string(8), r.bool() ? null : r.int32()]))],
];

describe("serializers", () => {
  test("round-trip random values", () => {
    withSeed((rng) => {
      for (const [s, gen] of generators) {
        for (let i = 0; i < 200; i++) {
          const v = gen(rng);
          const back = roundTrip(s, v);
          if (typeof v === "number" && Number.isNaN(v)) assert.ok(Number.isNaN(back));
          else assert.deepEqual(back, v, `${s.name}`);
        }
      }
    });
  });

  test("documented byte layouts", () => {
    assert.equal(bytesOf(intSerializer, 42), "0000002a");
    assert.equal(bytesOf(longSerializer, -2n), "fffffffffffffffe");
    assert.equal(bytesOf(longSerializer, 42 as unknown as bigint), "000000000000002a", "safe-integer numbers are accepted for longs");
    assert.equal(bytesOf(booleanSerializer, true), "01");
    assert.equal(bytesOf(doubleSerializer, 1.5), "3ff8000000000000");
    assert.equal(bytesOf(floatSerializer, 1.5), "3fc00000");
    assert.equal(bytesOf(shortSerializer, -2), "fffe");
    assert.equal(bytesOf(byteSerializer, -2), "fe");
    assert.equal(bytesOf(charSerializer, "é"), "00e9");
    assert.equal(bytesOf(voidNamespaceSerializer, VoidNamespace), "00");
    assert.equal(bytesOf(listSerializer(intSerializer), [1, 2]), "000000020000000100000002");
    assert.equal(bytesOf(mapSerializer(stringSerializer, longSerializer), new Map([["k1", 7n], ["k2", null]])), "00000002036b31000000000000000007036b3201");
  });

  test("StringValue format", () => {
    const cases: [string | null, string][] = [
      [null, "00"], ["", "01"], ["a", "0261"], ["hello", "0668656c6c6f"], ["é", "02e901"],
      ["测", "02cbda01"], ["😀", "03bdb00380bc03"], ["\ud83d", "02bdb003"], ["\u0000", "0200"],
    ];
    for (const [v, hex] of cases) {
      assert.equal(bytesOf(stringSerializer, v), hex);
      assert.equal(roundTrip(stringSerializer, v), v);
    }
    assert.equal(bytesOf(stringSerializer, "x".repeat(127)).slice(0, 4), "8001");
    assert.equal(bytesOf(stringSerializer, "x".repeat(200)).slice(0, 4), "c901");
    assert.equal(roundTrip(stringSerializer, "ü".repeat(20000)), "ü".repeat(20000));
  });

  test("wrong value shapes give InvalidArgumentError naming the serializer", () => {
    // deno-lint-ignore no-explicit-any
    const bad: [TypeSerializer<any>, unknown][] = [
      [intSerializer, 1.5], [intSerializer, 2 ** 31], [intSerializer, "1"], [longSerializer, 1.5],
      [longSerializer, 1n << 63n], [shortSerializer, 40000], [byteSerializer, 128], [charSerializer, "ab"],
      [booleanSerializer, 1], [doubleSerializer, 1n], [stringSerializer, 5], [bytesSerializer, null],
      [bytesSerializer, [1, 2]], [tupleSerializer(intSerializer, intSerializer), [1]],
      [tupleSerializer(intSerializer, stringSerializer), [1, null]],
    ];
    for (const [s, v] of bad) {
      assert.throws(() => bytesOf(s, v), (e: unknown) => e instanceof InvalidArgumentError && e.code === "INVALID_ARGUMENT", `${s.name} ${String(v)}`);
    }
    assert.throws(() => bytesOf(bytesSerializer, null as unknown as Uint8Array), { message: "The record must not be null." });
  });

  test("truncated and hostile input gives typed errors without big allocations", () => {
    withSeed((rng) => {
      for (const [s, gen] of generators) {
        for (let i = 0; i < 30; i++) {
          const w = new ByteWriter();
          s.serialize(gen(rng), w);
          const full = w.toBytes();
          if (full.length < 2) continue;
          const cut = full.subarray(0, rng.int(0, full.length - 1));
          assert.throws(() => s.deserialize(new ByteReader(cut)), (e: unknown) => e instanceof Error && "code" in e, s.name);
        }
      }
    });
    // A string claiming 2^31-1 chars, a byte[] claiming 2 GiB, a list claiming 2^31-1 elements.
    assert.throws(() => stringSerializer.deserialize(new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x07, 0x61]))), TruncatedInputError);
    assert.throws(() => bytesSerializer.deserialize(new ByteReader(new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1]))), TruncatedInputError);
    assert.throws(() => listSerializer(intSerializer).deserialize(new ByteReader(new Uint8Array([0x7f, 0xff, 0xff, 0xff]))), TruncatedInputError);
    assert.throws(() => bytesSerializer.deserialize(new ByteReader(new Uint8Array([0xff, 0xff, 0xff, 0xff]))), (e: unknown) => (e as { code?: string }).code === "SERIALIZATION");
    assert.throws(() => stringSerializer.deserialize(new ByteReader(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1]))), (e: unknown) => (e as { code?: string }).code === "SERIALIZATION");
  });

  test("bytes read are a copy the caller owns", () => {
    const input = new Uint8Array([0, 0, 0, 2, 7, 8]);
    const out = bytesSerializer.deserialize(new ByteReader(input));
    input[4] = 0;
    assert.deepEqual(out, new Uint8Array([7, 8]));
  });
});

describe("Java hashCode", () => {
  test("matches Java for each key type", () => {
    assert.equal(intSerializer.hashCode(-7), -7);
    assert.equal(longSerializer.hashCode(42n), 42);
    assert.equal(longSerializer.hashCode(-1n), 0);
    assert.equal(longSerializer.hashCode(4294967297n), 0);
    assert.equal(longSerializer.hashCode(-(1n << 63n)), -2147483648);
    assert.equal(stringSerializer.hashCode("hello"), 99162322);
    assert.equal(stringSerializer.hashCode("😀"), 1772899);
    assert.equal(stringSerializer.hashCode("query-name"), -214515600);
    assert.equal(booleanSerializer.hashCode(true), 1231);
    assert.equal(booleanSerializer.hashCode(false), 1237);
    assert.equal(doubleSerializer.hashCode(1.0), 1072693248);
    assert.equal(doubleSerializer.hashCode(-0), -2147483648);
    assert.equal(doubleSerializer.hashCode(NaN), 2146959360);
    assert.equal(floatSerializer.hashCode(1.0), 1065353216);
    assert.equal(shortSerializer.hashCode(-1), -1);
    assert.equal(charSerializer.hashCode("a"), 97);
    assert.equal(tupleSerializer(stringSerializer, longSerializer).hashCode!(["a", 1n]), 3008);
    assert.equal(bytesSerializer.hashCode, undefined, "byte[] has an identity hash in Java: not a key type");
  });
});
