import { int32At } from "../core/bytes.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { FrameTooLargeError, InvalidFrameError, UnknownMessageTypeError, VersionMismatchError } from "./errors.ts";
import type { Frame } from "./frame.ts";
import {
  DEFAULT_MAX_FRAME_LENGTH,
  HEADER_LENGTH,
  type MessageType,
  PROTOCOL_VERSION,
  REQUEST_ID_SIZE,
} from "./message-type.ts";

/** Options of a {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted frame length (bytes after the 4-byte prefix). @default 64 MiB */
  maxFrameLength?: number;
  /** The version magic every frame must carry. @default PROTOCOL_VERSION (Flink's) */
  version?: number;
}

const EMPTY = new Uint8Array(0);
/** First buffer for a larger frame split across chunks; it doubles as the rest arrives. */
const INITIAL_PARTIAL = 64 * 1024;
/**
 * A split frame up to this length gets its whole buffer at once: a 64 KiB value is then copied once, not
 * twice (into 64 KiB, then into its full length). What a peer can make a connection hold with a frame it
 * announces but never sends stays bounded by this.
 */
const WHOLE_PARTIAL = 128 * 1024;

/**
 * A frame whose bigint request id and body view are made only when someone asks for them. Internal:
 * a server's hot path reads the body from `bytes[bodyStart, bodyEnd)` without making a view.
 */
export class DecodedFrame implements Frame {
  readonly type: MessageType;
  readonly requestIdHigh: number;
  readonly requestIdLow: number;
  /** The bytes the frame lies in (shared with the frames around it: read only). */
  readonly bytes: Uint8Array;
  /** Where the body starts in {@link bytes}. */
  readonly bodyStart: number;
  /** Where the body ends in {@link bytes} (exclusive). */
  readonly bodyEnd: number;
  #body: Uint8Array | undefined;
  constructor(type: MessageType, requestIdHigh: number, requestIdLow: number, bytes: Uint8Array, bodyStart: number, bodyEnd: number) {
    this.type = type;
    this.requestIdHigh = requestIdHigh;
    this.requestIdLow = requestIdLow;
    this.bytes = bytes;
    this.bodyStart = bodyStart;
    this.bodyEnd = bodyEnd;
  }
  get body(): Uint8Array {
    return this.#body ??= this.bytes.subarray(this.bodyStart, this.bodyEnd);
  }
  get requestId(): bigint {
    if (this.type === 3) return -1n;
    const lo = BigInt(this.requestIdLow >>> 0);
    return this.requestIdHigh === 0 ? lo : (BigInt(this.requestIdHigh) << 32n) | lo;
  }
}

/**
 * Incremental decoder for length-prefixed frames. Feed chunks split anywhere with
 * `push`, then call `next()` until it returns undefined. Frames that lie wholly inside one
 * chunk are returned as views (no copy); only a frame split across chunks is assembled,
 * into a buffer that grows with the bytes received (never allocated up front from the announced length).
 *
 * A bad length or an oversized frame throws a fatal {@link ProtocolError}: the stream has
 * lost its framing. A wrong version or unknown type throws a non-fatal one: that frame was
 * skipped and decoding may go on.
 *
 * @example
 * ```ts
 * import { encodeResponseFrame, FrameDecoder, KvStateResponse } from "queryable-state/protocol";
 *
 * const bytes = encodeResponseFrame(7n, new KvStateResponse(new Uint8Array([42])));
 * const d = new FrameDecoder();
 * d.push(bytes.subarray(0, 5)); // chunks may split frames anywhere
 * d.push(bytes.subarray(5));
 * for (let f = d.next(); f !== undefined; f = d.next()) console.log(f.type, f.requestId); // 1 7n
 * ```
 */
export class FrameDecoder {
  /** Largest accepted frame length, in bytes after the 4-byte length prefix. */
  readonly maxFrameLength: number;
  /** The version magic every frame must carry. */
  readonly version: number;
  #chunk: Uint8Array = EMPTY;
  #off = 0;
  // A frame being assembled across chunks: 4 length bytes first, then the frame.
  #lenBytes = new Uint8Array(4);
  #lenFill = 0;
  #partial: Uint8Array | null = null;
  #partialFill = 0;
  #partialLength = 0; // the frame's announced length (#partial grows towards it)
  #failed: Error | null = null;

