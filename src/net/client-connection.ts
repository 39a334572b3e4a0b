/** One connection of a Client: connecting, request ids, frames in and out, failures. */
import type { QueryableStateError } from "../core/errors.ts";
import { InvalidFrameError, ProtocolError } from "../protocol/errors.ts";
import { decodeFailureError } from "../protocol/failure-frames.ts";
import { beginFrameWithId, endFrame, requestIdNumber } from "../protocol/frame.ts";
import { type DecodedFrame, FrameDecoder } from "../protocol/frame-decoder.ts";
import { MessageType } from "../protocol/message-type.ts";
import { decodeKvStateResponseAt, KvStateResponse, type MessageBody } from "../protocol/messages.ts";
import { ConnectError, ConnectionClosedError, ServerFailureError } from "./errors.ts";
import { FrameSink } from "./frame-sink.ts";
import { PendingTable } from "./pending-table.ts";
import type { StatsCounter } from "./stats.ts";
import type { ClientTlsOptions, Conn, Endpoint, Transport } from "../transport/transport.ts";
import { formatHostPort } from "../transport/address.ts";

/** A request waiting for its answer (one class, every field set up front: one shape for the runtime). */
export class Pending<Res> {
  readonly request: MessageBody;
  readonly resolve: (r: Res) => void;
  readonly reject: (e: unknown) => void;
  /**
   * When it started, for the latency statistics (ms, `performance.now()`): the clock read of the write
   * batch it joined (one read per batch, not per request), or of the moment it was queued while its
   * connection opened; -1 until then. A retry keeps the first.
   */
  startedAt = -1;
  /** The connection it is on (a new one after a retry). */
  connection: ClientConnection<Res>;
  /** Request id on the connection; -1 while queued. */
  id = -1;
  done = false;
  /** Written to a connection that was already open (not queued while it connected). */
  sentOnOpen = false;
  /** Already sent again on a new connection once. */
  retried = false;
  timeoutMs: number | undefined = undefined;
  deadlineAt: number | undefined = undefined;
  heapIndex: number | undefined = undefined;
  signal: AbortSignal | undefined = undefined;

  constructor(request: MessageBody, resolve: (r: Res) => void, reject: (e: unknown) => void, connection: ClientConnection<Res>) {
    this.request = request;
    this.resolve = resolve;
    this.reject = reject;
    this.connection = connection;
  }
}

/**
 * What a {@link ClientConnection} needs from the client that opened it. The client hands each
 * connection a private object of this shape rather than itself, so that completing requests and
 * counting stay out of the client's public API and this module does not depend on the client class.
 */
export interface ClientConnectionOwner<Res> {
  /** The client's statistics: the connection counts its open socket in `activeConnections`. */
  readonly counters: StatsCounter;
  /** Decodes a REQUEST_RESULT body; throwing fails that request only. */
  decodeResponse(body: Uint8Array): Res;
  /**
   * Completes a request exactly once: with `result`, or with `error` when that is not undefined.
   * `now` (a success's end, `performance.now()`) is read once per received chunk by the caller.
   */
  settle(p: Pending<Res>, result: Res | undefined, error: unknown, now?: number): void;
  /** The connection failed or closed: the client forgets it, and the next request reconnects. */
  connectionGone(c: ClientConnection<Res>): void;
  /** Sends a request again, on a new connection (its connection closed before any byte of its answer came). */
  resend(p: Pending<Res>): void;
  /** A connection event, for the client's diagnostics hook. */
  diagnostic(type: "connected" | "connect-failed" | "disconnected", address: Endpoint, label: string, error?: unknown): void;
}

/** One connection of a Client to one address (internal). */
export class ClientConnection<Res> {
  readonly #client: ClientConnectionOwner<Res>;
  readonly address: Endpoint;
  readonly label: string;
  readonly #pending = new PendingTable<Pending<Res>>();
  #queue: Pending<Res>[] = [];
  #conn: Conn | undefined;
  #sink: FrameSink | undefined;
  #decoder: FrameDecoder;
  /** The client decodes KvStateResponses (the query client's and the proxy's): they are read in place. */
  readonly #kvResponses: boolean;
  /** The clock read of the write batch being filled (see {@link Pending.startedAt}). */
  #batchAt = 0;
  #closed = false;
  readonly #version: number | undefined;

