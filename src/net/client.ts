/**
 * The generic request/response client (Flink's network Client): one connection per remote
 * address, reused; requests made while connecting wait and go out once it is up; unique
 * request ids per connection; per-request timeouts and AbortSignals; a failed connection
 * fails exactly the requests that were on it, and the next request reconnects.
 */
import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import { decodeFailureError } from "../protocol/failure-frames.ts";
import { FrameDecoder } from "../protocol/frame-decoder.ts";
import { MessageType } from "../protocol/message-type.ts";
import type { MessageBody } from "../protocol/messages.ts";
import { beginFrameWithId, endFrame, requestIdNumber } from "../protocol/frame.ts";
import { Deadlines } from "./deadlines.ts";
import { defaultTransport } from "../transport/detect.ts";
import {
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerFailureError,
} from "./errors.ts";
import { FrameSink } from "./frame-sink.ts";
import { type RequestStats, StatsCounter } from "./stats.ts";
import { type ClientTlsOptions, type Conn, type Endpoint, type Transport, TransportError } from "./transport.ts";

export interface ClientOptions {
  /** Transport to use. @default the current runtime's */
  transport?: Transport;
  /** Connect with TLS. */
  tls?: ClientTlsOptions;
  /** Largest accepted response frame. @default 64 MiB */
  maxFrameLength?: number;
  /** Give up connecting after this long. @default 10000 */
  connectTimeoutMs?: number;
  /** Default per-request timeout; undefined or Infinity waits as long as the connection lives. */
  requestTimeoutMs?: number;
}

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's default timeout for this request. */
  timeoutMs?: number;
}

interface Pending<Res> {
  readonly request: MessageBody;
  readonly resolve: (r: Res) => void;
  readonly reject: (e: unknown) => void;
  readonly startedAt: number;
  readonly connection: ClientConnection<Res>;
  /** Request id on the connection; -1 while queued. */
  id: number;
  done: boolean;
  timeoutMs?: number;
  deadlineAt?: number;
  heapIndex?: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class ClientConnection<Res> {
  readonly #client: Client<MessageBody, Res>;
  readonly address: Endpoint;
  readonly label: string;
  readonly #pending = new Map<number, Pending<Res>>();
  #queue: Pending<Res>[] = [];
  #conn: Conn | undefined;
  #sink: FrameSink | undefined;
  #decoder: FrameDecoder;
  #nextId = 0;
  #closed = false;

  constructor(client: Client<MessageBody, Res>, address: Endpoint, maxFrameLength: number) {
    this.#client = client;
    this.address = address;
    this.label = TransportError.formatEndpoint(address);
    this.#decoder = new FrameDecoder({ maxFrameLength });
  }

  /** True once the connection failed or closed (a new request needs a new connection). */
  get closed(): boolean {
    return this.#closed;
  }

  get pendingCount(): number {
    return this.#pending.size + this.#queue.length;
  }

  async connect(transport: Transport, tls: ClientTlsOptions | undefined, timeoutMs: number): Promise<void> {
    let conn: Conn;
    try {
      conn = await transport.connect({ ...this.address, tls, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      this.#fail(new ConnectError(this.label, e));
      return;
    }
    if (this.#closed) {
      conn.abort();
      return;
    }
    this.#conn = conn;
    this.#sink = new FrameSink(conn);
    this.#client.counters.activeConnections++;
    conn.onData((chunk) => this.#onData(chunk), () => this.#fail(new ConnectionClosedError(this.label)));
    conn.closed.then((err) => {
      this.#client.counters.activeConnections--;
      this.#fail(new ConnectionClosedError(this.label, err));
    });
    const queued = this.#queue;
    this.#queue = [];
    for (const p of queued) if (!p.done) this.#transmit(p);
  }

  send(p: Pending<Res>): void {
    if (this.#sink === undefined) this.#queue.push(p);
    else this.#transmit(p);
  }

  #transmit(p: Pending<Res>): void {
    const id = this.#nextId++;
    p.id = id;
    this.#pending.set(id, p);
    const w = this.#sink!.writer;
    const start = beginFrameWithId(w, MessageType.REQUEST, Math.floor(id / 0x1_0000_0000), id | 0);
    p.request.writeTo(w);
    endFrame(w, start);
    this.#sink!.commit();
  }

  /** Forgets a request that timed out or was aborted; its late answer will be dropped. */
  forget(p: Pending<Res>): void {
    if (p.id >= 0) this.#pending.delete(p.id);
    else this.#queue = this.#queue.filter((q) => q !== p);
  }

  #onData(chunk: Uint8Array): void {
    const d = this.#decoder;
    try {
      d.push(chunk);
      for (let f = d.next(); f !== undefined; f = d.next()) {
        if (f.type === MessageType.REQUEST_RESULT || f.type === MessageType.REQUEST_FAILURE) {
          const id = requestIdNumber(f);
          const p = this.#pending.get(id);
          if (p === undefined) continue; // abandoned (timeout/abort): drop, never hand to another
          this.#pending.delete(id);
          if (f.type === MessageType.REQUEST_RESULT) {
            let res: Res;
            try {
              res = this.#client.decodeResponse(f.body);
            } catch (e) {
              this.#client.settle(p, undefined, e);
              continue;
            }
            this.#client.settle(p, res, undefined);
          } else {
            let err: unknown;
            try {
              err = decodeFailureError(f.body);
            } catch (e) {
              err = e;
            }
            this.#client.settle(p, undefined, err);
          }
        } else if (f.type === MessageType.SERVER_FAILURE) {
          let cause: unknown;
          try {
            cause = decodeFailureError(f.body);
          } catch (e) {
            cause = e;
          }
          throw new ServerFailureError(this.label, cause);
        } else {
          throw new ServerFailureError(this.label, new Error("Unexpected response type 'REQUEST'"));
        }
      }
    } catch (e) {
      const err = e instanceof ServerFailureError ? e : new ServerFailureError(this.label, e);
      this.#fail(err);
    }
  }

  /** Fails every request on this connection and closes it. Idempotent. */
  #fail(error: QueryableStateError): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.connectionGone(this);
      this.#sink?.close();
      this.#conn?.abort(error);
    }
    const all = [...this.#queue, ...this.#pending.values()];
    this.#queue = [];
    this.#pending.clear();
    for (const p of all) this.#client.settle(p, undefined, error);
  }

  close(error: QueryableStateError): Promise<void> {
    const conn = this.#conn;
    this.#fail(error);
    return conn ? conn.closed.then(() => {}) : Promise.resolve();
  }
}

/**
 * Sends requests of one kind and decodes their responses.
 *
 * @example
 * ```ts
 * const client = new Client("Queryable State Client", KvStateResponse.decode);
 * const res = await client.sendRequest({ hostname: "127.0.0.1", port }, request, { timeoutMs: 1000 });
 * await client.close();
 * ```
 */
export class Client<Req extends MessageBody, Res> implements AsyncDisposable {
  readonly name: string;
  readonly decodeResponse: (body: Uint8Array) => Res;
  readonly counters = new StatsCounter();
  readonly #options: ClientOptions;
  readonly #connections = new Map<string, ClientConnection<Res>>();
  readonly #deadlines = new Deadlines<Pending<Res>>((p) => {
    p.connection.forget(p);
    this.settle(p, undefined, new RequestTimeoutError(`Request to ${p.connection.label}`, p.timeoutMs!));
  });
  #transport: Transport | Promise<Transport> | undefined;
  #closed = false;
  // The last address used and its connection: most clients talk to one address all the time.
  #lastAddress: Endpoint | undefined;
  #lastConnection: ClientConnection<Res> | undefined;

