import { ByteWriter } from "../core/bytes.ts";
import type { Conn } from "../transport/transport.ts";

/** Largest slice handed to the transport at once (Flink's 32 KiB write high-water mark). */
export const WRITE_CHUNK_SIZE = 32 * 1024;
const KEEP_BATCH_CAPACITY = 256 * 1024;
/** A connection's batch starts this small (an idle connection costs no more); it doubles as frames need. */
const INITIAL_BATCH_CAPACITY = 1024;
/** After a batch this large, the next small one (below the initial capacity) gets a small buffer again. */
const LARGE_BATCH = 16 * 1024;

/**
 * Outbound side of one connection. Frames are appended to a batch (`writer`) and flushed
 * together once per microtask turn, so under load many small frames share one write while
 * an idle request is not delayed. Large batches go out in 32 KiB slices; when the transport
 * pushes back the sink stops writing until it drains and tells the owner, which stops
 * reading, so nothing is buffered without bound.
 */
export class FrameSink {
  readonly #conn: Conn;
  readonly #onChange: () => void;
  #batch = new ByteWriter(INITIAL_BATCH_CAPACITY);
  /** The batch buffer grew for a large batch (kept while batches stay large, dropped after a small one). */
  #grown = false;
  #queue: Uint8Array[] = [];
  #queueOffset = 0;
  #queuedBytes = 0;
  #scheduled = false;
  #blocked = false;
  #closed = false;

  /** `onChange` runs whenever `blocked` or `pendingBytes` may have changed after a flush or drain. */
  constructor(conn: Conn, onChange: () => void = () => {}) {
    this.#conn = conn;
    this.#onChange = onChange;
  }

  /** Append whole frames here, then call {@link commit}. */
  get writer(): ByteWriter {
    return this.#batch;
  }

  /** Bytes accepted but not yet handed to the transport. */
  get pendingBytes(): number {
    return this.#batch.length + this.#queuedBytes - this.#queueOffset;
  }

  /** True while the transport is backed up. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /** True while a flush is scheduled (frames appended now join the batch that is being filled). */
  get scheduled(): boolean {
    return this.#scheduled;
  }

  /** Schedules a flush of the batch at the end of this microtask turn. */
  commit(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    queueMicrotask(this.#flush);
  }

  /** Hands the batch to the transport now (e.g. before closing). */
  flushNow(): void {
    this.#flush();
  }

  /** Resolves when every accepted byte was handed to the transport (or the sink closed). */
  async drained(): Promise<void> {
    this.#flush();
    while (!this.#closed && this.pendingBytes > 0) await this.#conn.waitForDrain();
  }

  /** Drops everything pending; later writes are ignored. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#queueOffset = 0;
    this.#batch = new ByteWriter(16);
  }

  /**
   * Appends bytes that go out as they are, after everything appended so far (no copy into
   * the batch): for large values. The caller must not change `bytes` afterwards.
   */
  appendView(bytes: Uint8Array): void {
    if (this.#closed) return;
    this.#takeBatch();
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
    this.commit();
  }

  /** Moves the batched frames to the write queue. */
  #takeBatch(): void {
    if (this.#batch.length === 0) return;
    let bytes: Uint8Array;
    const length = this.#batch.length;
    if (length > KEEP_BATCH_CAPACITY) {
      bytes = this.#batch.view(); // hand over the big buffer itself; start a fresh one
      this.#batch = new ByteWriter(INITIAL_BATCH_CAPACITY);
      this.#grown = false;
    } else {
      bytes = this.#batch.toBytes(); // the transport may keep a reference: never reuse it
      if (length >= LARGE_BATCH) this.#grown = true;
      if (this.#grown && length < INITIAL_BATCH_CAPACITY) {
        // The burst is over: give the large buffer back rather than keep it for the connection's life.
        this.#batch = new ByteWriter(INITIAL_BATCH_CAPACITY);
        this.#grown = false;
      } else this.#batch.reset();
    }
    this.#queue.push(bytes);
    this.#queuedBytes += bytes.length;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    if (this.#closed) return;
    this.#takeBatch();
    if (this.#queue.length === 0) return;
    this.#pump();
    this.#onChange();
  };

  #pump(): void {
    while (!this.#blocked && !this.#closed && this.#queue.length > 0) {
      const head = this.#queue[0];
      const end = Math.min(head.length, this.#queueOffset + WRITE_CHUNK_SIZE);
      const slice = this.#queueOffset === 0 && end === head.length ? head : head.subarray(this.#queueOffset, end);
      let ok: boolean;
      try {
        ok = this.#conn.write(slice);
      } catch {
        // The connection closed under us (the peer left); its close handling fails or drops
        // whatever was pending, so the rest is dropped here.
        this.close();
        return;
      }
      if (end === head.length) {
        this.#queue.shift();
        this.#queuedBytes -= head.length;
        this.#queueOffset = 0;
      } else this.#queueOffset = end;
      if (!ok) this.#block();
    }
  }

  #block(): void {
    this.#blocked = true;
    this.#conn.waitForDrain().then(() => {
      this.#blocked = false;
      if (this.#closed) return;
      this.#pump();
      this.#onChange();
    }, () => {
      // The connection failed; its close handling fails whatever was pending.
    });
  }
}
