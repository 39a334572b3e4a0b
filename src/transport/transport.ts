/**
 * The byte-stream interface `src/net` is written against. `src/transport/` implements it once per runtime
 * (node:net and node:tls, and the socket APIs of Deno and Bun); nothing above this file knows which.
 *
 * Reading is push-style: {@linkcode Conn.onData} hands each received chunk to one callback, and
 * {@linkcode Conn.pause}/{@linkcode Conn.resume} stop and restart delivery. Why not async iteration:
 * a frame decoder consumes chunks synchronously, so a callback lets it run straight from the runtime's
 * read event without a promise and an iterator result per chunk (that cost shows on small request/response
 * frames); pause/resume map one to one onto Node's and Bun's socket calls (Deno's pull loop simply stops
 * calling `read()`), and they keep working while a consumer awaits something else (e.g. a write draining),
 * which an iterator only achieves by not being pulled. An async iterator is easy to build on top if wanted.
 *
 * Writing is synchronous and never loses bytes: {@linkcode Conn.write} queues what the runtime did not
 * take (Bun's partial writes, Deno's async writes) and returns `false` once the queue is above the
 * adapter's high-water mark; {@linkcode Conn.waitForDrain} tells the producer when to continue.
 *
 * @module
 */
import type { TransportErrorCode } from "../core/error-codes.ts";
import { QueryableStateError } from "../core/errors.ts";
import { formatHostPort } from "./address.ts";

/** A host and port. `hostname` is an IP literal or a DNS name; IPv6 literals have no brackets. */
export interface Endpoint {
  /** An IP literal (`127.0.0.1`, `::1`, without brackets) or a DNS name. */
  readonly hostname: string;
  /** The TCP port, 0 to 65535 (0 only when asking a listener to pick one). */
  readonly port: number;
}

/** One bidirectional byte stream (TCP, or TLS over TCP). */
export interface Conn extends AsyncDisposable {
  /** This side's address. */
  readonly local: Endpoint;
  /** The peer's address. */
  readonly remote: Endpoint;

  /**
   * Installs the receiver and starts reading (nothing is read before; bytes that arrive earlier wait).
   * Call once. `data` gets every received chunk in order; the chunk belongs to the callee (it is never
   * reused). `end` is called once when the peer has finished sending (EOF); the write side stays open
   * until {@linkcode closeWrite} or {@linkcode close}. Without `end`, EOF closes the connection
   * gracefully (queued writes are flushed first). A callback that throws aborts the connection with
   * that error as the reason.
   */
  onData(data: (chunk: Uint8Array) => void, end?: () => void): void;
  /** Stops delivering chunks (and reading from the socket, so the peer's writes back up). Idempotent. */
  pause(): void;
  /** Restarts delivery after {@linkcode pause}; chunks held back meanwhile come first. Idempotent. */
  resume(): void;

  /**
   * Queues `chunk` for sending; the caller must not modify it afterwards. Returns `false` when the
   * bytes still queued inside the process reached the high-water mark: stop producing and await
   * {@linkcode waitForDrain}. Nothing is dropped either way.
   * @throws {TransportError} once the write side is closed (`CLOSED`) or the connection failed
   * (the failure's code, e.g. `ECONNRESET`).
   */
  write(chunk: Uint8Array): boolean;
  /** Bytes accepted by {@linkcode write} that the operating system has not taken yet. */
  readonly bufferedAmount: number;
  /**
   * Resolves once everything queued was handed to the operating system (`bufferedAmount` reached 0;
   * at once if it already is). Rejects with a {@linkcode TransportError} if the connection is or gets
   * released first (after {@linkcode abort}, a failure, or a completed close).
   */
  waitForDrain(): Promise<void>;

  /** Flushes queued writes, then sends FIN (half-close); reading continues until the peer's EOF. Never rejects. */
  closeWrite(): Promise<void>;
  /**
   * Graceful close: flushes queued writes, sends FIN, discards further input and resolves once the peer
   * has closed its side too and the socket is released. Idempotent, never rejects. A peer that never
   * closes keeps it pending: use {@linkcode abort} after a timeout of your choice.
   * `[Symbol.asyncDispose]` calls this.
   */
  close(): Promise<void>;
  /**
   * Immediate teardown: queued writes are dropped and the socket released (the peer sees EOF or a reset,
   * depending on the runtime). `closed` resolves with an `ABORTED` error carrying `reason` as its cause,
   * unless the connection had already failed or closed. Idempotent.
   */
  abort(reason?: unknown): void;
  /**
   * Settles exactly once, when the socket is released: `undefined` after a clean close of both
   * directions, otherwise the (first) {@linkcode TransportError}. Never rejects.
   */
  readonly closed: Promise<TransportError | undefined>;

