/**
 * {@linkcode Transport} over Bun's native sockets (`Bun.connect`, `Bun.listen`). Bun's globals are declared
 * structurally below so that this file type-checks without `@types/bun`.
 *
 * Bun does not buffer: `socket.write()` takes what fits and returns the count, so the rest waits in this
 * adapter until the `drain` callback (oven-sh/bun#9682). Half-close is `shutdown()`; Bun's `end()` closes
 * the whole socket and loses unsent bytes.
 * @module
 */
import type { Conn, ConnectOptions, Endpoint, Listener, ListenOptions, Transport } from "./transport.ts";
import { TransportError } from "./transport.ts";
import { ReceiveGate } from "./receive-gate.ts";
import { SendState } from "./send-state.ts";

interface BunSocket {
  data: BunConn | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  write(data: Uint8Array): number;
  shutdown(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay?(on: boolean): boolean;
}
interface BunHandler {
  open(s: BunSocket): void;
  handshake(s: BunSocket, ok: boolean, authorizationError: Error | null): void;
  data(s: BunSocket, d: Uint8Array): void;
  drain(s: BunSocket): void;
  end(s: BunSocket): void;
  close(s: BunSocket, error?: Error): void;
  error(s: BunSocket, error: Error): void;
}
interface BunTls {
  cert?: string | undefined;
  key?: string | undefined;
  ca?: string | undefined;
  serverName?: string | undefined;
  rejectUnauthorized: boolean;
  requestCert?: boolean;
}
interface BunOptions {
  hostname: string;
  port: number;
  allowHalfOpen: true;
  tls?: BunTls | undefined;
  socket: BunHandler;
}
interface BunApi {
  connect(o: BunOptions): Promise<BunSocket>;
  listen(o: BunOptions): {
    readonly hostname: string;
    readonly port: number;
    stop(closeActive?: boolean): void;
  };
}
const bun = (): BunApi => (globalThis as unknown as { Bun: BunApi }).Bun;

const HIGH_WATER_MARK = 64 * 1024;
const USE = "use the connection to";

class BunConn implements Conn {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly closed: Promise<TransportError | undefined>;
  #s: BunSocket;
  // Holds what Bun delivers before onData() (a TLS socket is paused only after its handshake) or after pause().
  #gate = new ReceiveGate(this);
  readonly #send: SendState; // bytes Bun's write() did not take yet, the FIN, the end

  constructor(s: BunSocket) {
    this.#s = s;
    // Bun leaves these undefined on a socket reset right after accept (it killed the server once).
    this.local = { hostname: s.localAddress ?? "", port: s.localPort ?? 0 };
    this.remote = { hostname: s.remoteAddress ?? "", port: s.remotePort ?? 0 };
    this.#send = new SendState(this.remote);
    this.closed = this.#send.closed;
  }

