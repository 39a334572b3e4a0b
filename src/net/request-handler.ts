/**
 * What a {@link ServerBase} serves: a handler that decodes and answers one kind of request. Declared
 * apart from the server so that its connections can use it without importing the server class.
 */

import type { DecodedFrame } from "../protocol/frame-decoder.ts";
import type { MessageBody } from "../protocol/messages.ts";

/**
 * Decodes and answers one kind of request: the part of a server that is not networking.
 *
 * @example
 * ```ts
 * import { KvStateResponse, type RequestHandler } from "queryable-state/protocol";
 *
 * // Answers every request with its own body.
 * const echo: RequestHandler<Uint8Array> = {
 *   decode: (body) => body.slice(),
 *   handle: (_requestId, body) => new KvStateResponse(body),
 * };
 * ```
 */
export interface RequestHandler<Req> {
  /**
   * Decodes a REQUEST frame's body. Throwing answers that frame with a SERVER_FAILURE and the
   * connection goes on with the next frame, as Flink's servers do.
   */
  decode(body: Uint8Array): Req;
  /**
   * Answers a request. Return (or resolve) the response body; throw (or reject) to fail it:
   * a `BadRequestError` is sent as itself, anything else wrapped as Flink does.
   * Returning null is reported as Flink's "NULL returned" BadRequestException.
   */
  handle(requestId: bigint, request: Req, context: RequestContext): MessageBody | null | Promise<MessageBody | null>;
  /**
   * Which failures go on the wire as themselves rather than wrapped in a RuntimeException.
   * @default BadRequestError and its subclasses, as in Flink
   */
  sendAsIs?(error: unknown): boolean;
}

/** What a handler knows about the request's connection. */
export interface RequestContext {
  /** Aborted when the requesting connection closes: stop work nobody will receive. */
  readonly signal: AbortSignal;
}

/**
 * Internal fast path of a {@link RequestHandler} (our state server's): answers a REQUEST frame straight from its
 * bytes, without a request object or a bigint request id (made only for a failure's message). Returns
 * {@link NOT_FAST} for anything it does not take (an odd body, an extension, an unknown id): the connection then
 * decodes and handles the frame the ordinary way, so every answer and failure stays as before.
 * @internal
 */
export const ANSWER_FRAME: unique symbol = Symbol("answerFrame");

/** What an {@link ANSWER_FRAME} method returns for a frame it leaves to the ordinary path. @internal */
export const NOT_FAST: unique symbol = Symbol("notFast");

/** A handler with the internal fast path. @internal */
export interface FastRequestHandler {
  /** The answer to `frame` (its body is `frame.bytes[bodyStart, bodyEnd)`), or {@link NOT_FAST}. */
  [ANSWER_FRAME](frame: DecodedFrame, context: RequestContext): MessageBody | null | Promise<MessageBody | null> | typeof NOT_FAST;
}
