/**
 * {@linkcode Transport} over Deno's native sockets (`Deno.connect`, `Deno.listen`, `Deno.startTls`,
 * `Deno.connectTls`, `Deno.listenTls`). Deno's globals are declared structurally below so that this file
 * type-checks without `@types/deno`.
 * @module
 */
import type {
  Conn,
  ConnectOptions,
  Endpoint,
  Listener,
  ListenOptions,
  Transport,
  TransportErrorCode,
} from "./transport.ts";
import { TransportError } from "./transport.ts";
import { formatHostPort } from "./address.ts";
import { ReceiveGate } from "./receive-gate.ts";
import { SendState } from "./send-state.ts";

interface DenoAddr {
  hostname: string;
  port: number;
}
interface DenoConn {
  readonly localAddr: DenoAddr;
  readonly remoteAddr: DenoAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(on?: boolean): void;
  handshake?(): Promise<unknown>;
}
interface DenoListener {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
interface DenoTlsKey {
  cert: string;
  key: string;
}
interface DenoApi {
  connect(o: { hostname: string; port: number; transport: "tcp"; signal?: AbortSignal | undefined }): Promise<DenoConn>;
  startTls(c: DenoConn, o: { hostname: string; caCerts?: string[] | undefined }): Promise<DenoConn>;
  connectTls(o: { hostname: string; port: number; caCerts?: string[] | undefined } & DenoTlsKey): Promise<DenoConn>;
  listen(o: { hostname: string; port: number; transport: "tcp" }): DenoListener;
  listenTls(o: { hostname: string; port: number; transport: "tcp" } & DenoTlsKey): DenoListener;
}
const deno = (): DenoApi => (globalThis as unknown as { Deno: DenoApi }).Deno;

/** Deno throws BadResource when closing twice; every caller here only wants the resource gone. */
function closeQuietly(c: { close(): void } | undefined): void {
  try {
    c?.close();
  } catch { /* already closed */ }
}

/** A socket's address, or an empty one if the runtime cannot tell any more (the peer reset it). */
function endpointOf(addr: () => DenoAddr | undefined): Endpoint {
  try {
    const a = addr();
    return { hostname: a?.hostname ?? "", port: a?.port ?? 0 };
  } catch {
    return { hostname: "", port: 0 };
  }
}

/**
 * Read buffer sizes. A read in flight holds its buffer, so an idle connection costs that much: a connection starts
 * with a small buffer, quadruples it while reads fill it, up to the largest (512 B, 2, 8, 32, 64 KiB: a 64 KiB value
 * takes as many reads as from 4 KiB by doubling), and drops back to the smallest after a read that used little of
 * a grown one.
 */
export const MIN_READ_BUFFER = 512;
export const MAX_READ_BUFFER = 64 * 1024;
const HIGH_WATER_MARK = 64 * 1024;

/** The read buffer size after a read of `n` bytes into a buffer of `size` (see {@link MIN_READ_BUFFER}). */
export function nextReadBufferSize(size: number, n: number): number {
  if (n >= size) return Math.min(size * 4, MAX_READ_BUFFER);
  if (size > MIN_READ_BUFFER && n <= size / 8) return MIN_READ_BUFFER;
  return size;
}
const USE = "use the connection to";

const BY_NAME: Record<string, TransportErrorCode> = {
  ConnectionRefused: "ECONNREFUSED",
  ConnectionReset: "ECONNRESET",
  ConnectionAborted: "ECONNRESET",
  BrokenPipe: "EPIPE",
  TimedOut: "ETIMEDOUT",
  AddrInUse: "EADDRINUSE",
  AddrNotAvailable: "EADDRNOTAVAIL",
  BadResource: "CLOSED",
  Interrupted: "CLOSED",
  NotConnected: "CLOSED",
};

function code(e: unknown, tlsOn = false): TransportErrorCode | undefined {
  const known = TransportError.classify(e) ?? BY_NAME[(e as { name?: string } | null)?.name ?? ""];
  if (known !== undefined) return known;
  if (/lookup address information|dns error/i.test(String((e as { message?: string } | null)?.message))) {
    return "ENOTFOUND";
  }
  return tlsOn ? "TLS" : undefined; // rustls reports InvalidData ("invalid peer certificate: UnknownIssuer")
}

/**
 * accept() failed because of the peer (reset or aborted before we took it), not because of us. Deno
 * reports a connection reset before accept() as NotConnected (ENOTCONN: it asks the socket for its peer).
 */
function peerGone(e: unknown): boolean {
  const x = e as { name?: unknown; code?: unknown; message?: unknown } | null;
  return /ConnectionReset|ConnectionAborted|NotConnected|ECONNRESET|ECONNABORTED|ENOTCONN|reset by peer|aborted/i
    .test(`${x?.name} ${x?.code} ${x?.message}`);
}

class DenoTcpConn implements Conn {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly closed: Promise<TransportError | undefined>;
  #conn: DenoConn;
  // Reading: one buffer reused for every read(), chunks are copied out with slice(0, n). It grows while
  // reads fill it and shrinks back after a small read (see nextReadBufferSize); dropped at release.
  #buf: Uint8Array | undefined = new Uint8Array(MIN_READ_BUFFER);
  #gate = new ReceiveGate(this);
  #reading = false;
  // Writing: Deno's write() is async and may be partial, so bytes wait in #send.
  readonly #send: SendState;
  #writing = false;
  #finSent = false;