  /**
   * A decoder with nothing buffered.
   * @throws RangeError when `maxFrameLength` is not an integer from 8 to 2^31-1
   */
  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH;
    if (!Number.isInteger(max) || max < HEADER_LENGTH || max > 0x7fffffff) {
      throw new InvalidArgumentError(`maxFrameLength must be an integer in [8, 2^31-1], got ${max}`);
    }
    this.maxFrameLength = max;
    this.version = options.version ?? PROTOCOL_VERSION;
  }

  /** Bytes the decoder holds memory for (a split frame's buffer may be larger than what arrived). */
  get retainedBytes(): number {
    return (this.#chunk.length - this.#off) + (this.#partial?.length ?? 0);
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return (this.#chunk.length - this.#off) + this.#lenFill + this.#partialFill;
  }

  /** Adds received bytes. The decoder keeps a reference: do not reuse `chunk`'s memory. */
  push(chunk: Uint8Array): void {
    if (this.#failed) throw this.#failed;
    if (chunk.length === 0) return;
    if (this.#off < this.#chunk.length) {
      const rest = this.#chunk.length - this.#off;
      const joined = new Uint8Array(rest + chunk.length);
      joined.set(this.#chunk.subarray(this.#off));
      joined.set(chunk, rest);
      chunk = joined;
    }
    this.#chunk = chunk;
    this.#off = 0;
  }

  /** The next complete frame, or undefined when more bytes are needed. */
  next(): Frame | undefined {
    if (this.#failed) throw this.#failed;
    const chunk = this.#chunk;
    if (this.#partial !== null) {
      let part = this.#partial;
      const want = this.#partialLength;
      const n = Math.min(want - this.#partialFill, chunk.length - this.#off);
      if (this.#partialFill + n > part.length) {
        // Grow by doubling as bytes arrive, never past the announced length: a peer that announces
        // 60 MiB and sends 10 bytes costs 64 KiB, not 60 MiB (a frame up to WHOLE_PARTIAL costs its length).
        const bigger = new Uint8Array(Math.min(want, Math.max(part.length * 2, this.#partialFill + n)));
        bigger.set(part.subarray(0, this.#partialFill));
        part = this.#partial = bigger;
      }
      part.set(chunk.subarray(this.#off, this.#off + n), this.#partialFill);
      this.#partialFill += n;
      this.#off += n;
      if (this.#partialFill < want) return undefined;
      this.#partial = null;
      this.#partialFill = 0;
      return this.#parse(part, 0, want);
    }
    let avail = chunk.length - this.#off;
    let length: number;
    if (this.#lenFill === 0 && avail >= 4) {
      length = int32At(chunk, this.#off);
      this.#off += 4;
      avail -= 4;
    } else {
      while (this.#lenFill < 4 && avail > 0) {
        this.#lenBytes[this.#lenFill++] = chunk[this.#off++];
        avail--;
      }
      if (this.#lenFill < 4) return undefined;
      this.#lenFill = 0;
      length = int32At(this.#lenBytes, 0);
    }
    this.#checkLength(length);
    if (avail >= length) {
      const at = this.#off;
      this.#off += length;
      return this.#parse(chunk, at, at + length);
    }
    const part = new Uint8Array(length <= WHOLE_PARTIAL ? length : Math.min(length, Math.max(2 * avail, INITIAL_PARTIAL)));
    part.set(chunk.subarray(this.#off));
    this.#off = chunk.length;
    this.#partial = part;
    this.#partialLength = length;
    this.#partialFill = avail;
    return undefined;
  }

  #checkLength(length: number): void {
    if (length < HEADER_LENGTH) {
      this.#failed = new InvalidFrameError(
        `Invalid frame length ${length}: a frame holds at least ${HEADER_LENGTH} bytes (version and type).`,
        true,
      );
      throw this.#failed;
    }
    if (length > this.maxFrameLength) {
      this.#failed = new FrameTooLargeError(length, this.maxFrameLength);
      throw this.#failed;
    }
  }

  #parse(b: Uint8Array, start: number, end: number): Frame {
    const version = int32At(b, start);
    if (version !== this.version) throw new VersionMismatchError(version, this.version);
    const type = int32At(b, start + 4);
    if (type < 0 || type > 3) throw new UnknownMessageTypeError(type);
    let at = start + HEADER_LENGTH;
    if (type === 3) return new DecodedFrame(3, 0, -1, b, at, end);
    if (end - at < REQUEST_ID_SIZE) {
      throw new InvalidFrameError(
        `Frame of type ${type} is ${end - start} bytes, too short for its 8-byte request id.`,
        false,
      );
    }
    const hi = int32At(b, at);
    const lo = int32At(b, at + 4);
    at += REQUEST_ID_SIZE;
    return new DecodedFrame(type as MessageType, hi, lo, b, at, end);
  }
}