  onData(data: (chunk: Uint8Array) => void, end?: () => void): void {
    // Delivers what arrived before, then reads; a caller that paused before stays paused.
    if (this.#gate.install(data, end) && !this.#send.done) this.#s.resume();
  }

  pause(): void {
    this.#gate.pause();
    if (!this.#send.done) this.#s.pause();
  }

  resume(): void {
    if (this.#gate.resume() && !this.#send.done) this.#s.resume();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#send.finRequested || this.#send.done) throw this.#send.closedError();
    if (this.#send.queue.length === 0) {
      const n = this.#s.write(chunk);
      if (n < 0) throw this.#send.closedError(); // the close callback follows
      if (n < chunk.length) this.#send.enqueue(chunk.subarray(n));
    } else this.#send.enqueue(chunk);
    return this.#send.queued < HIGH_WATER_MARK;
  }

  get bufferedAmount(): number {
    return this.#send.queued;
  }

  waitForDrain(): Promise<void> {
    return this.#send.waitForDrain();
  }

  closeWrite(): Promise<void> {
    if (!this.#send.finRequested && !this.#send.done) {
      this.#send.finRequested = true;
      if (this.#send.queue.length === 0) this.#shutdown();
    }
    return this.#send.finished;
  }

  async close(): Promise<void> {
    this.#gate.discard();
    void this.closeWrite();
    if (!this.#send.done) this.#s.resume(); // drain input until the peer's FIN
    await this.closed;
  }

  abort(reason?: unknown): void {
    if (this.#send.done) return;
    this.#send.error ??= TransportError.create("ABORTED", USE, this.remote, reason);
    this.#release();
    this.#s.terminate();
  }

  setNoDelay(on: boolean): void {
    this.#s.setNoDelay?.(on);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // --- called by the socket handler ---

  _data(d: Uint8Array): void {
    if (this.#send.done) return;
    // Bun hands out a fresh Buffer per callback (not reused), so a view is enough.
    this.#gate.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }

  _drain(): void {
    while (this.#send.queue.length > 0) {
      const head = this.#send.queue[0]!;
      const n = this.#s.write(head);
      if (n < 0) return;
      this.#send.queued -= n;
      if (n < head.length) {
        this.#send.queue[0] = head.subarray(n);
        return;
      }
      this.#send.queue.shift();
    }
    this.#send.drained();
    if (this.#send.finRequested) this.#shutdown();
  }

  _end(): void {
    this.#gate.end();
  }

  _close(error?: Error): void {
    if (this.#send.done) return;
    if (error !== undefined) this.#send.error ??= TransportError.from(error, USE, this.remote);
    // With our side already shut down Bun reports the peer's FIN as close without end.
    else this._end();
    this.#release();
  }

  _error(error: Error): void {
    this.#send.error ??= TransportError.from(error, USE, this.remote);
  }

  #shutdown(): void {
    this.#s.shutdown();
    this.#send.finSent();
  }

  #release(): void {
    if (!this.#send.end()) return;
    this.#gate.release(); // as on Node and Deno: nothing is delivered after the socket is gone
    this.#send.settle();
  }
}

/**
 * Routes Bun's per-listener callbacks to the connection stored in `socket.data`. `ready` runs once the
 * socket is usable (after the TLS handshake, when `handshake` is given); reading is paused there until
 * the connection's owner calls onData().
 */
function handler(
  ready: (s: BunSocket) => void,
  handshake?: (s: BunSocket, ok: boolean, err: Error | null) => boolean,
): BunHandler {
  const onReady = (s: BunSocket) => {
    s.pause(); // not before the handshake: it needs to read
    ready(s);
  };
  return {
    open(s) {
      // A callback that throws would crash the process (Bun reports it as uncaught): a socket reset
      // right after accept must only cost that socket.
      try {
        s.data = new BunConn(s);
        if (handshake === undefined) onReady(s);
      } catch (e) {
        if (s.data !== undefined) s.data.abort(e);
        else s.terminate();
      }
    },
    handshake(s, ok, err) {
      if (handshake?.(s, ok, err)) onReady(s);
    },
    data: (s, d) => s.data?._data(d),
    drain: (s) => s.data?._drain(),
    end: (s) => s.data?._end(),
    close: (s, e) => s.data?._close(e),
    error: (s, e) => s.data?._error(e),
  };
}

function abortError(signal: AbortSignal, addr: Endpoint): TransportError {
  const c = TransportError.classify(signal.reason) === "ETIMEDOUT" ? "ETIMEDOUT" : "ABORTED";
  return TransportError.from(signal.reason, "connect to", addr, c);
}

function connect(opts: ConnectOptions): Promise<Conn> {
  const addr: Endpoint = { hostname: opts.hostname, port: opts.port };
  const { signal, tls } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal, addr));
  return new Promise<Conn>((resolve, reject) => {
    let settled = false;
    const finish = (s: BunSocket | undefined, error?: TransportError) => {
      signal?.removeEventListener("abort", onAbort);
      if (settled) {
        if (s !== undefined) s.terminate(); // opened after the caller gave up
        return;
      }
      settled = true;
      if (error !== undefined || s === undefined) {
        s?.terminate();
        reject(error);
        return;
      }
      s.setNoDelay?.(opts.noDelay ?? true);
      resolve(s.data!);
    };
    const onAbort = () => {
      settled = true;
      reject(abortError(signal!, addr));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    // `ok` is false when verification failed and rejectUnauthorized is on (Bun then closes the socket).
    const onHandshake = tls === undefined ? undefined : (s: BunSocket, ok: boolean, err: Error | null) => {
      if (!ok) finish(s, TransportError.from(err ?? undefined, "connect to", addr, "TLS"));
      return ok;
    };
    // The tls object must never be empty: Bun treats `tls: {}` as plain TCP.
    const bunTls: BunTls | undefined = tls && {
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      serverName: tls.serverName,
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
    };
    bun()
      .connect({ ...addr, allowHalfOpen: true, tls: bunTls, socket: handler((s) => finish(s), onHandshake) })
      .catch((e: unknown) => {
        const c = TransportError.classify(e) ?? (tls ? "TLS" : undefined);
        finish(undefined, TransportError.from(e, "connect to", addr, c));
      });
  });
}

function listen(opts: ListenOptions): Promise<Listener> {
  const hostname = opts.hostname ?? "0.0.0.0";
  const { tls } = opts;
  const deliver = (s: BunSocket) => {
    const conn = s.data!;
    try {
      s.setNoDelay?.(true);
      opts.onConnection(conn);
    } catch (e) {
      conn.abort(e);
    }
  };
  const handshaking = new Set<BunSocket>(); // terminated with the listener, so a silent client cannot leak
  const onHandshake = tls === undefined ? undefined : (s: BunSocket, ok: boolean, err: Error | null) => {
    handshaking.delete(s);
    // Without requestClientCert, `err` only says the client sent no certificate.
    if (ok && (err === null || !tls.requestClientCert)) return true;
    s.data?.abort(err);
    return false;
  };
  const bunTls: BunTls | undefined = tls && {
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    requestCert: tls.requestClientCert ?? false,
    rejectUnauthorized: tls.requestClientCert ?? false,
  };
  let server: ReturnType<BunApi["listen"]>;
  try {
    const socket = handler(deliver, onHandshake);
    if (tls !== undefined) {
      const { open, close: closed } = socket;
      socket.open = (s) => {
        handshaking.add(s);
        open(s);
      };
      socket.close = (s, e) => {
        handshaking.delete(s);
        closed(s, e);
      };
    }
    server = bun().listen({ hostname, port: opts.port, allowHalfOpen: true, tls: bunTls, socket });
  } catch (e) {
    return Promise.reject(TransportError.from(e, "listen on", { hostname, port: opts.port }));
  }
  let stopped = false;
  const close = () => {
    if (!stopped) {
      stopped = true;
      server.stop(false); // stop accepting; accepted connections stay open
      for (const s of handshaking) s.terminate();
    }
    return Promise.resolve();
  };
  return Promise.resolve({
    addr: { hostname: server.hostname, port: server.port },
    close,
    [Symbol.asyncDispose]: close,
  });
}

/** The Bun-native transport. */
export const bunTransport: Transport = { runtime: "bun", connect, listen };