  constructor(name: string, decodeResponse: (body: Uint8Array) => Res, options: ClientOptions = {}) {
    this.name = name;
    this.decodeResponse = decodeResponse;
    this.#options = options;
    this.#transport = options.transport;
    for (const k of ["connectTimeoutMs", "requestTimeoutMs"] as const) {
      const v = options[k];
      if (v !== undefined && !(v > 0)) throw new InvalidArgumentError(`${k} must be a positive number of milliseconds, got ${v}.`);
    }
  }

  /** Flink's KvStateRequestStats for this client. */
  stats(): RequestStats {
    return this.counters.snapshot();
  }

  /** Connections currently open or being opened. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Sends `request` to `address` and resolves with the decoded response. */
  sendRequest(address: Endpoint, request: Req, options: RequestOptions = {}): Promise<Res> {
    if (this.#closed) return Promise.reject(new ClientClosedError(this.name));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(new RequestAbortedError(`Request to ${TransportError.formatEndpoint(address)}`, signal.reason));
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      return Promise.reject(new InvalidArgumentError(`timeoutMs must be a positive number, got ${timeoutMs}.`));
    }
    return new Promise<Res>((resolve, reject) => {
      const c = this.#connectionFor(address);
      const p: Pending<Res> = { request, resolve, reject, startedAt: performance.now(), connection: c, id: -1, done: false };
      this.counters.requests++;
      if (timeoutMs !== undefined && timeoutMs !== Infinity) {
        p.timeoutMs = timeoutMs;
        this.#deadlines.add(p, timeoutMs);
      }
      if (signal) {
        p.signal = signal;
        p.onAbort = () => {
          c.forget(p);
          this.settle(p, undefined, new RequestAbortedError(`Request to ${c.label}`, signal.reason));
        };
        signal.addEventListener("abort", p.onAbort, { once: true });
      }
      c.send(p);
    });
  }

  #connectionFor(address: Endpoint): ClientConnection<Res> {
    const last = this.#lastConnection;
    if (address === this.#lastAddress && last !== undefined && !last.closed) return last;
    const key = TransportError.formatEndpoint(address);
    let c = this.#connections.get(key);
    if (c === undefined) {
      c = new ClientConnection(this as unknown as Client<MessageBody, Res>, { hostname: address.hostname, port: address.port }, this.#options.maxFrameLength ?? 64 * 1024 * 1024);
      this.#connections.set(key, c);
      const conn = c;
      this.#transport ??= defaultTransport();
      Promise.resolve(this.#transport).then(
        (t) => conn.connect(t, this.#options.tls, this.#options.connectTimeoutMs ?? 10_000),
        (e) => conn.close(new ConnectError(conn.label, e)),
      );
    }
    this.#lastAddress = address;
    this.#lastConnection = c;
    return c;
  }

  /** @internal Completes a request exactly once. */
  settle(p: Pending<Res>, result: Res | undefined, error: unknown): void {
    if (p.done) return;
    p.done = true;
    if (p.heapIndex !== undefined) this.#deadlines.remove(p);
    if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
    if (error === undefined) {
      this.counters.reportSuccess(p.startedAt, performance.now());
      p.resolve(result as Res);
    } else {
      this.counters.failed++;
      p.reject(error);
    }
  }

  /** @internal */
  connectionGone(c: ClientConnection<Res>): void {
    const key = c.label;
    if (this.#connections.get(key) === c) this.#connections.delete(key);
  }

  /** Fails pending requests with a client-closed error and closes every connection. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#lastConnection = undefined;
    const conns = [...this.#connections.values()];
    await Promise.all(conns.map((c) => c.close(new ClientClosedError(this.name))));
    this.#deadlines.clear();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
