/**
 * {@linkcode Transport} over `node:net` / `node:tls`. Runs on Node and, as a fallback, on Deno and Bun.
 * @module
 */
import * as net from "node:net";
import * as tls from "node:tls";
import type { Conn, ConnectOptions, Endpoint, Listener, ListenOptions, Transport } from "./transport.ts";
import { TransportError } from "./transport.ts";
import { ReceiveGate } from "./receive-gate.ts";

const USE = "use the connection to";

class NodeConn implements Conn {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly closed: Promise<TransportError | undefined>;
  #sock: net.Socket;
  #settle!: (e: TransportError | undefined) => void;
  #error: TransportError | undefined;
  #done = false;
  // Holds chunks that arrive after pause(): Node may still emit from a running flow.
  #gate = new ReceiveGate(this);
  #writeClosed = false;
  #finished: Promise<void>;

  constructor(sock: net.Socket) {
    this.#sock = sock;
    this.local = { hostname: sock.localAddress ?? "", port: sock.localPort ?? 0 };
    this.remote = { hostname: sock.remoteAddress ?? "", port: sock.remotePort ?? 0 };
    this.closed = new Promise((resolve) => (this.#settle = resolve));
    this.#finished = new Promise((resolve) => {
      sock.once("finish", resolve);
      sock.once("close", resolve);
    });
    sock.on("error", (e) => (this.#error ??= TransportError.from(e, USE, this.remote)));
    sock.on("end", () => this.#gate.end());
    sock.on("close", () => {
      // A 'close' without 'end' or 'error' is a reset Node did not report (nodejs/node#45709).
      if (!this.#gate.eof && !this.#writeClosed) this.#error ??= TransportError.create("ECONNRESET", USE, this.remote);
      this.#release();
    });
  }

  onData(data: (chunk: Uint8Array) => void, end?: () => void): void {
    const start = this.#gate.install(data, end);
    // A plain view (no copy): the same chunk type as on Deno, and no Buffer API to lean on by accident.
    this.#sock.on("data", (b: Buffer) => this.#gate.push(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)));
    // A 'data' listener starts the flow only if pause() was never called; resume() before onData()
    // left the socket paused.
    if (start) this.#sock.resume();
  }

  pause(): void {
    this.#gate.pause();
    this.#sock.pause();
  }

  resume(): void {
    if (this.#gate.resume()) this.#sock.resume();
  }

  write(chunk: Uint8Array): boolean {
    if (this.#writeClosed || this.#done || this.#sock.destroyed) throw this.#closedError("write to");
    return this.#sock.write(chunk);
  }

  get bufferedAmount(): number {
    return this.#sock.writableLength;
  }

  waitForDrain(): Promise<void> {
    if (this.#done || this.#sock.destroyed) return Promise.reject(this.#closedError("write to"));
    if (!this.#sock.writableNeedDrain) return Promise.resolve();
    const sock = this.#sock;
    return new Promise((resolve, reject) => {
      const settle = (error?: TransportError) => {
        sock.off("drain", onDrain).off("finish", onDrain).off("close", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(this.#closedError("write to"));
      // After end(), Node emits 'finish' instead of 'drain' once the buffer is flushed.
      sock.once("drain", onDrain).once("finish", onDrain).once("close", onClose);
    });
  }

  closeWrite(): Promise<void> {
    if (!this.#writeClosed) {
      this.#writeClosed = true;
      if (!this.#sock.destroyed) this.#sock.end();
    }
    return this.#finished;
  }

  async close(): Promise<void> {
    this.#gate.discard();
    void this.closeWrite();
    this.#sock.resume(); // keep reading (and dropping) until the peer's FIN
    await this.closed;
  }

  abort(reason?: unknown): void {
    if (this.#done) return;
    this.#error ??= TransportError.create("ABORTED", USE, this.remote, reason);
    this.#sock.destroy();
    this.#release();
  }

  setNoDelay(on: boolean): void {
    this.#sock.setNoDelay(on);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#gate.release();
    this.#settle(this.#error);
  }

  #closedError(op: string): TransportError {
    return this.#error ?? TransportError.create("CLOSED", op, this.remote);
  }
}

function tlsCode(tlsOn: boolean, e: unknown) {
  // Unrecognised errors while setting up TLS (bad PEM, protocol mismatch…) are reported as TLS failures.
  return tlsOn && TransportError.classify(e) === undefined ? "TLS" : undefined;
}

async function connect(opts: ConnectOptions): Promise<Conn> {
  const addr: Endpoint = { hostname: opts.hostname, port: opts.port };
  const signal = opts.signal;
  if (signal?.aborted) throw TransportError.from(signal.reason, "connect to", addr, abortCode(signal.reason));
  const t = opts.tls;
  let sock: net.Socket;
  if (t) {
    // tls.connect passes allowHalfOpen on to its TLSSocket, though @types/node does not list it.
    const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
      host: opts.hostname,
      port: opts.port,
      allowHalfOpen: true,
      rejectUnauthorized: t.rejectUnauthorized ?? true,
    };
    if (t.ca !== undefined) options.ca = t.ca;
    if (t.cert !== undefined) options.cert = t.cert;
    if (t.key !== undefined) options.key = t.key;
    if (t.serverName !== undefined) options.servername = t.serverName;
    sock = tls.connect(options);
  } else {
    sock = net.connect({ host: opts.hostname, port: opts.port, allowHalfOpen: true });
  }
  return await new Promise<Conn>((resolve, reject) => {
    const cleanup = () => {
      sock.off("error", onError);
      sock.off(t ? "secureConnect" : "connect", onConnect);
      signal?.removeEventListener("abort", onAbort);
    };
    const onError = (e: Error) => {
      cleanup();
      sock.destroy();
      reject(TransportError.from(e, "connect to", addr, tlsCode(t !== undefined, e)));
    };
    const onAbort = () => {
      cleanup();
      sock.destroy();
      reject(TransportError.from(signal!.reason, "connect to", addr, abortCode(signal!.reason)));
    };
    const onConnect = () => {
      cleanup();
      sock.setNoDelay(opts.noDelay ?? true);
      resolve(new NodeConn(sock));
    };
    sock.once("error", onError);
    sock.once(t ? "secureConnect" : "connect", onConnect);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function abortCode(reason: unknown) {
  return TransportError.classify(reason) === "ETIMEDOUT" ? "ETIMEDOUT" : "ABORTED";
}

async function listen(opts: ListenOptions): Promise<Listener> {
  const hostname = opts.hostname ?? "0.0.0.0";
  const t = opts.tls;
  const accept = (sock: net.Socket) => {
    sock.setNoDelay(true);
    const conn = new NodeConn(sock);
    try {
      opts.onConnection(conn);
    } catch (e) {
      conn.abort(e);
    }
  };
  const server = t
    ? tls.createServer({
      allowHalfOpen: true,
      cert: t.cert,
      key: t.key,
      ca: t.ca,
      requestCert: t.requestClientCert ?? false,
      rejectUnauthorized: t.requestClientCert ?? false,
    }, accept)
    : net.createServer({ allowHalfOpen: true }, accept);
  // Failed handshakes are the client's problem; Node destroys the socket. The listener ignores them.
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(TransportError.from(e, "listen on", { hostname, port: opts.port })));
    server.listen({ host: hostname, port: opts.port }, () => resolve());
  });
  server.on("error", () => {}); // accept failures (e.g. EMFILE) must not crash the process
  const bound = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () =>
    closing ??= new Promise<void>((resolve) => {
      // server.close() releases the port now but calls back only after every connection ended.
      server.close();
      setTimeout(resolve, 0);
    });
  return { addr: { hostname: bound.address, port: bound.port }, close, [Symbol.asyncDispose]: close };
}

/** The `node:net` / `node:tls` transport. */
export const nodeTransport: Transport = { runtime: "node", connect, listen };
