import { QueryableStateError } from "../core/errors.ts";

/** Could not open a connection to a server (refused, unreachable, TLS handshake failed). */
export class ConnectError extends QueryableStateError {
  /** The Java class Flink's client raises for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.net.ConnectException";
  /** The address connected to, as `host:port`. */
  readonly address: string;
  /**
   * Made by the client when connecting fails; the message reuses the transport's text when that
   * already names the address.
   *
   * @param address the address connected to, as `host:port`
   * @param cause why it failed (usually a {@link TransportError}); it becomes the `cause`
   */
  constructor(address: string, cause: unknown) {
    // A transport error already names the address and says what to do.
    const text = cause instanceof QueryableStateError && cause.message.includes(address)
      ? cause.message
      : `Could not connect to ${address}: ${cause instanceof Error ? cause.message : String(cause)}. Check that the server runs and listens there.`;
    super("CONNECT_FAILED", text, { cause });
    this.address = address;
  }
}

/** The connection closed (or failed) while the request was waiting for its answer. */
export class ConnectionClosedError extends QueryableStateError {
  /** The Java class Flink's client raises for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.nio.channels.ClosedChannelException";
  /** The address of the connection that closed, as `host:port`. */
  readonly address: string;
  /**
   * Made by the client for every request still waiting when its connection goes.
   *
   * @param address the connection's address, as `host:port`
   * @param cause the transport's reason, when it gave one (its message is appended)
   */
  constructor(address: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    super("CONNECTION_CLOSED", `Connection to ${address} closed before the answer arrived${why}. The request may be retried.`, { cause });
    this.address = address;
  }
}

/** The server reported a connection-level failure (SERVER_FAILURE); every request on that connection fails with it. */
export class ServerFailureError extends QueryableStateError {
  /** The server's address, as `host:port`. */
  readonly address: string;
  /**
   * Made by the client when a server fails the whole connection (or its framing is lost).
   *
   * @param address the server's address, as `host:port`
   * @param cause the failure the server sent (decoded from its SERVER_FAILURE frame), or the local
   *   reason the connection's framing was lost
   */
  constructor(address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("SERVER_FAILURE", `Server ${address} failed the connection: ${why}`, { cause });
    this.address = address;
  }
}

/** No answer within the request's timeout. */
export class RequestTimeoutError extends QueryableStateError {
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;
  /**
   * Made when a request's deadline passes; its late answer, if any, is dropped.
   *
   * @param what the request, completing "… got no answer", e.g. `"Request to 127.0.0.1:9069"`
   * @param timeoutMs the timeout that expired, in milliseconds
   */
  constructor(what: string, timeoutMs: number) {
    super("TIMEOUT", `${what} got no answer within ${Math.round(timeoutMs)} ms. Raise timeoutMs, or check the server's load and the network.`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. */
export class RequestAbortedError extends QueryableStateError {
  /**
   * Made when a request's `signal` aborts; the request is forgotten and its late answer dropped.
   *
   * @param what the request, completing "… was aborted", e.g. `"Request to 127.0.0.1:9069"`
   * @param reason the signal's `reason`; it becomes the `cause`
   */
  constructor(what: string, reason: unknown) {
    super("REQUEST_ABORTED", `${what} was aborted${reason instanceof Error ? `: ${reason.message}` : ""}.`, { cause: reason });
  }
}

/** The client was closed; it accepts no more requests. */
export class ClientClosedError extends QueryableStateError {
  /** The Java class Flink's client raises for this failure (what {@link QueryableStateError.javaClassName} returns). */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /**
   * Made for requests sent after (or pending at) `close()`.
   * @param name the client's name, e.g. "Queryable State Client"
   */
  constructor(name: string) {
    super("CLIENT_CLOSED", `${name} is already shut down. Create a new client to send more requests.`);
  }
}

/** A server could not bind any port of its configured range, or was started twice. */
export class ServerStartError extends QueryableStateError {
  /**
   * Made by `start()` when no configured port could be bound, or on a second `start()`.
   * @param message what failed and what to do; `options.cause` is the last bind error
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super("SERVER_START_FAILED", message, options);
  }
}
