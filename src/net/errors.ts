import { QueryableStateError } from "../core/errors.ts";

/** Could not open a connection to a server (refused, unreachable, TLS handshake failed). */
export class ConnectError extends QueryableStateError {
  static readonly javaClassName = "java.net.ConnectException";
  readonly address: string;
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
  static readonly javaClassName = "java.nio.channels.ClosedChannelException";
  readonly address: string;
  constructor(address: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : "";
    super("CONNECTION_CLOSED", `Connection to ${address} closed before the answer arrived${why}. The request may be retried.`, { cause });
    this.address = address;
  }
}

/** The server reported a connection-level failure (SERVER_FAILURE); every request on that connection fails with it. */
export class ServerFailureError extends QueryableStateError {
  readonly address: string;
  constructor(address: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("SERVER_FAILURE", `Server ${address} failed the connection: ${why}`, { cause });
    this.address = address;
  }
}

/** No answer within the request's timeout. */
export class RequestTimeoutError extends QueryableStateError {
  readonly timeoutMs: number;
  constructor(what: string, timeoutMs: number) {
    super("TIMEOUT", `${what} got no answer within ${Math.round(timeoutMs)} ms. Raise timeoutMs, or check the server's load and the network.`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. */
export class RequestAbortedError extends QueryableStateError {
  constructor(what: string, reason: unknown) {
    super("REQUEST_ABORTED", `${what} was aborted${reason instanceof Error ? `: ${reason.message}` : ""}.`, { cause: reason });
  }
}

/** The client was closed; it accepts no more requests. */
export class ClientClosedError extends QueryableStateError {
  static readonly javaClassName = "java.lang.IllegalStateException";
  constructor(name: string) {
    super("CLIENT_CLOSED", `${name} is already shut down. Create a new client to send more requests.`);
  }
}

/** A server could not bind any port of its configured range, or was started twice. */
export class ServerStartError extends QueryableStateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SERVER_START_FAILED", message, options);
  }
}
