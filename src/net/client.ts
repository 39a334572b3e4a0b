/**
 * The generic request/response client (Flink's network Client): one connection per remote
 * address, reused; requests made while connecting wait and go out once it is up; unique
 * request ids per connection; per-request timeouts and AbortSignals; a failed connection
 * fails exactly the requests that were on it, and the next request reconnects. A request written
 * to an open connection that the server then closed before any byte of an answer came (a server
 * closing it as idle just then) is sent once more on a new connection, within its deadline.
 */
import { positiveNumber } from "../core/checks.ts";
import { DEFAULT_MAX_FRAME_LENGTH } from "../protocol/message-type.ts";
import type { Clock } from "../core/clock.ts";
import { type DiagnosticsHook, emitDiagnostic } from "./diagnostics.ts";
import type { MessageBody } from "../protocol/messages.ts";
import { defaultTransport } from "../transport/detect.ts";
import { formatHostPort } from "../transport/address.ts";
import { AbortWatch } from "./abort-watch.ts";
import { ClientConnection, type ClientConnectionOwner, Pending } from "./client-connection.ts";
import { Deadlines } from "./deadlines.ts";
import { ClientClosedError, ConnectError, RequestAbortedError, RequestTimeoutError } from "./errors.ts";
import { type RequestStats, StatsCounter } from "./stats.ts";
import type { ClientTlsOptions, Endpoint, Transport } from "../transport/transport.ts";

