import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter, fromHex, InvalidArgumentError, QueryableStateError, toHex, TruncatedInputError } from "../../mod.ts";
import { withSeed } from "../helpers/random.ts";

describe("ByteWriter / ByteReader", () => {
  test("writes Java DataOutput layouts big-endian", () => {
    const w = new ByteWriter(16);
    w.writeInt32(42);
    w.writeInt64(-2n);
    w.writeBoolean(true);
    w.writeFloat64(1.5);
    w.writeFloat32(1.5);
    w.writeInt16(-2);
    w.writeInt8(-2);
    w.writeUint16(0xe9);
    assert.equal(toHex(w.view()), "0000002afffffffffffffffe013ff80000000000003fc00000fffefe00e9");
  });

  test("NaN is written canonically", () => {
    const w = new ByteWriter();
    w.writeFloat64(NaN);
    w.writeFloat32(NaN);
    assert.equal(toHex(w.view()), "7ff80000000000007fc00000");
  });

  test("grows past its initial capacity and keeps earlier bytes", () => {
    withSeed((rng) => {
      const w = new ByteWriter(16);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < 50; i++) {
        const b = rng.bytes(rng.int(0, 300));
        parts.push(b);
        w.writeBytes(b);
      }
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) all.set(p, (at += p.length) - p.length);
      assert.deepEqual(w.toBytes(), all);
    });
  });

  test("round-trips random primitives", () => {
    withSeed((rng) => {
      const w = new ByteWriter(8);
      const ints = Array.from({ length: 200 }, () => rng.int32());
      const longs = Array.from({ length: 200 }, () => rng.int64());
      for (let i = 0; i < 200; i++) {
        w.writeInt32(ints[i]);
        w.writeInt64(longs[i]);
      }
      const r = new ByteReader(w.view());
      for (let i = 0; i < 200; i++) {
        assert.equal(r.readInt32(), ints[i]);
        assert.equal(r.readInt64(), longs[i]);
      }
      assert.equal(r.remaining, 0);
    });
  });

  test("reader never reads past its region and throws a typed error", () => {
    const bytes = fromHex("00000001000000020000000300");
    const r = new ByteReader(bytes, 4, 8);
    assert.equal(r.readInt32(), 2);
    assert.throws(() => r.readUint8(), (e: unknown) => {
      assert.ok(e instanceof TruncatedInputError);
      assert.equal(e.code, "TRUNCATED_INPUT");
      assert.equal(e.needed, 1);
      assert.equal(e.available, 0);
      return true;
    });
    const r2 = new ByteReader(bytes, 0, 3);
    assert.throws(() => r2.readInt32(), TruncatedInputError);
    assert.equal(r2.position, 0, "a failed read consumes nothing");
    assert.throws(() => new ByteReader(bytes, 5, 2), (e: unknown) => e instanceof QueryableStateError && e.code === "INVALID_ARGUMENT");
  });

  test("readBytes returns a view without copying", () => {
    const bytes = fromHex("0102030405");
    const v = new ByteReader(bytes, 1).readBytes(3);
    assert.equal(v.buffer, bytes.buffer);
    assert.equal(toHex(v), "020304");
  });
});

describe("hex", () => {
  test("round-trips and rejects bad input", () => {
    withSeed((rng) => {
      for (let i = 0; i < 50; i++) {
        const b = rng.bytes(rng.int(0, 40));
        assert.deepEqual(fromHex(toHex(b)), b);
      }
    });
    assert.deepEqual(fromHex("ABcd"), new Uint8Array([0xab, 0xcd]));
    assert.throws(() => fromHex("abc"), InvalidArgumentError);
    assert.throws(() => fromHex("zz"), InvalidArgumentError);
  });
});