  constructor(conn: DenoConn) {
    this.#conn = conn;
    this.local = endpointOf(() => conn.localAddr);
    this.remote = endpointOf(() => conn.remoteAddr);
    this.#send = new SendState(this.remote);
    this.closed = this.#send.closed;
  }

  onData(data: (chunk: Uint8Array) => void, end?: () => void): void {
    if (this.#gate.install(data, end)) void this.#readLoop();
  }

  pause(): void {
    this.#gate.pause(); // the read loop stops after the read in flight
  }

  resume(): void {
    if (this.#gate.resume()) void this.#readLoop();
  }

  async #readLoop(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      const gate = this.#gate;
      while (!this.#send.done && !gate.eof && (!gate.paused || gate.discarding)) {
        const buf = this.#buf ??= new Uint8Array(MIN_READ_BUFFER);
        const n = await this.#conn.read(buf);
        if (this.#send.done) return;
        // The gate holds a chunk whose read was in flight when pause() came; no copy when discarding.
        if (n === null) gate.end();
        else if (n > 0) {
          if (!gate.discarding) gate.push(buf.slice(0, n));
          const size = nextReadBufferSize(buf.length, n);
          if (size !== buf.length) this.#buf = new Uint8Array(size);
        }
      }
      if (gate.eof && this.#finSent) this.#release();
    } catch (e) {
      this.#release(TransportError.from(e, USE, this.remote, code(e)));
    } finally {
      this.#reading = false;
    }
  }

  write(chunk: Uint8Array): boolean {
    if (this.#send.finRequested || this.#send.done) throw this.#send.closedError();
    if (chunk.length > 0) {
      this.#send.enqueue(chunk);
      if (!this.#writing) void this.#flush();
    }
    return this.#send.queued < HIGH_WATER_MARK;
  }

  get bufferedAmount(): number {
    return this.#send.queued;
  }

  waitForDrain(): Promise<void> {
    return this.#send.waitForDrain();
  }

  async #flush(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#send.queue.length > 0) {
        const chunk = this.#takeBatch();
        for (let off = 0; off < chunk.length;) {
          off += await this.#conn.write(off === 0 ? chunk : chunk.subarray(off));
          if (this.#send.done) return;
        }
        this.#send.queued -= chunk.length;
      }
      this.#send.drained();
      if (this.#send.finRequested && !this.#finSent) {
        await this.#conn.closeWrite();
        this.#finSent = true;
        this.#send.finSent();
        if (this.#gate.eof) this.#release();
      }
    } catch (e) {
      this.#release(TransportError.from(e, USE, this.remote, code(e)));
    } finally {
      this.#writing = false;
    }
  }

  /** Coalesces small queued chunks into one write (up to 64 KiB): each write() is a round trip into Rust. */
  #takeBatch(): Uint8Array {
    const first = this.#send.queue.shift()!;
    if (first.length >= HIGH_WATER_MARK / 4 || this.#send.queue.length === 0) return first;
    let size = first.length;
    let count = 0;
    while (count < this.#send.queue.length && size + this.#send.queue[count]!.length <= HIGH_WATER_MARK) {
      size += this.#send.queue[count++]!.length;
    }
    if (count === 0) return first;
    const batch = new Uint8Array(size);
    batch.set(first, 0);
    let off = first.length;
    for (const c of this.#send.queue.splice(0, count)) {
      batch.set(c, off);
      off += c.length;
    }
    return batch;
  }

  closeWrite(): Promise<void> {
    if (!this.#send.finRequested && !this.#send.done) {
      this.#send.finRequested = true;
      if (!this.#writing) void this.#flush();
    }
    return this.#send.finished;
  }

  async close(): Promise<void> {
    this.#gate.discard();
    void this.closeWrite();
    void this.#readLoop(); // drain input until the peer's FIN, even if paused or never started
    await this.closed;
  }

  abort(reason?: unknown): void {
    this.#release(TransportError.create("ABORTED", USE, this.remote, reason));
  }

  setNoDelay(on: boolean): void {
    this.#conn.setNoDelay?.(on);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #release(error?: TransportError): void {
    if (!this.#send.end(error)) return;
    closeQuietly(this.#conn); // pending read()/write() reject with Interrupted; the loops ignore that
    this.#buf = undefined;
    this.#gate.release();
    this.#send.settle();
  }
}

function abortError(signal: AbortSignal, addr: Endpoint): TransportError {
  const c = TransportError.classify(signal.reason) === "ETIMEDOUT" ? "ETIMEDOUT" : "ABORTED";
  return TransportError.from(signal.reason, "connect to", addr, c);
}

async function connect(opts: ConnectOptions): Promise<Conn> {
  const addr: Endpoint = { hostname: opts.hostname, port: opts.port };
  const { signal, tls } = opts;
  if (signal?.aborted) throw abortError(signal, addr);
  if (tls?.rejectUnauthorized === false) {
    throw new TransportError(
      "TLS",
      `Cannot connect to ${formatHostPort(addr)}: Deno cannot skip certificate verification ` +
        "per connection. Pass the server's CA as tls.ca, or use the node transport.",
      { address: addr },
    );
  }
  if (tls?.cert !== undefined && tls.serverName !== undefined) {
    throw new TransportError(
      "TLS",
      `Cannot connect to ${formatHostPort(addr)}: Deno's native TLS cannot combine tls.serverName ` +
        "with a client certificate. Connect by that name, or use the node transport.",
      { address: addr },
    );
  }
  let conn: DenoConn | undefined;
  const onAbort = () => closeQuietly(conn); // interrupts a pending TLS handshake
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const caCerts = tls?.ca === undefined ? undefined : [tls.ca];
    if (tls?.cert !== undefined) {
      conn = await deno().connectTls({ ...addr, caCerts, cert: tls.cert, key: tls.key ?? "" });
    } else {
      conn = await deno().connect({ ...addr, transport: "tcp", signal });
      conn.setNoDelay?.(opts.noDelay ?? true);
      // startTls (not connectTls) so the name to verify may differ from the address dialled.
      if (tls) conn = await deno().startTls(conn, { hostname: tls.serverName ?? opts.hostname, caCerts });
    }
    if (signal?.aborted) throw signal.reason;
    // connectTls/startTls resolve before the handshake: finish it here so TLS failures surface now.
    if (tls) await conn.handshake?.();
    if (signal?.aborted) throw signal.reason;
  } catch (e) {
    closeQuietly(conn);
    if (signal?.aborted) throw abortError(signal, addr);
    throw TransportError.from(e, "connect to", addr, code(e, tls !== undefined));
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return new DenoTcpConn(conn);
}

// deno-lint-ignore require-await -- async so that every failure rejects instead of throwing
async function listen(opts: ListenOptions): Promise<Listener> {
  const hostname = opts.hostname ?? "0.0.0.0";
  const { tls } = opts;
  const at: Endpoint = { hostname, port: opts.port };
  if (tls?.requestClientCert) {
    throw new TransportError(
      "TLS",
      `Cannot listen on ${formatHostPort(at)}: Deno's native TLS listener cannot verify client ` +
        "certificates. Use the node transport for mutual TLS.",
      { address: at },
    );
  }
  let listener: DenoListener;
  try {
    listener = tls
      ? deno().listenTls({ hostname, port: opts.port, transport: "tcp", cert: tls.cert, key: tls.key })
      : deno().listen({ hostname, port: opts.port, transport: "tcp" });
  } catch (e) {
    throw TransportError.from(e, "listen on", at, code(e));
  }
  let closing = false;
  const handshaking = new Set<DenoConn>(); // closed with the listener, so a silent client cannot leak
  const accepted = async (c: DenoConn) => {
    try {
      if (tls) {
        handshaking.add(c);
        await c.handshake?.();
        handshaking.delete(c);
      } else c.setNoDelay?.(true);
    } catch {
      handshaking.delete(c);
      closeQuietly(c); // failed handshake: the client gets the error, the listener goes on
      return;
    }
    const conn = new DenoTcpConn(c);
    try {
      opts.onConnection(conn);
    } catch (e) {
      conn.abort(e);
    }
  };
  const acceptLoop = (async () => {
    while (!closing) {
      let c: DenoConn;
      try {
        c = await listener.accept();
      } catch (e) {
        if (closing) return;
        // A peer that reset before we took its connection only costs that connection: accept the next
        // one at once (backing off here let an RST flood stop the listener for tens of seconds).
        if (peerGone(e)) continue;
        await new Promise((r) => setTimeout(r, 50)); // e.g. out of file descriptors: back off, retry
        continue;
      }
      void accepted(c);
    }
  })();
  const close = () => {
    if (!closing) {
      closing = true;
      closeQuietly(listener);
      for (const c of handshaking) closeQuietly(c);
    }
    // The socket is released only once the pending accept() has been cancelled; until then new
    // connections would still be queued (and then reset) instead of refused.
    return acceptLoop;
  };
  const addr = { hostname: listener.addr.hostname, port: listener.addr.port };
  return { addr, close, [Symbol.asyncDispose]: close };
}

/** The Deno-native transport. */
export const denoTransport: Transport = { runtime: "deno", connect, listen };
