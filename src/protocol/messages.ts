/** The three message bodies of the queryable-state protocol, with their exact byte layouts. */
import { ByteReader, ByteWriter, int32At } from "../core/bytes.ts";
import { TruncatedInputError } from "../core/errors.ts";
import { idKeyOfBytes, JobID, KvStateID } from "../core/ids.ts";
import { InvalidFrameError } from "./errors.ts";
import { beginFrame, endFrame } from "./frame.ts";
import { MessageType } from "./message-type.ts";
import { decodeUtf8, encodeUtf8Java } from "./utf8.ts";

/** A body that can write itself after a frame header. */
export interface MessageBody {
  /** Writes the body's bytes (without the frame header) to `w`. */
  writeTo(w: ByteWriter): void;
}

function readLength(r: ByteReader, what: string): number {
  const n = r.readInt32();
  if (n < 0) {
    throw new InvalidFrameError(`Negative length for ${what}. This indicates a serialization error.`, false);
  }
  return n;
}

function decodeBody<T>(name: string, body: Uint8Array, read: (r: ByteReader) => T): T {
  try {
    return read(new ByteReader(body));
  } catch (e) {
    if (e instanceof TruncatedInputError) {
      throw new InvalidFrameError(`Truncated ${name}: ${e.message}`, false, { cause: e });
    }
    throw e;
  }
}

/**
 * A query from a client to a proxy: `[jobId 16][i32 nameLen][UTF-8 name][i32 keyHashCode]
 * [i32 len][key+namespace]`. Decoded requests parse the job id and the name only when read.
 */
export class KvStateRequest implements MessageBody {
  /** Java `hashCode()` of the key; the proxy routes by it. */
  readonly keyHashCode: number;
  /** The serialized key and namespace, as `serializeKeyAndNamespace` writes them. */
  readonly serializedKeyAndNamespace: Uint8Array;
  #jobId: JobID | undefined;
  #jobIdBytes: Uint8Array | undefined;
  #stateName: string | undefined;
  #nameBytes: Uint8Array | undefined;

  /**
   * Builds a query for the key with Java hash `keyHashCode` in state `stateName` of job `jobId`.
   *
   * @param jobId the job id, or its 16 wire bytes (parsed only if `jobId` is read)
   * @param stateName the name, or its UTF-8 bytes (decoded only if `stateName` is read)
   */
  constructor(jobId: JobID | Uint8Array, stateName: string | Uint8Array, keyHashCode: number, serializedKeyAndNamespace: Uint8Array) {
    if (jobId instanceof Uint8Array) {
      if (jobId.length !== 16) throw new InvalidFrameError(`A JobID is 16 bytes, got ${jobId.length}.`, false);
      this.#jobIdBytes = jobId;
    } else this.#jobId = jobId;
    if (stateName instanceof Uint8Array) this.#nameBytes = stateName;
    else this.#stateName = stateName;
    this.keyHashCode = keyHashCode | 0;
    this.serializedKeyAndNamespace = serializedKeyAndNamespace;
  }

  /** The job whose state is queried. */
  get jobId(): JobID {
    return this.#jobId ??= JobID.fromBytes(this.#jobIdBytes!);
  }

  /** The job id's 16 wire bytes. */
  get jobIdBytes(): Uint8Array {
    return this.#jobIdBytes ??= this.#jobId!.toBytes();
  }

  /** The queryable state name. */
  get stateName(): string {
    return this.#stateName ??= decodeUtf8(this.#nameBytes!);
  }

  /** The state name as sent (UTF-8, lone surrogates as `?` like Java). */
  get stateNameBytes(): Uint8Array {
    return this.#nameBytes ??= encodeUtf8Java(this.#stateName!);
  }

  /**
   * A map key for (job id, state name) built from the wire bytes without parsing them:
   * a proxy caches locations under it.
   */
  get locationKey(): string {
    const job = this.#jobIdBytes === undefined ? this.#jobId!.key : idKeyOfBytes(this.#jobIdBytes, 0);
    const name = this.stateNameBytes;
    let key = job;
    for (let i = 0; i < name.length; i += 4096) {
      key += String.fromCharCode.apply(null, name.subarray(i, i + 4096) as unknown as number[]);
    }
    return key;
  }

  /** Writes the body's bytes (without the frame header) to `w`. */
  writeTo(w: ByteWriter): void {
    const name = this.stateNameBytes;
    if (this.#jobIdBytes !== undefined) w.writeBytes(this.#jobIdBytes);
    else this.#jobId!.writeTo(w);
    w.writeInt32(name.length);
    w.writeBytes(name);
    w.writeInt32(this.keyHashCode);
    w.writeInt32(this.serializedKeyAndNamespace.length);
    w.writeBytes(this.serializedKeyAndNamespace);
  }

  /** Decodes a body; the key bytes are a view into `body`. Trailing bytes are ignored, as in Flink. */
  static decode(body: Uint8Array): KvStateRequest {
    // Hot path on every proxy: plain byte reads, no reader object.
    if (body.length >= 28) {
      const nameLength = int32At(body, 16);
      if (nameLength >= 0 && nameLength <= body.length - 28) {
        const at = 20 + nameLength;
        const keyLength = int32At(body, at + 4);
        if (keyLength >= 0 && keyLength <= body.length - at - 8) {
          return new KvStateRequest(body.subarray(0, 16), body.subarray(20, at), int32At(body, at), body.subarray(at + 8, at + 8 + keyLength));
        }
      }
    }
    return decodeBody("KvStateRequest", body, (r) => {
      const jobIdBytes = r.readBytes(16);
      const nameBytes = r.readBytes(readLength(r, "state name"));
      const hash = r.readInt32();
      const key = r.readBytes(readLength(r, "key and namespace"));
      return new KvStateRequest(jobIdBytes, nameBytes, hash, key);
    });
  }
}

/** A query from a proxy to a state server: `[kvStateId 16][i32 len][key+namespace]`. */
export class KvStateInternalRequest implements MessageBody {
  /** The serialized key and namespace, as `serializeKeyAndNamespace` writes them. */
  readonly serializedKeyAndNamespace: Uint8Array;
  #kvStateId: KvStateID | undefined;
  // Decoded requests keep the id's wire bytes: a server looks states up by them directly.
  #idBytes: Uint8Array | undefined;

