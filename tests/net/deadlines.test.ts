import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Deadlines } from "../../src/net/deadlines.ts";
import { FakeClock } from "../helpers/fake-clock.ts";
import { withSeed } from "../helpers/random.ts";

interface Item {
  name: string;
  deadlineAt?: number;
  heapIndex?: number;
}

describe("Deadlines", () => {
  test("items leave when removed, so finished requests hold no memory", () => {
    const d = new Deadlines<Item>(() => assert.fail("nothing should expire"));
    withSeed((rng) => {
      const live: Item[] = [];
      for (let i = 0; i < 10_000; i++) {
        const item = { name: String(i) };
        d.add(item, rng.int(1000, 60_000) + rng.next());
        live.push(item);
        if (live.length > 100 || rng.bool()) d.remove(live.splice(rng.int(0, live.length - 1), 1)[0]);
      }
      for (const item of live) d.remove(item);
    });
    assert.equal(d.size, 0);
    d.clear();
  });

  test("expires in deadline order, whatever the order of adding, and only what is due", async () => {
    const clock = new FakeClock();
    const expired: string[] = [];
    const d = new Deadlines<Item>((item) => expired.push(item.name), clock);
    const late = { name: "late" };
    d.add({ name: "c" }, 30);
    d.add({ name: "a" }, 10);
    d.add(late, 5000);
    d.add({ name: "b" }, 20);
    const removed = { name: "removed" };
    d.add(removed, 15);
    d.remove(removed);
    await clock.tick(9);
    assert.deepEqual(expired, []);
    await clock.tick(1);
    assert.deepEqual(expired, ["a"]);
    await clock.tick(20);
    assert.deepEqual(expired, ["a", "b", "c"]);
    assert.equal(d.size, 1);
    assert.ok(d.armed, "armed for the late one");
    d.remove(late);
    assert.ok(!d.armed, "nothing left: no timer");
    assert.equal(clock.pending, 0);
    d.clear();
  });
});
