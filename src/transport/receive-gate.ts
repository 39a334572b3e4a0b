/**
 * The receive side of {@linkcode Conn} that every adapter shares, so that an adapter only translates its
 * runtime's socket API (start/stop reading, hand over chunks and EOF) and the delivery rules live once.
 * @module
 */
import { InvalidArgumentError } from "../core/errors.ts";
import type { Conn } from "./transport.ts";

/**
 * Delivers received chunks and the peer's EOF to the callbacks of {@linkcode Conn.onData}, following its
 * contract: nothing reaches the receiver while paused (chunks are held and come first on resume), EOF
 * waits until delivery is running and nothing is held, EOF without an `end` callback closes the
 * connection, a callback that throws aborts it, and once closing, input is dropped.
 *
 * The adapter reports what its socket does ({@linkcode push}, {@linkcode end}) and starts or stops the
 * socket's reading itself: {@linkcode install} and {@linkcode resume} return whether reading should
 * (re)start now.
 */
export class ReceiveGate {
  #conn: Pick<Conn, "abort" | "close">;
  #receiver: ((chunk: Uint8Array) => void) | undefined;
  #onEnd: (() => void) | undefined;
  #paused = false;
  // Chunks the receiver may not have yet: arrived while paused (a runtime may still emit a chunk already
  // read, or a read was in flight), or before onData() where the runtime reads early (Bun).
  #held: Uint8Array[] = [];
  #eof = false;
  #endPending = false;
  #discard = false;

  /** `conn` is aborted when a callback throws, and closed on EOF without an `end` callback. */
  constructor(conn: Pick<Conn, "abort" | "close">) {
    this.#conn = conn;
  }

  /** Whether {@linkcode pause} is in effect. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Whether the connection is closing and input is dropped (after {@linkcode discard}). */
  get discarding(): boolean {
    return this.#discard;
  }

  /** Whether the peer's EOF was reported (delivered or not). */
  get eof(): boolean {
    return this.#eof;
  }

  /**
   * {@linkcode Conn.onData}: installs the callbacks and, unless paused, delivers what was held meanwhile.
   * @returns whether the adapter should start reading now (`false` while paused).
   */
  install(data: (chunk: Uint8Array) => void, end?: () => void): boolean {
    if (this.#receiver !== undefined) throw new InvalidArgumentError("Conn.onData may be called only once per connection: install one receiver and dispatch from it.");
    this.#receiver = data;
    this.#onEnd = end;
    return !this.#paused && this.#flush();
  }

  /** {@linkcode Conn.pause}; the adapter stops its socket's reading itself. */
  pause(): void {
    this.#paused = true;
  }

  /**
   * {@linkcode Conn.resume}: delivers the held chunks, then a pending EOF.
   * @returns whether the adapter should restart reading: `false` if nothing changed, if no receiver is
   * installed yet (reading without one would lose data on Node), or if a callback paused again.
   */
  resume(): boolean {
    if (!this.#paused || this.#receiver === undefined) {
      this.#paused = false;
      return false;
    }
    this.#paused = false;
    return this.#flush();
  }

  /** A chunk arrived (it now belongs to the receiver). */
  push(chunk: Uint8Array): void {
    if (this.#discard) return;
    // While held chunks wait, a new one must queue behind them to keep the order.
    if (this.#paused || this.#receiver === undefined || this.#held.length > 0) this.#held.push(chunk);
    else this.#deliver(chunk);
  }

  /** The peer's EOF arrived. Idempotent: Bun may report it twice (`end`, then `close` without an error). */
  end(): void {
    if (this.#eof) return;
    this.#eof = true;
    this.#deliverEnd();
  }

  /** {@linkcode Conn.close} began: drop held and further input, and let the adapter read on to the peer's FIN. */
  discard(): void {
    this.#discard = true;
    this.#held = [];
    this.#paused = false;
  }

  /** The socket was released: nothing held will be delivered any more. */
  release(): void {
    this.#held = [];
  }

  /** Delivers held chunks and a pending EOF; returns `false` if a callback paused meanwhile. */
  #flush(): boolean {
    while (this.#held.length > 0 && !this.#paused) this.#deliver(this.#held.shift()!);
    if (this.#paused) return false;
    if (this.#endPending) this.#deliverEnd();
    return true;
  }

  #deliver(chunk: Uint8Array): void {
    try {
      this.#receiver!(chunk);
    } catch (e) {
      this.#conn.abort(e);
    }
  }

  #deliverEnd(): void {
    if (this.#discard) return;
    if (this.#paused || this.#receiver === undefined || this.#held.length > 0) {
      this.#endPending = true;
      return;
    }
    this.#endPending = false;
    if (this.#onEnd === undefined) {
      void this.#conn.close();
      return;
    }
    try {
      this.#onEnd();
    } catch (e) {
      this.#conn.abort(e);
    }
  }
}
