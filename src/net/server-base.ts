/**
 * The generic request/response server under both the KvState server and the proxy (Flink's
 * AbstractServerBase + AbstractServerHandler, without thread pools): binds a port or a port
 * range, decodes frames, runs many requests per connection concurrently, answers each by its
 * request id, applies backpressure and shuts down gracefully.
 */
import { positiveInteger, positiveNumber } from "../core/checks.ts";
import { DEFAULT_MAX_FRAME_LENGTH } from "../protocol/message-type.ts";
import { ByteWriter } from "../core/bytes.ts";
import { writeServerFailureFrame } from "../protocol/failure-frames.ts";
import { BadRequestError } from "../protocol/remote-errors.ts";
import { type DiagnosticsHook, emitDiagnostic } from "./diagnostics.ts";
import { type Clock, every, realClock, type TimerHandle } from "../core/clock.ts";
import { defaultTransport } from "../transport/detect.ts";
import { ServerStartError } from "./errors.ts";
import { parsePortRange } from "./port-range.ts";
import type { RequestHandler } from "./request-handler.ts";
import { ServerConnection, type ServerConnectionOwner } from "./server-connection.ts";
import { type RequestStats, StatsCounter } from "./stats.ts";
import { type Conn, type Endpoint, type Listener, type ServerTlsOptions, type Transport, TransportError } from "../transport/transport.ts";

export type { RequestContext, RequestHandler } from "./request-handler.ts";

/** Connections a server closed to protect itself. */
export interface ConnectionDiagnostics {
  /** Closed on accept because `maxConnections` were open. */
  readonly refusedConnections: number;
  /** Closed because a frame did not complete within `frameTimeoutMs`. */
  readonly timedOutConnections: number;
  /** Closed because they stayed idle for `idleTimeoutMs`. */
  readonly idleClosedConnections: number;
  /** Of `refusedConnections`, those refused because their address already had `maxConnectionsPerIp` open. */
  readonly refusedPerIpConnections: number;
}

/** Options of a {@link ServerBase}, and so of every server here (state server, proxy, coordinator). */
export interface ServerOptions {
  /** Told about unexpected internal errors ("server-error"); when given, nothing is printed. */
  diagnostics?: DiagnosticsHook;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /** Port, list or range ("9067-9070,9080": the first free one wins); 0 = ephemeral. @default 0 */
  port?: number | string | readonly number[];
  /** Transport to use. @default the current runtime's */
  transport?: Transport;
  /** Serve TLS instead of plaintext. */
  tls?: ServerTlsOptions;
  /** Largest accepted frame. @default 64 MiB */
  maxFrameLength?: number;
  /** Requests one connection may have in flight before the server stops reading from it. @default 1024 */
  maxInFlightPerConnection?: number;
  /**
   * The version magic of every frame. Our coordinator's message family uses its own, so it is
   * never accepted on a Flink port and vice versa. @default PROTOCOL_VERSION (Flink's)
   */
  protocolVersion?: number;
  /** How long close() waits for in-flight requests before cutting connections. @default 5000 */
  shutdownTimeoutMs?: number;
  /**
   * Connections served at once. One more is told why in a SERVER_FAILURE frame ("Too many connections"),
   * closed, and counted in {@link ServerBase.connectionStats}. @default 10000
   */
  maxConnections?: number;
  /**
   * Connections served at once from one IP address; one more is refused as over `maxConnections` is. Mind
   * clients behind one NAT, and loopback tests, before setting it. @default unlimited
   */
  maxConnectionsPerIp?: number;
  /**
   * A connection with no request in flight and nothing received for this long is closed gracefully (checked
   * by a periodic sweep, a quarter of this period at most a minute apart, not per frame). Our clients retry a
   * request that raced the close on a new connection. `0` or `Infinity` keeps idle connections open. @default 600000 (10 minutes)
   */
  idleTimeoutMs?: number;
  /**
   * A frame that began arriving must be complete within this long (and a connection that failed must
   * hang up within it), or the connection is closed: bounds slow and stalled senders. @default 30000
   */
  frameTimeoutMs?: number;
  /** Advanced: the time source of this server's timeouts and periodic work (tests hand in a fake one). @default the runtime's timers */
  clock?: Clock;
}

/**
 * A request/response server for one {@link RequestHandler}.
 *
 * @example
 * ```ts
 * import { KvStateResponse, ServerBase } from "queryable-state/protocol";
 *
 * // Answers every request with its own body.
 * const server = new ServerBase("Echo", { decode: (body) => body.slice(), handle: (_id, body) => new KvStateResponse(body) });
 * const { hostname, port } = await server.start();
 * console.log(`echo server on ${hostname}:${port}`);
 * await server.close();
 * ```
 */
