/**
 * The errors the protocol extensions add: a peer without the extension, a freshness bound not met, a cursor that
 * cannot be resumed. Pure: web-standard globals only.
 */
import { QueryableStateError } from "../core/errors.ts";

/** A peer does not speak the extension a call needs (a Flink proxy or server, or an older version of ours). */
export class UnsupportedByPeerError extends QueryableStateError {
  /** The extension that was needed, e.g. `"batch-get"`. */
  readonly extension: string;
  /**
   * An error with code `UNSUPPORTED_BY_PEER`.
   * @param extension the extension the call needs
   * @param detail what the peer is or said, and what to do
   */
  constructor(extension: string, detail: string, options?: { cause?: unknown }) {
    super("UNSUPPORTED_BY_PEER", `The peer does not support the '${extension}' extension: ${detail}`, options);
    this.extension = extension;
  }
}

/** Where an answer was served and how fresh it is (the freshness extension; README "Freshness"). */
export interface Freshness {
  /** The state server that answered (`host:port`). */
  readonly node: string;
  /** The key's key group. */
  readonly keyGroup: number;
  /**
   * The state's version in this key group: it moves on with every write and never goes back (its high bits are the
   * write's time in ms since the epoch, `version >> 16n`). Pass it as `minVersion` to read at least this state.
   */
  readonly version: bigint;
  /** When the state was last written in this key group (ms since the epoch), null when never. */
  readonly lastUpdateMs: number | null;
  /** Everything the subtask received before this time (ms since the epoch, the state server's clock) is applied. */
  readonly asOfMs: number;
  /** How far behind its input the state was when it answered, in ms (0: caught up). */
  readonly stalenessMs: number;
}

/** An answer did not meet a freshness bound of the query (`maxStalenessMs`, `minVersion`), also after `waitMs`. */
export class FreshnessBoundError extends QueryableStateError {
  /** Which bound was not met. */
  readonly bound: "maxStalenessMs" | "minVersion";
  /** How fresh the answer was. */
  readonly freshness: Freshness;
  /**
   * An error with code `FRESHNESS_BOUND_NOT_MET`.
   * @param bound the bound that was not met
   * @param required the bound's value
   * @param freshness how fresh the answer was
   */
  constructor(bound: "maxStalenessMs" | "minVersion", required: number | bigint, freshness: Freshness) {
    const where = `key group ${freshness.keyGroup} on ${freshness.node}`;
    super(
      "FRESHNESS_BOUND_NOT_MET",
      bound === "maxStalenessMs"
        ? `The state in ${where} is ${freshness.stalenessMs} ms behind its input, more than maxStalenessMs ${required}: ` +
          "retry later, allow more staleness, or give waitMs to wait for it to catch up."
        : `The state in ${where} is at version ${freshness.version}, below minVersion ${required}: the write has not been ` +
          "applied yet; give waitMs to wait for it.",
    );
    this.bound = bound;
    this.freshness = freshness;
  }
}

/** A key listing's cursor that this proxy cannot resume: from another state or namespace, or the state was rescaled. */
export class InvalidCursorError extends QueryableStateError {
  /** An error with code `INVALID_CURSOR`; `detail` says why and what to do. */
  constructor(detail: string, options?: { cause?: unknown }) {
    super("INVALID_CURSOR", detail, options);
  }
}