  /**
   * Builds a request for the state registered under `kvStateId`.
   *
   * @param kvStateId the id, or its 16 wire bytes (parsed only if `kvStateId` is read)
   */
  constructor(kvStateId: KvStateID | Uint8Array, serializedKeyAndNamespace: Uint8Array) {
    if (kvStateId instanceof Uint8Array) {
      if (kvStateId.length !== 16) throw new InvalidFrameError(`A KvStateID is 16 bytes, got ${kvStateId.length}.`, false);
      this.#idBytes = kvStateId;
    } else this.#kvStateId = kvStateId;
    this.serializedKeyAndNamespace = serializedKeyAndNamespace;
  }

  /** The id under which the state server registered the state. */
  get kvStateId(): KvStateID {
    return this.#kvStateId ??= KvStateID.fromBytes(this.#idBytes!);
  }

  /** The id's map key (see `AbstractId.key`), without parsing the id. */
  get kvStateIdKey(): string {
    return this.#idBytes === undefined ? this.#kvStateId!.key : idKeyOfBytes(this.#idBytes, 0);
  }

  /** Writes the body's bytes (without the frame header) to `w`. */
  writeTo(w: ByteWriter): void {
    if (this.#idBytes !== undefined) w.writeBytes(this.#idBytes);
    else this.#kvStateId!.writeTo(w);
    w.writeInt32(this.serializedKeyAndNamespace.length);
    w.writeBytes(this.serializedKeyAndNamespace);
  }

  /** Decodes a body; the key bytes are a view into `body`. Trailing bytes are ignored, as in Flink. */
  static decode(body: Uint8Array): KvStateInternalRequest {
    // Hot path on every state server: plain byte reads, no reader object.
    if (body.length >= 20) {
      const n = int32At(body, 16);
      if (n >= 0 && n <= body.length - 20) return new KvStateInternalRequest(body.subarray(0, 16), body.subarray(20, 20 + n));
    }
    return decodeBody("KvStateInternalRequest", body, (r) => {
      const idBytes = r.readBytes(16);
      return new KvStateInternalRequest(idBytes, r.readBytes(readLength(r, "key and namespace")));
    });
  }
}

/** A successful answer: `[i32 len][serialized state]`. */
export class KvStateResponse implements MessageBody {
  /** The serialized state (value, list or map bytes), as the state's serializers write it. */
  readonly content: Uint8Array;

  /** Wraps `content` (not copied). */
  constructor(content: Uint8Array) {
    this.content = content;
  }

  /** Writes the body's bytes (without the frame header) to `w`. */
  writeTo(w: ByteWriter): void {
    w.writeInt32(this.content.length);
    w.writeBytes(this.content);
  }

  /** Decodes a body; `content` is a view into `body`. Trailing bytes are ignored, as in Flink. */
  static decode(body: Uint8Array): KvStateResponse {
    // Hot path on every client: plain byte reads, no reader object.
    if (body.length >= 4) {
      const n = int32At(body, 0);
      if (n >= 0 && n <= body.length - 4) return new KvStateResponse(body.subarray(4, 4 + n));
    }
    return decodeBody("KvStateResponse", body, (r) => new KvStateResponse(r.readBytes(readLength(r, "state content"))));
  }
}

/**
 * {@link KvStateResponse.decode} of the body `bytes[start, end)` without a view of the body first (a client's hot
 * path: one view, the content, per answer). Internal.
 */
export function decodeKvStateResponseAt(bytes: Uint8Array, start: number, end: number): KvStateResponse {
  if (end - start >= 4) {
    const n = int32At(bytes, start);
    if (n >= 0 && n <= end - start - 4) return new KvStateResponse(bytes.subarray(start + 4, start + 4 + n));
  }
  return KvStateResponse.decode(bytes.subarray(start, end));
}

/** Appends a whole REQUEST frame to `w`. */
export function writeRequestFrame(w: ByteWriter, requestId: bigint, body: MessageBody): void {
  const start = beginFrame(w, MessageType.REQUEST, requestId);
  body.writeTo(w);
  endFrame(w, start);
}

/** Appends a whole REQUEST_RESULT frame to `w`. */
export function writeResponseFrame(w: ByteWriter, requestId: bigint, body: MessageBody): void {
  const start = beginFrame(w, MessageType.REQUEST_RESULT, requestId);
  body.writeTo(w);
  endFrame(w, start);
}

/** A REQUEST frame as a fresh byte array. */
export function encodeRequestFrame(requestId: bigint, body: MessageBody): Uint8Array {
  const w = new ByteWriter(64);
  writeRequestFrame(w, requestId, body);
  return w.view();
}

/** A REQUEST_RESULT frame as a fresh byte array. */
export function encodeResponseFrame(requestId: bigint, body: MessageBody): Uint8Array {
  const w = new ByteWriter(64);
  writeResponseFrame(w, requestId, body);
  return w.view();
}