export class ServerBase<Req> implements AsyncDisposable {
  /** The server's name, as it appears in its failure messages ("Queryable State Server", ...). */
  readonly name: string;
  readonly #counters = new StatsCounter();
  readonly #maxConnections: number;
  #refusedConnections = 0;
  #refusedPerIp = 0;
  #timedOutConnections = 0;
  #idleClosed = 0;
  readonly #maxPerIp: number;
  /** Open connections per remote address, when `maxConnectionsPerIp` is set. */
  readonly #perIp = new Map<string, number>();
  readonly #idleTimeoutMs: number;
  #stopSweep: (() => void) | undefined;
  /** The time source of its timeouts ({@link ServerOptions.clock}). */
  readonly #clock: Clock;
  readonly #options: ServerOptions;
  readonly #ports: number[];
  readonly #connections = new Set<ServerConnection<Req>>();
  /** What the connections may use of this server (they get this object, not the server). */
  readonly #owner: ServerConnectionOwner<Req>;
  #listener: Listener | undefined;
  #state: "new" | "starting" | "running" | "closing" | "closed" = "new";
  #closing: Promise<void> | undefined;
  #onError: ((e: unknown) => void) | undefined;

  /**
   * Creates a server that answers requests with `handler`; nothing is bound before {@link start}.
   *
   * @param name the server's name in failure messages and diagnostics
   * @param handler decodes and answers the requests
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `port` is not a valid port, list or range,
   *   `maxInFlightPerConnection`, `maxConnections` or `maxConnectionsPerIp` is not a positive integer,
   *   `frameTimeoutMs` is not a positive number, or `idleTimeoutMs` is negative or not a number
   */
  constructor(name: string, handler: RequestHandler<Req>, options: ServerOptions = {}) {
    this.name = name;
    this.#options = options;
    this.#ports = parsePortRange(options.port ?? 0);
    const maxInFlight = positiveInteger("maxInFlightPerConnection", options.maxInFlightPerConnection ?? 1024);
    this.#maxConnections = positiveInteger("maxConnections", options.maxConnections ?? 10_000);
    this.#maxPerIp = options.maxConnectionsPerIp === undefined || options.maxConnectionsPerIp === Infinity
      ? Infinity
      : positiveInteger("maxConnectionsPerIp", options.maxConnectionsPerIp);
    const idle = options.idleTimeoutMs ?? 600_000;
    this.#idleTimeoutMs = idle === 0 || idle === Infinity ? Infinity : positiveNumber("idleTimeoutMs", idle, "milliseconds (0 or Infinity: never)");
    this.#clock = options.clock ?? realClock;
    const frameTimeoutMs = positiveNumber("frameTimeoutMs", options.frameTimeoutMs ?? 30_000, "milliseconds");
    this.#owner = {
      name,
      handler,
      counters: this.#counters,
      maxInFlight,
      frameTimeoutMs,
      clock: this.#clock,
      frameTimedOut: () => {
        this.#timedOutConnections++;
      },
      reportError: (e) => this.#reportError(e),
      connectionClosed: (c) => {
        if (!this.#connections.delete(c)) return;
        this.#counters.activeConnections--;
        if (this.#maxPerIp !== Infinity) {
          const ip = c.conn.remote.hostname;
          const n = (this.#perIp.get(ip) ?? 1) - 1;
          if (n <= 0) this.#perIp.delete(ip);
          else this.#perIp.set(ip, n);
        }
      },
    };
  }

  /** Called with unexpected internal errors (a bug, not a bad request). @default console.error, unless `diagnostics` is set */
  set onError(fn: ((e: unknown) => void) | undefined) {
    this.#onError = fn;
  }

  /** The bound address, once started. */
  get address(): Endpoint | undefined {
    return this.#listener?.addr;
  }

  /** Connections this server closed to protect itself (beyond Flink's statistics). */
  connectionStats(): ConnectionDiagnostics {
    return {
      refusedConnections: this.#refusedConnections,
      timedOutConnections: this.#timedOutConnections,
      idleClosedConnections: this.#idleClosed,
      refusedPerIpConnections: this.#refusedPerIp,
    };
  }

  /** Flink's KvStateRequestStats: connections, requests, successes, failures, latency. */
  stats(): RequestStats {
    return this.#counters.snapshot();
  }

  /** Binds the first free port of the configured ones and starts serving. */
  async start(): Promise<Endpoint> {
    if (this.#state !== "new") throw new ServerStartError(`${this.name} was already started; create a new server instead.`);
    this.#state = "starting";
    const transport = this.#options.transport ?? await defaultTransport();
    const hostname = this.#options.host ?? "127.0.0.1";
    let lastError: unknown;
    for (const port of this.#ports) {
      try {
        this.#listener = await transport.listen({
          hostname,
          port,
          tls: this.#options.tls,
          onConnection: (conn) => this.#accept(conn),
        });
        this.#state = "running";
        if (this.#idleTimeoutMs !== Infinity) {
          const period = Math.max(1, Math.min(this.#idleTimeoutMs / 4, 60_000));
          this.#stopSweep = every(this.#clock, period, () => this.#sweepIdle(), { unref: true });
        }
        return this.#listener.addr;
      } catch (e) {
        lastError = e;
        if (!(e instanceof TransportError && e.code === "EADDRINUSE")) break;
      }
    }
    this.#state = "closed";
    if (lastError instanceof TransportError && lastError.code === "EADDRINUSE") {
      throw new ServerStartError(
        `Unable to start ${this.name}. All ports in provided range are occupied (${this.#options.port ?? 0} on ${hostname}).`,
        { cause: lastError },
      );
    }
    throw new ServerStartError(`Unable to start ${this.name} on ${hostname}: ${(lastError as Error)?.message}`, { cause: lastError });
  }

  #accept(conn: Conn): void {
    if (this.#state !== "running") {
      conn.abort();
      return;
    }
    if (this.#connections.size >= this.#maxConnections) {
      this.#refuse(conn, `Too many connections: ${this.#maxConnections} are open (maxConnections). ` +
        "Retry later, reuse one connection for many requests, or raise maxConnections on the server.");
      return;
    }
    if (this.#maxPerIp !== Infinity) {
      const ip = conn.remote.hostname;
      const n = this.#perIp.get(ip) ?? 0;
      if (n >= this.#maxPerIp) {
        this.#refusedPerIp++;
        this.#refuse(conn, `Too many connections from ${ip}: ${n} are open (maxConnectionsPerIp). ` +
          "Retry later, reuse one connection for many requests, or raise maxConnectionsPerIp on the server.");
        return;
      }
      this.#perIp.set(ip, n + 1);
    }
    const c = new ServerConnection(this.#owner, conn, this.#options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH, this.#options.protocolVersion);
    this.#connections.add(c);
    this.#counters.activeConnections++;
    c.start();
  }

