/**
 * What a {@link ServerBase} serves: a handler that decodes and answers one kind of request. Declared
 * apart from the server so that its connections can use it without importing the server class.
 */

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
