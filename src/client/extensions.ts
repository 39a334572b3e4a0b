/**
 * The client's side of the protocol extensions (see `src/protocol/extensions.ts`): it learns once whether its
 * proxy is ours and which extensions it speaks (a HELLO, an ordinary Flink request for the reserved job
 * `QSTATE:EXTENSION`), and sends extension requests. A Flink proxy answers the HELLO with a REQUEST_FAILURE
 * (an unknown job); so does any peer for an extension request it does not understand, and the session then
 * remembers the proxy as plain (asked again after a minute) and its callers fall back or fail with
 * `UNSUPPORTED_BY_PEER`.
 */
import type { Clock } from "../core/clock.ts";
import { InvalidFrameError } from "../protocol/errors.ts";
import {
  decodeExtensionAnswer,
  encodeHello,
  EXT_BATCH_GET,
  EXTENSION_ID,
  EXTENSION_STATE_NAME,
  type ExtensionAnswer,
  ExtOp,
  ExtStatus,
  readHelloAnswer,
} from "../protocol/extensions.ts";
import { KvStateRequest, type KvStateResponse } from "../protocol/messages.ts";
import { RemoteError } from "../protocol/remote-errors.ts";

/** Whether a client uses protocol extensions: `"auto"` asks the proxy, `"off"` never sends an extension request. */
export type ExtensionsMode = "auto" | "off";

/** What a proxy of ours speaks beyond Flink's protocol ({@link QueryableStateClient.peerExtensions}). */
export interface PeerExtensions {
  /** The peer's implementation and role, e.g. `"queryable-state 0.1.0 (proxy)"`. */
  readonly implementation: string;
  /** Extension name → version, e.g. `batch-get` → 1. */
  readonly extensions: ReadonlyMap<string, number>;
  /** Limit name → value, e.g. `batch-get.max-keys` → 4096. */
  readonly limits: ReadonlyMap<string, number>;
}

/** How a session sends one request to its proxy (the client's failover and deadline rules apply). */
export type ExtensionSender = (request: KvStateRequest, options: { signal?: AbortSignal; timeoutMs?: number; longPollMs?: number }) => Promise<KvStateResponse>;

/** Thrown inside the client when the peer answered an extension request as a Flink peer would: fall back. */
export class PlainPeer extends Error {
  constructor(cause: unknown) {
    super("The peer does not speak queryable-state protocol extensions.", { cause });
    this.name = "PlainPeer";
  }
}

/** The extensions this client can use, offered in its HELLO. */
const OFFERED = [EXT_BATCH_GET];
/** How long a proxy found plain is treated as plain before it is asked again. */
const RECHECK_PLAIN_MS = 60_000;

/** One client's knowledge of its proxy's extensions. */
export class ExtensionSession {
  readonly #send: ExtensionSender;
  readonly #clock: Clock;
  readonly mode: ExtensionsMode;
  #peer: Promise<PeerExtensions | null> | undefined;
  #plainUntil = 0;

  constructor(send: ExtensionSender, clock: Clock, mode: ExtensionsMode = "auto") {
    this.#send = send;
    this.#clock = clock;
    this.mode = mode;
  }

  /**
   * The proxy's extensions, or null when it speaks none (a Flink proxy, extensions off). Asked once and
   * remembered; a transport failure (timeout, no connection) rejects and is not remembered.
   */
  peer(options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<PeerExtensions | null> {
    if (this.mode === "off") return Promise.resolve(null);
    if (this.#peer !== undefined && (this.#plainUntil === 0 || this.#clock.now() < this.#plainUntil)) return this.#peer;
    const asked = this.#hello(options);
    this.#peer = asked;
    this.#plainUntil = 0;
    asked.then((p) => {
      if (p === null && this.#peer === asked) this.#plainUntil = this.#clock.now() + RECHECK_PLAIN_MS;
    }, () => {
      if (this.#peer === asked) this.#peer = undefined;
    });
    return asked;
  }

  async #hello(options: { signal?: AbortSignal; timeoutMs?: number }): Promise<PeerExtensions | null> {
    let answer: ExtensionAnswer;
    try {
      answer = await this.request(ExtOp.HELLO, encodeHello(OFFERED), options);
    } catch (e) {
      if (e instanceof PlainPeer) return null;
      throw e;
    }
    if (answer.status !== ExtStatus.OK) return null;
    try {
      return readHelloAnswer(answer.body);
    } catch {
      return null;
    }
  }

  /** The peer turned out not to speak extensions (it failed an extension request): remember it as plain. */
  markPlain(): void {
    this.#peer = Promise.resolve(null);
    this.#plainUntil = this.#clock.now() + RECHECK_PLAIN_MS;
  }

  /**
   * Sends one extension request. Resolves with the decoded answer; rejects with {@link PlainPeer} when the peer
   * answered as a Flink peer (a REQUEST_FAILURE, or a result that is no extension answer), and with the
   * transport's error (timeout, connection) otherwise.
   */
  async request(op: number, payload: Uint8Array, options: { signal?: AbortSignal; timeoutMs?: number; longPollMs?: number }): Promise<ExtensionAnswer> {
    let response: KvStateResponse;
    try {
      response = await this.#send(new KvStateRequest(EXTENSION_ID, EXTENSION_STATE_NAME, 0, payload), options);
    } catch (e) {
      if (e instanceof RemoteError) {
        this.markPlain();
        throw new PlainPeer(e);
      }
      throw e;
    }
    try {
      return decodeExtensionAnswer(response.content, op);
    } catch (e) {
      if (!(e instanceof InvalidFrameError)) throw e;
      this.markPlain();
      throw new PlainPeer(e);
    }
  }
}