  /** Refuses a connection: the peer gets the reason as a SERVER_FAILURE frame (its pending requests fail with it), then the close. */
  #refuse(conn: Conn, reason: string): void {
    this.#refusedConnections++;
    try {
      const w = new ByteWriter(256);
      writeServerFailureFrame(w, { className: BadRequestError.javaClassName, message: `${this.name} : ${reason}` }, this.#options.protocolVersion);
      conn.write(w.view());
      void conn.close().catch(() => {});
    } catch {
      conn.abort();
    }
  }

  /** Closes connections idle for `idleTimeoutMs`: compares each one's activity counter with the last sweep's. */
  #sweepIdle(): void {
    const now = this.#clock.now();
    for (const c of this.#connections) {
      if (c.activity !== c.seenActivity || c.inFlight > 0) {
        c.seenActivity = c.activity;
        c.idleSince = now;
      } else if (now - c.idleSince >= this.#idleTimeoutMs && c.closeIfIdle()) {
        this.#idleClosed++;
      }
    }
  }

  #reportError(e: unknown): void {
    const hook = this.#options.diagnostics;
    emitDiagnostic(hook, { type: "server-error", component: this.name, error: e });
    if (this.#onError) this.#onError(e);
    else if (hook === undefined) console.error(e);
  }

  /**
   * Stops accepting, lets in-flight requests finish (up to `timeoutMs`), sends their answers,
   * then closes every connection. Idempotent.
   */
  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#close(options.timeoutMs ?? this.#options.shutdownTimeoutMs ?? 5000);
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<void> {
    this.#state = "closing";
    this.#stopSweep?.();
    await this.#listener?.close();
    const conns = [...this.#connections];
    let timer: TimerHandle | undefined;
    const deadline = new Promise<void>((resolve) => (timer = this.#clock.setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.all(conns.map((c) => c.idle())), deadline]);
    // Graceful close waits for the peer's FIN; a client that never hangs up is cut at the deadline.
    await Promise.race([Promise.all(conns.map((c) => c.conn.close())), deadline]);
    this.#clock.clearTimeout(timer);
    for (const c of this.#connections) c.conn.abort(new Error(`${this.name} shut down`));
    await Promise.all(conns.map((c) => c.conn.closed));
    this.#state = "closed";
  }

  /** The same as {@link close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
