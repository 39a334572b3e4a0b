import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ByteWriter,
  deserializeKeyAndNamespace,
  deserializeList,
  deserializeMap,
  deserializeValue,
  fromHex,
  intSerializer,
  longSerializer,
  SerializationError,
  serializeKeyAndNamespace,
  serializeList,
  serializeMap,
  serializeValue,
  stringSerializer,
  toHex,
  TruncatedInputError,
  tupleSerializer,
  VoidNamespace,
  voidNamespaceSerializer,
} from "../../mod.ts";
import { withSeed } from "../helpers/random.ts";

// deno-lint-ignore no-explicit-any
const isSerialization = (cause?: new (...a: any[]) => Error) => (e: unknown) => {
  assert.ok(e instanceof SerializationError, String(e));
  assert.equal(e.code, "SERIALIZATION");
  if (cause) assert.ok(e.cause instanceof cause, String(e.cause));
  return true;
};

describe("key and namespace", () => {
  test("layout and round trip", () => {
    const bytes = serializeKeyAndNamespace(42n, longSerializer, VoidNamespace, voidNamespaceSerializer);
    assert.equal(toHex(bytes), "000000000000002a2a00");
    assert.deepEqual(deserializeKeyAndNamespace(bytes, longSerializer, voidNamespaceSerializer), { key: 42n, namespace: VoidNamespace });
    withSeed((rng) => {
      const scratch = new ByteWriter(8);
      for (let i = 0; i < 200; i++) {
        const key = rng.string(30), ns = rng.bool() ? null : rng.string(10);
        const b = serializeKeyAndNamespace(key, stringSerializer, ns, stringSerializer, scratch);
        const b2 = serializeKeyAndNamespace(key, stringSerializer, ns, stringSerializer);
        assert.deepEqual(b, b2, "with or without a scratch writer");
        assert.deepEqual(deserializeKeyAndNamespace(b, stringSerializer, stringSerializer), { key, namespace: ns });
      }
    });
  });

  test("malformed bytes give Flink's errors", () => {
    const wrap = "Unable to deserialize key and namespace. This indicates a mismatch in the key/namespace serializers used by the KvState instance and this access.";
    assert.throws(() => deserializeKeyAndNamespace(fromHex("000000012b00"), intSerializer, voidNamespaceSerializer), (e: unknown) => {
      isSerialization(SerializationError)(e);
      assert.equal((e as Error).message, wrap);
      assert.equal(((e as Error).cause as Error).message, "Unexpected magic number 43.");
      return true;
    });
    assert.throws(() => deserializeKeyAndNamespace(new Uint8Array(0), intSerializer, voidNamespaceSerializer), isSerialization(TruncatedInputError));
    assert.throws(() => deserializeKeyAndNamespace(fromHex("01"), intSerializer, voidNamespaceSerializer), isSerialization(TruncatedInputError));
    assert.throws(() => deserializeKeyAndNamespace(fromHex("00000000000000012a0002"), longSerializer, stringSerializer), isSerialization(SerializationError));
    assert.throws(() => deserializeKeyAndNamespace(fromHex("00000000000000012a000202"), longSerializer, stringSerializer), isSerialization(SerializationError));
  });
});

describe("values", () => {
  test("round trip and null", () => {
    assert.equal(serializeValue(null, longSerializer), null);
    assert.equal(deserializeValue(null, longSerializer), null);
    const b = serializeValue(9223372036854775807n - 1292929292n, longSerializer)!;
    assert.equal(deserializeValue(b, longSerializer), 9223372036854775807n - 1292929292n);
  });
  test("too short, too long", () => {
    assert.throws(() => deserializeValue(new Uint8Array(0), longSerializer), TruncatedInputError);
    assert.throws(() => deserializeValue(new Uint8Array(1), longSerializer), TruncatedInputError);
    assert.throws(() => deserializeValue(new Uint8Array(9), longSerializer), isSerialization());
    assert.throws(() => deserializeValue(new Uint8Array(10), longSerializer), isSerialization());
  });
});

describe("lists", () => {
  test("layout, round trip, quirks", () => {
    assert.equal(toHex(serializeList([1n, 2n, 3n], longSerializer)), "00000000000000012c00000000000000022c0000000000000003");
    withSeed((rng) => {
      for (let i = 0; i < 100; i++) {
        const xs = Array.from({ length: rng.int(0, 20) }, () => rng.int64());
        assert.deepEqual(deserializeList(serializeList(xs, longSerializer), longSerializer), xs);
      }
    });
    assert.deepEqual(deserializeList(serializeValue(5n, longSerializer), longSerializer), [5n], "a single value is a one-element list");
    assert.deepEqual(deserializeList(new Uint8Array(0), longSerializer), []);
    assert.deepEqual(deserializeList(fromHex("000000010000000002"), intSerializer), [1, 2], "separator value not checked");
  });
  test("truncated lists", () => {
    assert.throws(() => deserializeList(fromHex("01"), longSerializer), isSerialization(TruncatedInputError));
    assert.throws(() => deserializeList(fromHex("0000000000000001020304"), longSerializer), isSerialization(TruncatedInputError));
  });
});

describe("maps", () => {
  test("layout and round trip", () => {
    assert.equal(toHex(serializeMap(new Map([["k1", 7n], ["k2", null]]), stringSerializer, longSerializer)), "036b31" + "00" + "0000000000000007" + "036b32" + "01");
    withSeed((rng) => {
      for (let i = 0; i < 100; i++) {
        const m = new Map<bigint, string | null>();
        for (let j = rng.int(0, 10); j > 0; j--) m.set(rng.int64(), rng.bool() ? null : rng.string(10));
        assert.deepEqual(deserializeMap(serializeMap(m, longSerializer, stringSerializer), longSerializer, stringSerializer), m);
      }
    });
    assert.deepEqual(deserializeMap(new Uint8Array(0), longSerializer, longSerializer), new Map());
  });
  test("truncated maps", () => {
    assert.throws(() => deserializeMap(fromHex("00000000"), longSerializer, longSerializer), TruncatedInputError);
    assert.throws(() => deserializeMap(fromHex("00000000000000010000"), longSerializer, longSerializer), TruncatedInputError);
    assert.throws(() => deserializeMap(fromHex("0000000000000001000000000000000002000000"), longSerializer, longSerializer), TruncatedInputError);
  });

  test("map keys that are objects (tuples) are equal by their bytes, as Java's HashMap sees them: the later value wins", () => {
    // Flink 1.20 / 2.3 (compat/flink vectors): (1,2L)->10, (1,2L)->20 decodes to {(1,2)=20}.
    const ks = tupleSerializer(intSerializer, longSerializer);
    const bytes = serializeMap([[[1, 2n], 10], [[1, 2n], 20], [[1, 3n], 30]], ks, intSerializer);
    const m = deserializeMap(bytes, ks, intSerializer)!;
    assert.equal(m.size, 2);
    assert.deepEqual([...m.values()], [20, 30]);
    assert.deepEqual([...m.keys()], [[1, 2n], [1, 3n]]);
  });
});
