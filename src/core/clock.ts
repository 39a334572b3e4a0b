/**
 * The time source and timers behind every timing-dependent behaviour (request deadlines, retry
 * back-off, frame timeouts, heartbeats and their expiry, etcd health checks and lease renewals).
 * Components take an optional {@link Clock} and use {@link realClock} by default; tests hand in a
 * fake one that they advance by hand, so timeouts are exact and take no wall time.
 *
 * This file is the one place below `src/transport/` that touches the runtime's timers.
 */

/**
 * A pending timer of a {@link Clock}: opaque, only good for {@link Clock.clearTimeout} of the clock
 * that made it. (A clock of your own makes its handles with a cast, e.g. `id as unknown as TimerHandle`.)
 */
export interface TimerHandle {
  /** A type brand only: no handle has this property. */
  readonly __timerHandle: never;
}

/** Options of {@link Clock.setTimeout}. */
export interface TimerOptions {
  /** The timer alone does not keep the process alive (Node's and Bun's `unref()`, Deno's `unrefTimer`). */
  unref?: boolean;
}

/** Now and timers: the real ones ({@link realClock}), or a test's fake one. */
export interface Clock {
  /** Milliseconds on a monotonic scale (`performance.now()` for the real clock): only differences mean anything. */
  now(): number;
  /** Calls `fn` once, after `ms` milliseconds (0 when negative). */
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle;
  /** Cancels a timer; `undefined`, fired and cancelled timers are ignored. */
  clearTimeout(timer: TimerHandle | undefined): void;
}

type RuntimeTimer = ReturnType<typeof setTimeout>;

/** Lets the process exit while `timer` is pending (Node and Bun timers have unref(); Deno has Deno.unrefTimer). */
function unrefTimer(timer: RuntimeTimer): void {
  const t = timer as unknown as { unref?: () => void };
  if (typeof t?.unref === "function") t.unref();
  else if (typeof timer === "number") (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(timer);
}

/** The runtime's `performance.now()`, `setTimeout` and `clearTimeout`. */
export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout(fn: () => void, ms: number, options?: TimerOptions): TimerHandle {
    const timer = setTimeout(fn, Math.max(0, ms));
    if (options?.unref) unrefTimer(timer);
    return timer as unknown as TimerHandle;
  },
  clearTimeout(timer: TimerHandle | undefined): void {
    if (timer !== undefined) clearTimeout(timer as unknown as RuntimeTimer);
  },
});

/**
 * Calls `fn` every `ms` milliseconds (the next call is scheduled before `fn` runs, so a slow
 * asynchronous `fn` does not stretch the period) until the returned function is called.
 */
export function every(clock: Clock, ms: number, fn: () => void, options?: TimerOptions): () => void {
  let stopped = false;
  let timer: TimerHandle | undefined;
  const tick = () => {
    if (stopped) return;
    timer = clock.setTimeout(tick, ms, options);
    fn();
  };
  timer = clock.setTimeout(tick, ms, options);
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}

/** Resolves after `ms` milliseconds of `clock`; rejects with `signal.reason` as soon as `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