  /** Disables (`true`) or enables Nagle's algorithm. Connections start with `noDelay = true`. */
  setNoDelay?(on: boolean): void;
}

/** A listening socket. Accepted connections go to {@linkcode ListenOptions.onConnection}. */
export interface Listener extends AsyncDisposable {
  /** The bound address; `port` is the real port when listening on port 0. */
  readonly addr: Endpoint;
  /** Stops accepting. Connections already accepted stay open (close them yourself). Idempotent. */
  close(): Promise<void>;
}

/** Client side TLS. Certificates and keys are PEM text. */
export interface ClientTlsOptions {
  /** CA certificate(s) to trust in addition to the runtime's defaults. */
  ca?: string | undefined;
  /** Name to verify the server certificate against (and send as SNI). @default the connect hostname */
  serverName?: string | undefined;
  /**
   * Verify the server certificate. Deno cannot turn verification off per connection and rejects `false`.
   * @default true
   */
  rejectUnauthorized?: boolean | undefined;
  /** Client certificate chain, for servers that require one (mutual TLS). */
  cert?: string | undefined;
  /** Private key of `cert`. */
  key?: string | undefined;
}

/** Server side TLS. Certificates and keys are PEM text. */
export interface ServerTlsOptions {
  /** Certificate chain presented to clients. */
  cert: string;
  /** Private key of `cert`. */
  key: string;
  /** CA certificate(s) client certificates must chain to (with `requestClientCert`). */
  ca?: string | undefined;
  /** Require and verify a client certificate (mutual TLS). Not supported by Deno's native listener. @default false */
  requestClientCert?: boolean | undefined;
}

/** Where and how {@link Transport.connect} connects. */
export interface ConnectOptions {
  /** The host to connect to: an IP literal (no brackets for IPv6) or a DNS name. */
  hostname: string;
  /** The TCP port to connect to. */
  port: number;
  /** Cancels connecting (including the TLS handshake); once connected it has no effect. */
  signal?: AbortSignal | undefined;
  /** Disable Nagle's algorithm, so small frames go out at once. @default true */
  noDelay?: boolean | undefined;
  /** Connect with TLS. */
  tls?: ClientTlsOptions | undefined;
}

/** Where and how {@link Transport.listen} listens, and who gets the accepted connections. */
export interface ListenOptions {
  /** The local address to bind (`"0.0.0.0"` or `"::"` for every interface). @default "0.0.0.0" */
  hostname?: string | undefined;
  /** `0` picks a free port; read it from {@linkcode Listener.addr}. */
  port: number;
  /** Accept TLS connections only; `onConnection` is called after a successful handshake. */
  tls?: ServerTlsOptions | undefined;
  /**
   * Called with each accepted connection (with `noDelay = true`). Install its receiver with
   * {@linkcode Conn.onData}. If it throws, the connection is aborted.
   */
  onConnection(conn: Conn): void;
}

/** Opens connections and listeners on one runtime. */
export interface Transport {
  /** `"node"`, `"deno"`, `"bun"` or a user-defined name. */
  readonly runtime: string;
  /**
   * Opens a connection (with the TLS handshake when `tls` is given); resolves once it is usable.
   * @throws {TransportError} e.g. `ECONNREFUSED`, `ENOTFOUND`, `TLS`, `ABORTED`.
   */
  connect(options: ConnectOptions): Promise<Conn>;
  /**
   * Binds and starts accepting; resolves once bound (read the port from {@linkcode Listener.addr}).
   * @throws {TransportError} e.g. `EADDRINUSE`, `EADDRNOTAVAIL`.
   */
  listen(options: ListenOptions): Promise<Listener>;
}

/** Failure kinds, the same on every runtime (declared with the other codes in `src/core/error-codes.ts`). */
export type { TransportErrorCode };

/** What happened, and what to do about it, per code. */
const EXPLAIN: Record<TransportErrorCode, readonly [string, string]> = {
  ECONNREFUSED: ["connection refused", "Check that the server is running and that host and port are right"],
  ECONNRESET: ["connection reset by the peer", "The peer failed or dropped the connection; reconnect and retry"],
  EPIPE: ["the peer closed the connection while we were writing", "Reconnect and retry"],
  ETIMEDOUT: ["timed out", "Check that the host is reachable (routing, firewall) or allow more time"],
  EADDRINUSE: [
    "address already in use",
    "Choose another port, use port 0 to get a free one, or stop the process that holds it",
  ],
  EADDRNOTAVAIL: [
    "address not available on this machine",
    "Use the address of a local interface, such as 127.0.0.1 or 0.0.0.0",
  ],
  ENOTFOUND: ["host name not found", "Check the spelling of the host name or use an IP address"],
  ABORTED: ["aborted", "An AbortSignal fired or abort() was called; retry if that was not intended"],
  CLOSED: ["the connection is closed", "Open a new connection"],
  TLS: [
    "TLS failed",
    "Check that the client trusts the server's CA (tls.ca), that the server name matches the certificate, " +
    "and that both sides use TLS",
  ],
  PERMISSION_DENIED: [
    "the runtime denied network access",
    "On Deno run with --allow-net (or -A); the runtime's message above names the address",
  ],
  UNKNOWN: ["unexpected error", "See the cause for details"],
};

