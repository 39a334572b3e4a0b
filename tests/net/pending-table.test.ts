import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PendingTable } from "../../src/net/pending-table.ts";

const entry = (name: string) => ({ name, id: -1 });

describe("PendingTable", () => {
  it("gives increasing ids and finds each request by its id once", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const a = entry("a"), b = entry("b"), c = entry("c");
    assert.deepEqual([t.add(a), t.add(b), t.add(c)], [0, 1, 2]);
    assert.equal(t.size, 3);
    assert.equal(t.take(1), b);
    assert.equal(t.take(1), undefined, "an answer is matched once");
    assert.equal(t.take(7), undefined, "an id never given");
    assert.equal(t.take(-1), undefined);
    assert.equal(t.take(2 ** 40), undefined);
    assert.equal(t.take(0), a);
    assert.equal(t.take(2), c);
    assert.equal(t.size, 0);
  });

  it("drops the late answer of a forgotten request, even when its slot holds another one", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const old = entry("old");
    const id = t.add(old);
    assert.equal(t.delete(old), true);
    assert.equal(t.delete(old), false);
    // Fill the slot the forgotten id used, then answer the forgotten id: nobody gets it.
    const others = Array.from({ length: 16 }, (_, i) => entry(`n${i}`));
    for (const o of others) t.add(o);
    const sameSlot = others.find((o) => (o.id & 15) === (id & 15))!;
    assert.notEqual(sameSlot.id, id);
    assert.equal(t.take(id), undefined);
    assert.equal(t.take(sameSlot.id), sameSlot);
  });

  it("never gives an id twice: ids whose slot an old request holds are skipped, without growing", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const stuck = entry("stuck");
    t.add(stuck); // id 0 never answered
    const seen = new Set<number>([0]);
    for (let i = 0; i < 1000; i++) {
      const e = entry(String(i));
      const id = t.add(e);
      assert.ok(!seen.has(id), `id ${id} given twice`);
      assert.notEqual(id & 15, 0, "the stuck request's slot is skipped");
      seen.add(id);
      assert.equal(t.take(id), e);
    }
    assert.equal(t.capacity, 16);
    assert.equal(t.take(0), stuck);
  });

  it("grows when every slot is taken and keeps every request findable", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const all = Array.from({ length: 100 }, (_, i) => entry(String(i)));
    for (const e of all) t.add(e);
    assert.equal(t.size, 100);
    assert.ok(t.capacity >= 100);
    for (const e of [...all].reverse()) assert.equal(t.take(e.id), e);
    assert.equal(t.size, 0);
  });

  it("gives a grown array back once it is empty", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const all = Array.from({ length: 5000 }, (_, i) => entry(String(i)));
    for (const e of all) t.add(e);
    assert.ok(t.capacity >= 5000);
    for (const e of all) assert.equal(t.take(e.id), e);
    assert.equal(t.capacity, 16);
    const e = entry("next");
    assert.equal(t.add(e), 5000, "ids go on increasing");
    assert.equal(t.take(5000), e);
  });

  it("wraps around from 2^53 - 1 to 0 and drains oldest first", () => {
    const max = Number.MAX_SAFE_INTEGER;
    const t = new PendingTable<ReturnType<typeof entry>>(max - 2);
    const all = Array.from({ length: 5 }, (_, i) => entry(String(i)));
    assert.deepEqual(all.map((e) => t.add(e)), [max - 2, max - 1, max, 0, 1]);
    assert.equal(t.take(max), all[2]);
    assert.equal(t.take(0), all[3]);
    assert.equal(t.take(0), undefined);
    assert.deepEqual(t.drain().map((e) => e.name), ["0", "1", "4"]);
    assert.equal(t.size, 0);
  });

  it("drains in the order the ids were given, across growth and skipped ids", () => {
    const t = new PendingTable<ReturnType<typeof entry>>();
    const all = Array.from({ length: 40 }, (_, i) => entry(String(i)));
    for (const e of all) t.add(e);
    for (const e of all.slice(10, 30)) t.take(e.id);
    assert.deepEqual(t.drain().map((e) => e.name), [...all.slice(0, 10), ...all.slice(30)].map((e) => e.name));
    assert.equal(t.take(all[0].id), undefined);
  });
});
