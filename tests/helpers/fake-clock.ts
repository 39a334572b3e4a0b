/**
 * A {@link Clock} that only moves when a test moves it: `await clock.tick(ms)` advances time
 * and runs every timer that falls due, in time order (ties in the order they were set), letting
 * promise chains settle before each timer and after the last one. Timeouts, back-offs and
 * expiries then happen exactly when the test says, and take no wall time.
 */
import assert from "node:assert/strict";
import type { Clock, TimerHandle } from "../../src/core/clock.ts";
import { eventually } from "./eventually.ts";

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A macrotask of the real runtime: every microtask queued before it (and by them) has run. */
const realSetTimeout = globalThis.setTimeout;
function flush(): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, 0));
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, FakeTimer>();

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms || 0), fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(timer: TimerHandle | undefined): void {
    if (timer !== undefined) this.#timers.delete(timer as unknown as number);
  }

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the earliest pending timer is due, in milliseconds from now (undefined when none is). */
  get nextIn(): number | undefined {
    const next = this.#earliest();
    return next === undefined ? undefined : next.at - this.#now;
  }

  /** Advances `ms` milliseconds, running the timers that fall due (also those they set within the span). */
  async tick(ms: number): Promise<void> {
    const target = this.#now + ms;
    await flush();
    for (let next = this.#earliest(); next !== undefined && next.at <= target; next = this.#earliest()) {
      this.#timers.delete(next.id);
      this.#now = next.at;
      next.fn();
      await flush();
    }
    this.#now = target;
    await flush();
  }

  /** Advances to the earliest pending timer and runs it (and any due at the same time); false when none is pending. */
  async next(): Promise<boolean> {
    await flush();
    const next = this.#earliest();
    if (next === undefined) return false;
    await this.tick(next.at - this.#now);
    return true;
  }

  /**
   * Resolves once the earliest pending timer falls due `ms` from now: for code that arms its timer
   * after real I/O (a server that got a request, a listener that closed).
   */
  async armed(ms: number, what = `a ${ms} ms timer`): Promise<void> {
    await eventually(`${what} armed`, () => assert.equal(this.nextIn, ms));
  }

  #earliest(): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.#timers.values()) if (best === undefined || t.at < best.at) best = t;
    return best; // Map order is insertion order, so ties go to the timer set first
  }
}

/**
 * Advances `clock` to 1 ms before `ms` from now and checks that `p` has not settled, then to `ms`;
 * returns `p` (await it, or assert how it rejects). For "exactly at its timeout, not before".
 */
export async function settlesAt<T>(clock: FakeClock, ms: number, p: Promise<T>, what = "it"): Promise<T> {
  let settled = false;
  p.then(() => (settled = true), () => (settled = true));
  await clock.tick(ms - 1);
  assert.equal(settled, false, `${what} settled before ${ms} ms`);
  await clock.tick(1);
  return p;
}
