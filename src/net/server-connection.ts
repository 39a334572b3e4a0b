/** One accepted connection of a {@link ServerBase}: decoding, dispatch, answers, backpressure. */
import type { Clock, TimerHandle } from "../core/clock.ts";
import { InvalidArgumentError, QueryableStateError } from "../core/errors.ts";
import { FrameTimeoutError, ProtocolError } from "../protocol/errors.ts";
import { writeRequestFailureFrame, writeServerFailureFrame } from "../protocol/failure-frames.ts";
import { beginFrameWithId, endFrame, type Frame } from "../protocol/frame.ts";
import { type DecodedFrame, FrameDecoder } from "../protocol/frame-decoder.ts";
import { MessageType, messageTypeName } from "../protocol/message-type.ts";
import { KvStateResponse, type MessageBody } from "../protocol/messages.ts";
import { BadRequestError } from "../protocol/remote-errors.ts";
import { incomingMessageFailureThrowable, requestFailureThrowable, unexpectedMessageTypeThrowable } from "./failures.ts";
import { FrameSink } from "./frame-sink.ts";
import { ANSWER_FRAME, type FastRequestHandler, NOT_FAST, type RequestContext, type RequestHandler } from "./request-handler.ts";
import type { StatsCounter } from "./stats.ts";
import type { Conn } from "../transport/transport.ts";

/** Values from this size on are written without copying them into the batch. */
const LARGE_VALUE = 16 * 1024;

/** Answers waiting to be written beyond which a connection stops reading requests. */
const MAX_PENDING_OUTPUT = 1024 * 1024;

/**
 * What a {@link ServerConnection} needs from the server that accepted it. The server hands each
 * connection a private object of this shape rather than itself, so that its mutable state (counters,
 * the connection set) stays out of its public API and this module does not depend on the server class.
 */
export interface ServerConnectionOwner<Req> {
  /** The server's name, for its failure messages. */
  readonly name: string;
  /** Decodes and answers the requests. */
  readonly handler: RequestHandler<Req>;
  /** The server's statistics: the connection counts requests, successes and failures in them. */
  readonly counters: StatsCounter;
  /** Requests one connection may have in flight before it stops reading. */
  readonly maxInFlight: number;
  /** How long an incomplete frame may take, in milliseconds. */
  readonly frameTimeoutMs: number;
  /** The time source of the frame timeout and of the grace period before a failed connection is cut. */
  readonly clock: Clock;
  /** The connection was closed because a frame did not complete within `frameTimeoutMs`. */
  frameTimedOut(): void;
  /** An unexpected internal error (a bug, not a bad request). */
  reportError(e: unknown): void;
  /** The connection closed: the server forgets it. */
  connectionClosed(c: ServerConnection<Req>): void;
}

/** A running server's connection (internal to ServerBase). */
export class ServerConnection<Req> {
  readonly #server: ServerConnectionOwner<Req>;
  readonly conn: Conn;
  readonly #decoder: FrameDecoder;
  readonly #sink: FrameSink;
  readonly #context: RequestContext;
  /** The handler's fast path, when it has one (our state server's). */
  readonly #fast: FastRequestHandler | undefined;
  readonly #abort = new AbortController();
  #inFlight = 0;
  #readPaused = false;
  #open = true;
  #failing = false;
  #frames = 0; // frames decoded so far: progress, as seen by the frame timer
  /** When the frames being handled were read (`performance.now()`, once per {@link #process}). */
  #readAt = 0;
  /** Requests of this {@link #process} answered on the spot: counted with one clock read at its end. */
  #answeredNow = 0;
  #framesAtArm = 0;
  #frameTimer: TimerHandle | undefined; // a protocol failure is being reported: no more frames are read
  #idleWaiters: (() => void)[] = [];
  readonly #version: number | undefined;
  /**
   * Bumped per chunk received and per answer: the server's idle sweep compares it with what it saw
   * last time (no timer is reset per frame).
   */
  activity = 0;
  /** The activity the idle sweep saw last (managed by the server). */
  seenActivity = -1;
  /** Since when the idle sweep has seen no activity (managed by the server). */
  idleSince = 0;