  constructor(client: ClientConnectionOwner<Res>, address: Endpoint, maxFrameLength: number, version?: number) {
    this.#client = client;
    this.address = address;
    this.label = formatHostPort(address);
    this.#version = version;
    this.#decoder = new FrameDecoder({ maxFrameLength, version });
    this.#kvResponses = client.decodeResponse === KvStateResponse.decode;
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
      const error = new ConnectError(this.label, e);
      this.#client.diagnostic("connect-failed", this.address, this.label, error);
      this.#fail(error);
      return;
    }
    if (this.#closed) {
      conn.abort();
      return;
    }
    this.#conn = conn;
    this.#sink = new FrameSink(conn);
    this.#client.counters.activeConnections++;
    this.#client.diagnostic("connected", this.address, this.label);
    conn.onData((chunk) => this.#onData(chunk), () => this.#fail(new ConnectionClosedError(this.label)));
    conn.closed.then((err) => {
      this.#client.counters.activeConnections--;
      this.#client.diagnostic("disconnected", this.address, this.label, err);
      this.#fail(new ConnectionClosedError(this.label, err));
    });
    const queued = this.#queue;
    this.#queue = [];
    for (const p of queued) if (!p.done) this.#transmit(p);
  }

  send(p: Pending<Res>): void {
    if (this.#sink === undefined) {
      if (p.startedAt < 0) p.startedAt = performance.now();
      this.#queue.push(p);
    } else {
      p.sentOnOpen = true;
      this.#transmit(p);
    }
  }

  #transmit(p: Pending<Res>): void {
    const sink = this.#sink!;
    // One clock read per write batch: the requests of one batch go out together.
    if (!sink.scheduled) this.#batchAt = performance.now();
    if (p.startedAt < 0) p.startedAt = this.#batchAt;
    const id = this.#pending.add(p);
    const w = sink.writer;
    const start = beginFrameWithId(w, MessageType.REQUEST, Math.floor(id / 0x1_0000_0000), id | 0, this.#version);
    p.request.writeTo(w);
    endFrame(w, start);
    sink.commit();
  }

  /** Forgets a request that timed out or was aborted; its late answer will be dropped. */
  forget(p: Pending<Res>): void {
    if (p.id >= 0) this.#pending.delete(p);
    else this.#queue = this.#queue.filter((q) => q !== p);
  }

  #onData(chunk: Uint8Array): void {
    const d = this.#decoder;
    // One clock read per received chunk: the end of every request answered in it.
    const now = performance.now();
    try {
      d.push(chunk);
      for (let f = d.next(); f !== undefined; f = d.next()) {
        if (f.type === MessageType.REQUEST_RESULT || f.type === MessageType.REQUEST_FAILURE) {
          const p = this.#pending.take(requestIdNumber(f));
          if (p === undefined) continue; // abandoned (timeout/abort): drop, never hand to another
          if (f.type === MessageType.REQUEST_RESULT) {
            let res: Res;
            try {
              // Our KvState answers are read in place (no view of the body first).
              res = this.#kvResponses
                ? decodeKvStateResponseAt((f as DecodedFrame).bytes, (f as DecodedFrame).bodyStart, (f as DecodedFrame).bodyEnd) as Res
                : this.#client.decodeResponse(f.body);
            } catch (e) {
              this.#client.settle(p, undefined, e);
              continue;
            }
            this.#client.settle(p, res, undefined, now);
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
          throw new InvalidFrameError(
            `Server ${this.label} sent a REQUEST frame to a client, which only accepts answers. ` +
              "Check that the address belongs to a queryable-state proxy or server.",
            true,
          );
        }
      }
    } catch (e) {
      // Our own decoder's verdicts keep their documented codes (FRAME_TOO_LARGE, VERSION_MISMATCH,
      // UNKNOWN_MESSAGE_TYPE, INVALID_FRAME): the server did not report them, we found them.
      const err = e instanceof ServerFailureError || e instanceof ProtocolError ? e : new ServerFailureError(this.label, e);
      this.#fail(err);
    }
  }

  /**
   * Fails every request on this connection and closes it. Idempotent. When the peer closed the connection
   * (e.g. a server closing it as idle just as a request went out) and no byte of any answer is waiting, a
   * request written to the already open connection is sent once more on a new one instead: no answer of
   * it can have come, so none can be lost or given to another request (requests are reads).
   */
  #fail(error: QueryableStateError): void {
    if (!this.#closed) {
      this.#closed = true;
      this.#client.connectionGone(this);
      this.#sink?.close();
      this.#conn?.abort(error);
    }
    const all = [...this.#queue, ...this.#pending.drain()];
    this.#queue = [];
    const retry = error instanceof ConnectionClosedError && this.#decoder.bufferedBytes === 0;
    for (const p of all) {
      if (retry && p.sentOnOpen === true && p.retried !== true && !p.done) {
        p.retried = true;
        this.#client.resend(p);
      } else this.#client.settle(p, undefined, error);
    }
  }

  close(error: QueryableStateError): Promise<void> {
    const conn = this.#conn;
    this.#fail(error);
    return conn ? conn.closed.then(() => {}) : Promise.resolve();
  }
}
