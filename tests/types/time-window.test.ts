import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter, fromHex, InvalidArgumentError, timeWindowSerializer, toHex } from "../../mod.ts";

describe("timeWindowSerializer (Flink's TimeWindow.Serializer)", () => {
  test("writes start then end as big-endian longs and reads them back", () => {
    const w = new ByteWriter(16);
    timeWindowSerializer.serialize({ start: 100n, end: 200n }, w);
    assert.equal(toHex(w.toBytes()), "0000000000000064" + "00000000000000c8");
    const back = timeWindowSerializer.deserialize(new ByteReader(fromHex("ffffffffffffff9c0000000000000000")));
    assert.deepEqual(back, { start: -100n, end: 0n });
    assert.equal(timeWindowSerializer.length, 16);
  });

  test("refuses values that are not { start: bigint, end: bigint }, and cannot be a key", () => {
    for (const bad of [null, { start: 1, end: 2 }, { start: 1n }, "w"]) {
      assert.throws(() => timeWindowSerializer.serialize(bad as never, new ByteWriter(16)), InvalidArgumentError);
    }
    assert.equal(timeWindowSerializer.hashCode, undefined);
  });
});