/** Options of a {@link Client}. */
export interface ClientOptions {
  /** Transport to use. @default the current runtime's */
  transport?: Transport;
  /** Connect with TLS. */
  tls?: ClientTlsOptions;
  /** Largest accepted response frame. @default 64 MiB */
  maxFrameLength?: number;
  /** Give up connecting after this long. @default 10000 */
  connectTimeoutMs?: number;
  /** The version magic of every frame (see ServerOptions.protocolVersion). @default PROTOCOL_VERSION */
  protocolVersion?: number;
  /** Default per-request timeout; undefined or Infinity waits as long as the connection lives. */
  requestTimeoutMs?: number;
  /** Told about connects, failed connects and disconnects. */
  diagnostics?: DiagnosticsHook;
  /** Advanced: the time source of request timeouts (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
}

/** Per-call options. */
export interface RequestOptions {
  /** Aborting it fails the request with RequestAbortedError (`REQUEST_ABORTED`) and drops its late answer. */
  signal?: AbortSignal;
  /** Overrides the client's default timeout for this request. */
  timeoutMs?: number;
}

/**
 * Sends requests of one kind and decodes their responses.
 *
 * @example
 * ```ts
 * import { KvStateRegistry, KvStateServer } from "queryable-state";
 * import { Client, KvStateInternalRequest, KvStateResponse } from "queryable-state/protocol";
 *
 * // A state server whose one state answers with the key bytes it was asked for.
 * const registry = new KvStateRegistry();
 * const id = registry.register({ getSerializedValue: (keyAndNamespace) => keyAndNamespace.slice() });
 * await using server = new KvStateServer({ registry });
 * const address = await server.start();
 *
 * // Internal requests, as a proxy sends them to state servers.
 * await using client = new Client("Queryable State Proxy Client", KvStateResponse.decode);
 * const res = await client.sendRequest(address, new KvStateInternalRequest(id, new Uint8Array([1, 2, 3])), { timeoutMs: 1000 });
 * console.log(res.content); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export class Client<Req extends MessageBody, Res> implements AsyncDisposable {
  /** The client's name, as it appears in errors and diagnostics ("Queryable State Client", ...). */
  readonly name: string;
  readonly #counters = new StatsCounter();
  readonly #options: ClientOptions;
  readonly #connections = new Map<string, ClientConnection<Res>>();
  readonly #deadlines: Deadlines<Pending<Res>>;
  readonly #aborts = new AbortWatch<Pending<Res>>((p, reason) => {
    p.connection.forget(p);
    this.#settle(p, undefined, new RequestAbortedError(`Request to ${p.connection.label}`, reason));
  });
  #transport: Transport | Promise<Transport> | undefined;
  readonly #everConnected = new Set<string>();
  #closed = false;
  // The last address used and its connection: most clients talk to one address all the time.
  #lastAddress: Endpoint | undefined;
  #lastConnection: ClientConnection<Res> | undefined;
  /** What the connections may use of this client (they get this object, not the client). */
  readonly #owner: ClientConnectionOwner<Res>;

  /**
   * Creates a client; it connects lazily, on the first request to each address.
   *
   * @param name the client's name in errors and diagnostics
   * @param decodeResponse decodes a REQUEST_RESULT body; throwing fails that request (and only it)
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `connectTimeoutMs` or `requestTimeoutMs`
   *   is given and is not a positive number
   */
  constructor(name: string, decodeResponse: (body: Uint8Array) => Res, options: ClientOptions = {}) {
    this.name = name;
    this.#options = options;
    this.#transport = options.transport;
    this.#deadlines = new Deadlines<Pending<Res>>((p) => {
      p.connection.forget(p);
      this.#settle(p, undefined, new RequestTimeoutError(`Request to ${p.connection.label}`, p.timeoutMs!));
    }, options.clock);
    for (const k of ["connectTimeoutMs", "requestTimeoutMs"] as const) {
      const v = options[k];
      if (v !== undefined && !(k === "requestTimeoutMs" && v === Infinity)) positiveNumber(k, v, "milliseconds");
    }
    this.#owner = {
      counters: this.#counters,
      decodeResponse,
      settle: (p, result, error, now) => this.#settle(p, result, error, now),
      connectionGone: (c) => {
        const key = c.label;
        if (this.#connections.get(key) === c) this.#connections.delete(key);
      },
      diagnostic: (type, address, label, error) => this.#diagnostic(type, address, label, error),
      resend: (p) => {
        if (this.#closed) {
          this.#settle(p, undefined, new ClientClosedError(this.name));
          return;
        }
        const c = this.#connectionFor(p.connection.address);
        p.connection = c;
        p.id = -1;
        p.sentOnOpen = false;
        c.send(p);
      },
    };
  }

  #diagnostic(type: "connected" | "connect-failed" | "disconnected", address: Endpoint, label: string, error?: unknown): void {
    const hook = this.#options.diagnostics;
    if (hook === undefined) return;
    if (type === "connected") {
      const reconnect = this.#everConnected.has(label);
      this.#everConnected.add(label);
      emitDiagnostic(hook, { type, component: this.name, address, reconnect });
    } else emitDiagnostic(hook, { type, component: this.name, address, error });
  }

  /** Flink's KvStateRequestStats for this client. */
  stats(): RequestStats {
    return this.#counters.snapshot();
  }

  /** Connections currently open or being opened. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Sends `request` to `address` and resolves with the decoded response. */
  sendRequest(address: Endpoint, request: Req, options?: RequestOptions): Promise<Res> {
    if (this.#closed) return Promise.reject(new ClientClosedError(this.name));
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new RequestAbortedError(`Request to ${formatHostPort(address)}`, signal.reason));
    let timeoutMs = options?.timeoutMs ?? this.#options.requestTimeoutMs;
    // Infinity: no deadline (a timer of Infinity ms would fire at once).
    if (timeoutMs === Infinity) timeoutMs = undefined;
    if (timeoutMs !== undefined) {
      try {
        positiveNumber("timeoutMs", timeoutMs, "milliseconds");
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return new Promise<Res>((resolve, reject) => {
      const c = this.#connectionFor(address);
      const p = new Pending<Res>(request, resolve, reject, c);
      this.#counters.requests++;
      if (timeoutMs !== undefined) {
        p.timeoutMs = timeoutMs;
        this.#deadlines.add(p, timeoutMs);
      }
      if (signal) {
        p.signal = signal;
        this.#aborts.join(signal, p);
      }
      c.send(p);
    });
  }

  #connectionFor(address: Endpoint): ClientConnection<Res> {
    const last = this.#lastConnection;
    if (address === this.#lastAddress && last !== undefined && !last.closed) return last;
    const key = formatHostPort(address);
    let c = this.#connections.get(key);
    if (c === undefined) {
      c = new ClientConnection(this.#owner, { hostname: address.hostname, port: address.port }, this.#options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH, this.#options.protocolVersion);
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

  /** Completes a request exactly once; `now` is a success's end (read once per received chunk). */
  #settle(p: Pending<Res>, result: Res | undefined, error: unknown, now = performance.now()): void {
    if (p.done) return;
    p.done = true;
    if (p.heapIndex !== undefined) this.#deadlines.remove(p);
    if (p.signal !== undefined) this.#aborts.leave(p.signal, p);
    if (error === undefined) {
      this.#counters.reportSuccess(p.startedAt, now);
      p.resolve(result as Res);
    } else {
      this.#counters.failed++;
      p.reject(error);
    }
  }

  /** Fails pending requests with a client-closed error and closes every connection. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#lastConnection = undefined;
    const conns = [...this.#connections.values()];
    await Promise.all(conns.map((c) => c.close(new ClientClosedError(this.name))));
    this.#deadlines.clear();
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
