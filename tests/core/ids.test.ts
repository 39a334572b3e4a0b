import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter, InvalidArgumentError, JobID, KvStateID, toHex } from "../../mod.ts";

describe("JobID / KvStateID", () => {
  test("hex form is lower part then upper part, big-endian", () => {
    const id = new JobID(0x0102030405060708n, 0x090a0b0c0d0e0f10n);
    assert.equal(id.toString(), "0102030405060708090a0b0c0d0e0f10");
    assert.equal(toHex(id.toBytes()), "0102030405060708090a0b0c0d0e0f10");
    assert.equal(JSON.stringify({ id }), '{"id":"0102030405060708090a0b0c0d0e0f10"}');
  });

  test("parts are signed Java longs", () => {
    const id = JobID.fromHex("ffffffffffffffff8000000000000000");
    assert.equal(id.lowerPart, -1n);
    assert.equal(id.upperPart, -(1n << 63n));
    assert.equal(new KvStateID(1n << 64n, -1n).lowerPart, 0n, "wraps like a Java cast");
  });

  test("parse, write and read round-trip", () => {
    for (let i = 0; i < 20; i++) {
      const id = KvStateID.random();
      assert.ok(KvStateID.fromHex(id.toString()).equals(id));
      const w = new ByteWriter();
      id.writeTo(w);
      assert.ok(KvStateID.readFrom(new ByteReader(w.view())).equals(id));
      assert.ok(KvStateID.fromBytes(id.toBytes()).equals(id));
    }
  });

  test("toBytes gives a fresh copy each time: changing it changes neither the id, its key nor what it writes", () => {
    const id = KvStateID.fromHex("0102030405060708090a0b0c0d0e0f10");
    const key = id.key;
    const bytes = id.toBytes();
    assert.notEqual(id.toBytes(), bytes);
    bytes.fill(0xff);
    assert.equal(id.toString(), "0102030405060708090a0b0c0d0e0f10");
    assert.equal(id.key, key);
    assert.equal(key, String.fromCharCode(...Array.from({ length: 16 }, (_, i) => i + 1)));
    const w = new ByteWriter();
    id.writeTo(w);
    id.writeTo(w);
    assert.equal(toHex(w.toBytes()), "0102030405060708090a0b0c0d0e0f10".repeat(2));
    assert.deepEqual(KvStateID.fromBytes(id.toBytes()), id);
  });

  test("ids of different kinds are never equal", () => {
    const a = new JobID(1n, 2n), b = new KvStateID(1n, 2n);
    assert.equal(a.equals(b), false);
    assert.equal(a.equals(new JobID(1n, 2n)), true);
  });

  test("hashCode follows AbstractID", () => {
    assert.equal(new JobID(0n, 0n).hashCode(), 0);
    assert.equal(new JobID(1n, 2n).hashCode(), 3);
    assert.equal(new JobID(-1n, 0n).hashCode(), 0);
    assert.equal(new JobID(0x100000000n, 0n).hashCode(), 1);
  });

  test("bad text gives clear errors", () => {
    assert.throws(() => JobID.fromHex("abc"), (e: unknown) => e instanceof InvalidArgumentError && /32 hex/.test(e.message));
    assert.throws(() => JobID.fromHex("g".repeat(32)), InvalidArgumentError);
    assert.throws(() => KvStateID.fromBytes(new Uint8Array(15)), InvalidArgumentError);
  });

  test("random ids differ", () => {
    const seen = new Set(Array.from({ length: 100 }, () => JobID.random().toString()));
    assert.equal(seen.size, 100);
  });
});
