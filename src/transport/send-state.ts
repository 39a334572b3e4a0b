/**
 * The send side of a connection whose runtime does not buffer writes for us, and the connection's
 * end: Deno's `write()` is asynchronous and may be partial, Bun's takes what fits, so in both the
 * bytes not written yet wait here, with whoever waits for them to drain, the requested half-close,
 * and the `closed` promise. Each adapter keeps its own way of writing; this is what they share.
 * @module
 */
import type { Endpoint } from "./transport.ts";
import { TransportError } from "./transport.ts";

/** Queued bytes and a connection's end, for {@linkcode Conn} adapters (internal). */
export class SendState {
  /** Settles once when the connection is gone: with its error, or undefined after a clean close. */
  readonly closed: Promise<TransportError | undefined>;
  /** Resolves once our FIN went out, or the connection is gone. */
  readonly finished: Promise<void>;
  /** The first error the connection ended with (or will end with). */
  error: TransportError | undefined;
  /** True once the connection is gone: nothing more is written or delivered. */
  done = false;
  /** closeWrite() was called: the FIN goes out after what is queued. */
  finRequested = false;
  /** Bytes accepted but not written yet, in order. */
  queue: Uint8Array[] = [];
  /** Their total length. */
  queued = 0;
  readonly #remote: Endpoint;
  #settle!: (e: TransportError | undefined) => void;
  #finDone!: () => void;
  #drainWaiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(remote: Endpoint) {
    this.#remote = remote;
    this.closed = new Promise((resolve) => (this.#settle = resolve));
    this.finished = new Promise((resolve) => (this.#finDone = resolve));
  }

  enqueue(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
  }

  /** {@linkcode Conn.waitForDrain}: resolves when nothing is queued, rejects once the connection is gone. */
  waitForDrain(): Promise<void> {
    if (this.done) return Promise.reject(this.closedError());
    if (this.queued === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }

  /** Everything queued was written: wakes the drain waiters. */
  drained(): void {
    for (const w of this.#drainWaiters.splice(0)) w.resolve();
  }

  /** Our FIN went out. */
  finSent(): void {
    this.#finDone();
  }

  /** The error a write after the end (or after closeWrite()) throws. */
  closedError(): TransportError {
    return this.error ?? TransportError.create("CLOSED", "write to", this.#remote);
  }

  /**
   * Marks the connection gone, keeping the first error; false when it was gone already. The adapter
   * then releases its socket and calls {@link settle}.
   */
  end(error?: TransportError): boolean {
    if (this.done) return false;
    this.done = true;
    this.error ??= error;
    return true;
  }

  /** Drops what is queued, fails the drain waiters, and settles `finished` and `closed`. */
  settle(): void {
    this.queue = [];
    this.queued = 0;
    for (const w of this.#drainWaiters.splice(0)) w.reject(this.closedError());
    this.#finDone();
    this.#settle(this.error);
  }
}