  constructor(server: ServerConnectionOwner<Req>, conn: Conn, maxFrameLength: number, version?: number) {
    this.#server = server;
    this.conn = conn;
    this.#version = version;
    this.#decoder = new FrameDecoder({ maxFrameLength, version });
    this.#sink = new FrameSink(conn, () => this.#updateReading());
    this.#context = { signal: this.#abort.signal };
    const h = server.handler as RequestHandler<Req> & Partial<FastRequestHandler>;
    this.#fast = typeof h[ANSWER_FRAME] === "function" ? (h as FastRequestHandler) : undefined;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  start(): void {
    this.conn.onData((chunk) => this.#onData(chunk));
    this.conn.closed.then(() => this.#onClosed());
  }

  #onData(chunk: Uint8Array): void {
    if (!this.#open || this.#failing) return;
    this.activity++;
    try {
      this.#decoder.push(chunk);
    } catch (e) {
      this.#protocolFailure(e);
      return;
    }
    this.#process();
  }

  /**
   * Handles buffered frames until none is left or the connection must stop: answers piling
   * up unread (or too many requests in flight) leave the rest in the decoder and pause
   * reading, so a peer that does not read cannot make us buffer without bound.
   */
  #process(): void {
    const d = this.#decoder;
    // One clock read when the frames of a read are handled and one when they are done, not two per
    // request: the answers given on the spot all go out in the write that follows, so each one's
    // latency is the time from the read to its end.
    this.#readAt = performance.now();
    while (this.#open && !this.#failing && !this.#mustPause()) {
      let f: Frame | undefined;
      try {
        f = d.next();
      } catch (e) {
        // A wrong version or unknown type: that frame is skipped whole, the framing holds.
        if (e instanceof ProtocolError && !e.fatal) {
          this.#frames++;
          this.#frameFailure(e);
          continue;
        }
        this.#protocolFailure(e);
        return;
      }
      if (f === undefined) break;
      this.#frames++;
      if (f.type === MessageType.REQUEST) this.#onRequest(f);
      else {
        writeServerFailureFrame(this.#sink.writer, unexpectedMessageTypeThrowable(messageTypeName(f.type)), this.#version);
        this.#sink.commit();
      }
    }
    if (this.#answeredNow > 0) {
      this.#server.counters.reportSuccesses(this.#readAt, performance.now(), this.#answeredNow);
      this.#answeredNow = 0;
    }
    this.#updateReading();
    this.#watchProgress();
  }

  /** While a frame is incomplete, a timer checks that frames keep completing. */
  #watchProgress(): void {
    if (this.#decoder.bufferedBytes === 0 || !this.#open || this.#failing) {
      this.#stopFrameTimer();
      return;
    }
    if (this.#frameTimer !== undefined) return;
    this.#framesAtArm = this.#frames;
    this.#frameTimer = this.#server.clock.setTimeout(this.#onFrameTimeout, this.#server.frameTimeoutMs);
  }

  readonly #onFrameTimeout = (): void => {
    this.#frameTimer = undefined;
    if (!this.#open || this.#failing) return;
    // Frames completed meanwhile, or we stopped reading ourselves (backpressure): not a stalled peer.
    if (this.#frames !== this.#framesAtArm || this.#readPaused) {
      this.#watchProgress();
      return;
    }
    this.#server.frameTimedOut();
    this.#protocolFailure(new FrameTimeoutError(this.#decoder.bufferedBytes, this.#server.frameTimeoutMs));
  };

  #stopFrameTimer(): void {
    if (this.#frameTimer === undefined) return;
    this.#server.clock.clearTimeout(this.#frameTimer);
    this.#frameTimer = undefined;
  }

  /**
   * A frame with intact framing that cannot be served (wrong version or type, undecodable body):
   * SERVER_FAILURE, and the connection goes on with the next frame, as Flink's server and proxy do
   * (checked live against Flink 1.20 and 2.3 by the live-Flink suite).
   */
  #frameFailure(e: unknown): void {
    writeServerFailureFrame(this.#sink.writer, incomingMessageFailureThrowable(e), this.#version);
    this.#sink.commit();
    if (!(e instanceof QueryableStateError)) this.#server.reportError(e);
  }

  /** Framing lost (a length out of bounds): tell the peer why, then hang up. */
  #protocolFailure(e: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    if (!(e instanceof ProtocolError) && !(e instanceof InvalidArgumentError)) this.#server.reportError(e);
    // Answers to the requests before the bad frame still go out, in order, then the failure, then the
    // close: the transport may still hold queued writes (Deno's are asynchronous), so wait for them.
    this.conn.pause();
    this.#stopFrameTimer();
    void this.idle().then(async () => {
      if (!this.#open) return;
      writeServerFailureFrame(this.#sink.writer, incomingMessageFailureThrowable(e), this.#version);
      await this.#sink.drained().catch(() => {});
      this.#open = false;
      // A graceful close waits for the peer's FIN; a peer that never sends it is cut after the frame
      // timeout (at once when it was the one stalling).
      const grace = e instanceof FrameTimeoutError ? 0 : this.#server.frameTimeoutMs;
      const cut = this.#server.clock.setTimeout(() => this.conn.abort(e), grace);
      await this.conn.close();
      this.#server.clock.clearTimeout(cut);
    });
  }

  #mustPause(): boolean {
    return this.#sink.blocked || this.#sink.pendingBytes >= MAX_PENDING_OUTPUT || this.#inFlight >= this.#server.maxInFlight;
  }

  #onRequest(frame: Frame): void {
    let result: MessageBody | null | Promise<MessageBody | null> | typeof NOT_FAST = NOT_FAST;
    const fast = this.#fast;
    if (fast !== undefined) {
      // The state server's own path: no request object, no bigint id (frames of our decoder carry their bytes).
      try {
        result = fast[ANSWER_FRAME](frame as DecodedFrame, this.#context);
      } catch (e) {
        this.#server.counters.requests++;
        this.#fail(frame, e);
        return;
      }
    }
    if (result === NOT_FAST) {
      let request: Req;
      try {
        request = this.#server.handler.decode(frame.body);
      } catch (e) {
        this.#frameFailure(e);
        return;
      }
      this.#server.counters.requests++;
      try {
        result = this.#server.handler.handle(frame.requestId, request, this.#context);
      } catch (e) {
        this.#fail(frame, e);
        return;
      }
    } else this.#server.counters.requests++;
    const startedAt = this.#readAt;
    if (result instanceof Promise) {
      this.#inFlight++;
      result.then(
        (r) => this.#settled(frame, r, undefined, startedAt),
        (e) => this.#settled(frame, null, e, startedAt),
      );
    } else if (this.#respond(frame, result)) this.#answeredNow++;
  }

  #settled(frame: Frame, result: MessageBody | null, error: unknown, startedAt: number): void {
    this.#inFlight--;
    this.activity++;
    if (error !== undefined) this.#fail(frame, error);
    else if (this.#respond(frame, result)) this.#server.counters.reportSuccess(startedAt, performance.now());
    if (this.#readPaused) this.#updateReading();
    if (this.#inFlight === 0) for (const w of this.#idleWaiters.splice(0)) w();
  }

  /** Writes the answer; true when it counts as a success (the caller records its latency). */
  #respond(frame: Frame, result: MessageBody | null): boolean {
    if (!this.#open) return false; // the client is gone: drop the answer
    if (result === null || result === undefined) {
      this.#fail(frame, BadRequestError.create(this.#server.name, `NULL returned for request with ID ${frame.requestId}.`));
      return false;
    }
    // The answer echoes the request's 8 id bytes as they came.
    const w = this.#sink.writer;
    const start = beginFrameWithId(w, MessageType.REQUEST_RESULT, frame.requestIdHigh, frame.requestIdLow, this.#version);
    if (result instanceof KvStateResponse && result.content.length >= LARGE_VALUE) {
      // A large value goes out from where it lies: header here, content queued as a view.
      w.writeInt32(result.content.length);
      w.patchInt32(start, w.length - start - 4 + result.content.length);
      this.#sink.appendView(result.content);
    } else {
      result.writeTo(w);
      endFrame(w, start);
      this.#sink.commit();
    }
    return true;
  }

  #fail(frame: Frame, e: unknown): void {
    this.#server.counters.failed++;
    if (!this.#open) return;
    const asIs = this.#server.handler.sendAsIs?.(e) ?? false;
    writeRequestFailureFrame(this.#sink.writer, frame.requestId, requestFailureThrowable(frame.requestId, e, asIs), this.#version);
    this.#sink.commit();
  }

  /** Read only while the peer reads our answers and the in-flight bound is respected. */
  #updateReading(): void {
    if (!this.#open || this.#failing) return;
    const shouldPause = this.#mustPause();
    if (shouldPause === this.#readPaused) return;
    this.#readPaused = shouldPause;
    if (shouldPause) this.conn.pause();
    else {
      this.conn.resume();
      this.#process(); // frames that waited in the decoder
    }
  }

  /**
   * Closes the connection gracefully if nothing is going on: no request in flight, no partial frame,
   * no answer waiting to be written, not failing. Input that arrives from now on is dropped (a client
   * that sent a request meanwhile sees the connection close before any byte of its answer, and may
   * retry on a new one); the peer is cut after `frameTimeoutMs` if it does not hang up. Returns whether
   * it closed.
   */
  closeIfIdle(): boolean {
    if (!this.#open || this.#failing || this.#inFlight > 0 || this.#readPaused) return false;
    if (this.#decoder.bufferedBytes > 0 || this.#sink.pendingBytes > 0) return false;
    this.#failing = true; // nothing more is read or answered
    this.#stopFrameTimer();
    void (async () => {
      const cut = this.#server.clock.setTimeout(() => this.conn.abort(new Error("idle connection did not hang up")), this.#server.frameTimeoutMs);
      await this.conn.close();
      this.#server.clock.clearTimeout(cut);
    })();
    return true;
  }

  /** Resolves once no request is in flight and all answers were handed to the transport. */
  async idle(): Promise<void> {
    if (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    await this.#sink.drained().catch(() => {});
  }

  #onClosed(): void {
    this.#open = false;
    this.#stopFrameTimer();
    this.#abort.abort(new Error("connection closed"));
    this.#sink.close();
    this.#server.connectionClosed(this);
  }
}
