import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteWriter, KvStateID, KvStateRegistry } from "../../mod.ts";

/** The id's 16 wire bytes at offset `at` of a larger array. */
function idBytesAt(id: KvStateID, at: number): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < at; i++) w.writeUint8(0xee);
  id.writeTo(w);
  w.writeUint8(0xee);
  return w.toBytes();
}

describe("KvStateRegistry", () => {
  test("getByIdBytes finds a state by its wire bytes, and forgets it on unregister (no stale answer)", () => {
    const r = new KvStateRegistry();
    const a = { getSerializedValue: () => new Uint8Array([1]) };
    const b = { getSerializedValue: () => new Uint8Array([2]) };
    const idA = r.register(a);
    const idB = r.register(b);
    for (let i = 0; i < 3; i++) {
      assert.equal(r.getByIdBytes(idBytesAt(idA, 3), 3), a);
      assert.equal(r.getByIdBytes(idBytesAt(idB, 0), 0), b);
      assert.equal(r.getByIdBytes(idBytesAt(idA, 0), 0), a); // asked again: the same answer
      assert.equal(r.getByIdBytes(idBytesAt(idA, 0), 0), a);
    }
    assert.equal(r.getByIdBytes(idBytesAt(new KvStateID(7n, 7n), 1), 1), undefined);
    r.unregister(idA);
    assert.equal(r.getByIdBytes(idBytesAt(idA, 0), 0), undefined);
    const c = { getSerializedValue: () => new Uint8Array([3]) };
    r.register(c, { id: idA });
    assert.equal(r.getByIdBytes(idBytesAt(idA, 2), 2), c);
    r.unregister(idA);
    r.register(a, { id: idA });
    assert.equal(r.getByIdBytes(idBytesAt(idA, 0), 0), a);
    assert.equal(r.getByIdBytes(idBytesAt(idB, 5), 5), b);
  });
});
