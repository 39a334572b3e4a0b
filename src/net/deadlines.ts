/**
 * Request timeouts with one timer instead of one per request: live deadlines sit in a binary
 * min-heap (requests leave it when they finish), and a single timer is armed for the
 * earliest. Adding and removing cost O(log n) in the requests in flight, with no allocation
 * besides the heap slot.
 */
import { type Clock, realClock, type TimerHandle } from "../core/clock.ts";

export interface Expirable {
  /** When the item expires (set by {@link Deadlines.add}). */
  deadlineAt?: number;
  /** Position in the heap while queued (managed by {@link Deadlines}). */
  heapIndex?: number;
}

export class Deadlines<T extends Expirable> {
  readonly #onExpire: (item: T) => void;
  readonly #heap: T[] = [];
  readonly #clock: Clock;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  constructor(onExpire: (item: T) => void, clock: Clock = realClock) {
    this.#onExpire = onExpire;
    this.#clock = clock;
  }

  /** Items waiting to expire. */
  get size(): number {
    return this.#heap.length;
  }

  /** Expires `item` in `timeoutMs` unless {@link remove}d before. */
  add(item: T, timeoutMs: number): void {
    item.deadlineAt = this.#clock.now() + timeoutMs;
    item.heapIndex = this.#heap.length;
    this.#heap.push(item);
    this.#up(item.heapIndex);
    if (item.deadlineAt < this.#timerAt) this.#arm(item.deadlineAt);
  }

  /** Takes `item` out (it finished in time). */
  remove(item: T): void {
    const i = item.heapIndex;
    if (i === undefined) return;
    item.heapIndex = undefined;
    const last = this.#heap.pop()!;
    // Nothing left to expire: no timer may keep the process alive for a request that already ended.
    if (this.#heap.length === 0) this.#disarm();
    if (last === item) return;
    this.#heap[i] = last;
    last.heapIndex = i;
    this.#down(i);
    this.#up(last.heapIndex);
  }

  #up(i: number): void {
    const h = this.#heap;
    const item = h[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].deadlineAt! <= item.deadlineAt!) break;
      h[i] = h[parent];
      h[i].heapIndex = i;
      i = parent;
    }
    h[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    const item = h[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= h.length) break;
      if (child + 1 < h.length && h[child + 1].deadlineAt! < h[child].deadlineAt!) child++;
      if (h[child].deadlineAt! >= item.deadlineAt!) break;
      h[i] = h[child];
      h[i].heapIndex = i;
      i = child;
    }
    h[i] = item;
    item.heapIndex = i;
  }

  #arm(at: number): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    // The timer alone must not keep a process alive: requests in flight have their sockets for that.
    this.#timer = this.#clock.setTimeout(this.#fire, at - this.#clock.now(), { unref: true });
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    const h = this.#heap;
    while (h.length > 0 && h[0].deadlineAt! <= now) {
      const item = h[0];
      this.remove(item);
      this.#onExpire(item);
    }
    if (h.length > 0) this.#arm(h[0].deadlineAt!);
  };

  /** Whether a timer is armed (only while something waits to expire). */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  #disarm(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Forgets everything and stops the timer. */
  clear(): void {
    this.#disarm();
    for (const item of this.#heap) item.heapIndex = undefined;
    this.#heap.length = 0;
  }
}