const PASS_THROUGH = new Set<string>([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EADDRINUSE",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
]);
/** OpenSSL verification codes and Node/Bun TLS error codes. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|UNABLE_TO_|SELF_SIGNED_|DEPTH_ZERO_|CERT_|HOSTNAME_MISMATCH|EPROTO$)/;

/**
 * A socket-level failure, with a `code` that is the same on Node, Deno and Bun. The runtime's own
 * error is the `cause`.
 *
 * @example
 * ```ts
 * import { defaultTransport, TransportError } from "queryable-state";
 *
 * const transport = await defaultTransport();
 * try {
 *   const conn = await transport.connect({ hostname: "127.0.0.1", port: 1 });
 *   conn.abort();
 * } catch (e) {
 *   if (!(e instanceof TransportError)) throw e;
 *   console.log(e.code); // "ECONNREFUSED" when nothing listens on port 1
 * }
 * ```
 */
export class TransportError extends QueryableStateError {
  /** What failed, the same on every runtime (see {@link TransportErrorCode}). */
  declare readonly code: TransportErrorCode;
  /** The address the failed operation was about (the peer for connections), when known. */
  readonly address: Endpoint | undefined;

  /**
   * Adapters usually call {@link TransportError.from} instead, which picks the code and writes the message.
   * @param options `cause`: the runtime's error; `address`: what the operation was about
   */
  constructor(
    code: TransportErrorCode,
    message: string,
    options?: { cause?: unknown; address?: Endpoint | undefined },
  ) {
    super(code, message, options);
    this.address = options?.address;
  }

  /**
   * Wraps a runtime error (or returns it unchanged if it is already a TransportError).
   * @param op what was being done, completing "Cannot …", e.g. `"connect to"`, `"listen on"`.
   * @param code the code to use; by default derived from the error's `code`/`name`.
   */
  static from(cause: unknown, op: string, address: Endpoint | undefined, code?: TransportErrorCode): TransportError {
    if (cause instanceof TransportError && code === undefined) return cause;
    const c = code ?? TransportError.classify(cause) ?? "UNKNOWN";
    return TransportError.create(c, op, address, cause);
  }

  /** Builds an error with the standard message for `code`. */
  static create(code: TransportErrorCode, op: string, address: Endpoint | undefined, cause?: unknown): TransportError {
    const [what, todo] = EXPLAIN[code];
    const detail = code === "TLS" || code === "UNKNOWN" || code === "ABORTED" || code === "PERMISSION_DENIED"
      ? cause instanceof Error ? cause.message : cause === undefined ? "" : String(cause)
      : "";
    const where = address === undefined ? "" : ` ${formatHostPort(address)}`;
    return new TransportError(code, `Cannot ${op}${where}: ${what}${detail ? ` (${detail})` : ""}. ${todo}.`, {
      cause,
      address,
    });
  }

  /** The normalised code of a runtime error, if it is recognisable without knowing the runtime. */
  static classify(cause: unknown): TransportErrorCode | undefined {
    if (typeof cause !== "object" || cause === null) return undefined;
    const e = cause as { code?: unknown; name?: unknown; errors?: unknown };
    let raw = e.code;
    // Node's happy-eyeballs connect reports an AggregateError whose members carry the codes.
    if (raw === undefined && Array.isArray(e.errors) && e.errors.length > 0) {
      raw = (e.errors[0] as { code?: unknown } | undefined)?.code;
    }
    if (typeof raw === "string") {
      if (PASS_THROUGH.has(raw)) return raw as TransportErrorCode;
      if (raw === "EAI_AGAIN" || raw === "EAI_NONAME" || raw === "EAI_NODATA") return "ENOTFOUND";
      if (raw === "ABORT_ERR") return "ABORTED";
      if (TLS_CODE.test(raw)) return "TLS";
    }
    // Deno without --allow-net: Deno.errors.NotCapable (Deno 2) or PermissionDenied (Deno 1).
    if (e.name === "NotCapable" || e.name === "PermissionDenied") return "PERMISSION_DENIED";
    if (e.name === "TimeoutError") return "ETIMEDOUT";
    if (e.name === "AbortError") return "ABORTED";
    return undefined;
  }

  /**
   * `host:port`, with brackets around IPv6 literals.
   * @deprecated Use {@link formatHostPort}, the free function this calls.
   */
  static formatEndpoint(e: Endpoint): string {
    return formatHostPort(e);
  }
}
