/**
 * One "abort" listener per AbortSignal, however many requests share it: Node warns
 * (MaxListenersExceededWarning) past 10 listeners on one signal, and per-request listeners cost
 * an allocation each. Requests join the signal's set and leave it when they settle.
 */
export class AbortWatch<T> {
  readonly #bySignal = new Map<AbortSignal, { items: Set<T>; listener: () => void }>();
  readonly #onAbort: (item: T, reason: unknown) => void;

  constructor(onAbort: (item: T, reason: unknown) => void) {
    this.#onAbort = onAbort;
  }

  /** `item` is aborted (via `onAbort`) when `signal` fires, unless it leaves first. */
  join(signal: AbortSignal, item: T): void {
    let entry = this.#bySignal.get(signal);
    if (entry === undefined) {
      const items = new Set<T>();
      const listener = () => {
        this.#bySignal.delete(signal);
        for (const i of items) this.#onAbort(i, signal.reason);
        items.clear();
      };
      entry = { items, listener };
      this.#bySignal.set(signal, entry);
      signal.addEventListener("abort", listener, { once: true });
    }
    entry.items.add(item);
  }

  /** `item` settled: it no longer listens; the last one out removes the signal's listener. */
  leave(signal: AbortSignal, item: T): void {
    const entry = this.#bySignal.get(signal);
    if (entry === undefined || !entry.items.delete(item) || entry.items.size > 0) return;
    this.#bySignal.delete(signal);
    signal.removeEventListener("abort", entry.listener);
  }
}
