import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { every, realClock, sleep } from "../../src/core/clock.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

describe("Clock", () => {
  test("the real clock runs and cancels timers", async () => {
    const start = realClock.now();
    const fired: string[] = [];
    const cancelled = realClock.setTimeout(() => fired.push("cancelled"), 0);
    realClock.clearTimeout(cancelled);
    realClock.clearTimeout(undefined);
    // An unref'd timer alone would not keep Deno's event loop alive: a plain sleep runs alongside.
    await Promise.all([new Promise<void>((resolve) => realClock.setTimeout(() => resolve(), 1, { unref: true })), sleep(realClock, 5)]);
    assert.deepEqual(fired, []);
    assert.ok(realClock.now() >= start);
  });

  test("a fake clock runs due timers in time order, ties in the order they were set, and nothing early", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 20);
    clock.setTimeout(() => fired.push("a"), 10);
    clock.setTimeout(() => fired.push("b2"), 20);
    const gone = clock.setTimeout(() => fired.push("cancelled"), 15);
    clock.clearTimeout(gone);
    const t0 = clock.now();
    await clock.tick(19);
    assert.deepEqual(fired, ["a"]);
    assert.equal(clock.now(), t0 + 19);
    assert.equal(clock.nextIn, 1);
    await clock.tick(1);
    assert.deepEqual(fired, ["a", "b", "b2"]);
    assert.equal(clock.pending, 0);
    assert.equal(await clock.next(), false);
  });

  test("a fake clock lets promise chains run between timers, and runs timers they set within the span", async () => {
    const clock = new FakeClock();
    const seen: number[] = [];
    const chain = async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 100);
        await Promise.resolve();
        seen.push(clock.now());
      }
    };
    const t0 = clock.now();
    const done = chain();
    await clock.tick(300);
    await done;
    assert.deepEqual(seen, [t0 + 100, t0 + 200, t0 + 300]);
  });

  test("every() repeats at its period until stopped; sleep() rejects when aborted", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const stop = every(clock, 10, () => calls++);
    await clock.tick(35);
    assert.equal(calls, 3);
    stop();
    await clock.tick(100);
    assert.equal(calls, 3);
    assert.equal(clock.pending, 0);
    const ac = new AbortController();
    const slept = sleep(clock, 1000, ac.signal);
    ac.abort(new Error("enough"));
    await assert.rejects(slept, /enough/);
    assert.equal(clock.pending, 0, "an aborted sleep leaves no timer");
    await assert.rejects(sleep(clock, 1, AbortSignal.abort(new Error("before"))), /before/);
  });
});
