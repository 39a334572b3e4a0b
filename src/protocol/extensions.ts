/**
 * Protocol extensions: what our client, proxy and state server say to each other beyond Flink's protocol,
 * carried inside ordinary, valid Flink frames so that a Flink peer never sees a frame it does not know.
 *
 * - Client → proxy: a `KvStateRequest` for the reserved job id {@link EXTENSION_ID} ("QSTATE:EXTENSION" in
 *   ASCII) and state name {@link EXTENSION_STATE_NAME}; the key-and-namespace bytes carry the extension
 *   payload. Flink's proxy answers it as any query of a job it does not run: a REQUEST_FAILURE
 *   (`UnknownLocationException`), without a lookup at the job manager and without caching anything.
 * - Proxy → state server: a `KvStateInternalRequest` for the reserved KvStateID {@link EXTENSION_ID}; Flink's
 *   state server answers `UnknownKvStateIdException`.
 * - Our peers answer a REQUEST_RESULT whose `KvStateResponse` content is an extension answer:
 *   `[u8 version][u8 op][u8 status][body]`. Any REQUEST_FAILURE to an extension request therefore means
 *   "this peer does not speak extensions": the caller falls back or fails with `UNSUPPORTED_BY_PEER`.
 *
 * The README's "Protocol extensions" section documents every byte. Pure: web-standard globals only.
 */
import { ByteReader } from "../core/bytes.ts";
import { TruncatedInputError } from "../core/errors.ts";
import type { BatchGetInternalRequest, BatchGetRequest, BatchKey } from "./batch-get.ts";
import { InvalidFrameError } from "./errors.ts";
import { beginAnswer, beginPayload, readBytesField, readCount, readExtension, readExtString, readFailureRecord, readNonNullString, readNullableBytes, writeExtString } from "./extension-codec.ts";
import { BatchFlags, EXTENSION_VERSION, ExtOp, ExtStatus } from "./extension-ops.ts";
import type { KeysInternalRequest, KeysRequest } from "./keys.ts";
import type { JavaThrowableInit } from "./remote-errors.ts";
import { decodeScanBody, type ScanInternalRequest, ScanOp, type ScanRequest } from "./scan.ts";
import { decodeWatchBody, type WatchCancelRequest, type WatchInternalRequest, WatchOp, type WatchRequest } from "./watch.ts";
export * from "./extension-ops.ts";
export * from "./extension-errors.ts";
export * from "./freshness-records.ts";
export * from "./extension-codec.ts";
export * from "./keys.ts";
export * from "./batch-get.ts";

/** A decoded HELLO request. */
export interface HelloRequest {
  /** The op. */
  readonly op: typeof ExtOp.HELLO;
  /** The extensions the sender speaks (informational). */
  readonly offered: readonly string[];
}

/** A payload this peer cannot serve: another version or an op it does not know. */
export interface UnsupportedRequest {
  /** Marks the case. */
  readonly op: "unsupported";
  /** The op byte as sent (0 when the payload was too short to hold one). */
  readonly rawOp: number;
  /** Why, for the UNSUPPORTED answer. */
  readonly reason: string;
}

/** Any decoded extension payload. */
export type ExtensionRequest =
  | HelloRequest
  | BatchGetRequest
  | BatchGetInternalRequest
  | KeysRequest
  | KeysInternalRequest
  | ScanRequest
  | ScanInternalRequest
  | WatchRequest
  | WatchInternalRequest
  | WatchCancelRequest
  | UnsupportedRequest;

/** The payload of a HELLO: `[u8 1][u8 1][i32 n][n × string]`. */
export function encodeHello(offered: readonly string[]): Uint8Array {
  const w = beginPayload(ExtOp.HELLO);
  w.writeInt32(offered.length);
  for (const name of offered) writeExtString(w, name);
  return w.view();
}

/**
 * Decodes an extension payload (the key-and-namespace bytes of a request for the reserved id). Another version
 * or an unknown op is an {@link UnsupportedRequest}, not an error; malformed bytes throw `InvalidFrameError`.
 * Views into `payload` are kept (no copies).
 */
export function decodeExtensionRequest(payload: Uint8Array): ExtensionRequest {
  if (payload.length < 2) return { op: "unsupported", rawOp: 0, reason: `an extension payload of ${payload.length} byte(s) has no version and op` };
  const version = payload[0], op = payload[1];
  if (version !== EXTENSION_VERSION) {
    return { op: "unsupported", rawOp: op, reason: `extension protocol version ${version} (this peer speaks version ${EXTENSION_VERSION})` };
  }
  const r = new ByteReader(payload, 2);
  try {
    switch (op) {
      case ExtOp.HELLO: {
        const n = readCount(r, 4, "extension names");
        const offered: string[] = [];
        for (let i = 0; i < n; i++) offered.push(readNonNullString(r, "an extension name"));
        return { op, offered };
      }
      case ExtOp.BATCH_GET: {
        const jobId = r.readBytes(16);
        const stateName = readNonNullString(r, "the state name");
        const flags = r.readInt32();
        const n = readCount(r, 8, "keys");
        const keys: BatchKey[] = new Array(n);
        for (let i = 0; i < n; i++) {
          const keyHash = r.readInt32();
          keys[i] = { keyHash, keyAndNamespace: readBytesField(r, "a key") };
        }
        return { op, jobId, stateName, flags, keys };
      }
      case ExtOp.BATCH_GET_INTERNAL: {
        const kvStateId = r.readBytes(16);
        const flags = r.readInt32();
        const withGroups = (flags & BatchFlags.FRESHNESS) !== 0;
        const n = readCount(r, withGroups ? 8 : 4, "keys");
        const keys: Uint8Array[] = new Array(n);
        const keyGroups: number[] | undefined = withGroups ? new Array(n) : undefined;
        for (let i = 0; i < n; i++) {
          if (keyGroups !== undefined) keyGroups[i] = r.readInt32();
          keys[i] = readBytesField(r, "a key");
        }
        return keyGroups === undefined ? { op, kvStateId, flags, keys } : { op, kvStateId, flags, keys, keyGroups };
      }
      case ExtOp.KEYS: {
        const jobId = r.readBytes(16);
        const stateName = readNonNullString(r, "the state name");
        const flags = r.readInt32();
        const fromKeyGroup = r.readInt32();
        const toKeyGroup = r.readInt32();
        const namespace = readBytesField(r, "the namespace");
        const pageSize = r.readInt32();
        const cursor = readNullableBytes(r, "the cursor");
        return { op, jobId, stateName, flags, fromKeyGroup, toKeyGroup, namespace, pageSize, cursor };
      }
      case ExtOp.KEYS_INTERNAL: {
        const kvStateId = r.readBytes(16);
        const fromKeyGroup = r.readInt32();
        const toKeyGroup = r.readInt32();
        const after = readNullableBytes(r, "the last key");
        const namespace = readBytesField(r, "the namespace");
        const limit = r.readInt32();
        return { op, kvStateId, fromKeyGroup, toKeyGroup, after, namespace, limit };
      }
      case ScanOp.SCAN:
      case ScanOp.SCAN_INTERNAL:
        return decodeScanBody(op, r);
      case WatchOp.WATCH:
      case WatchOp.WATCH_INTERNAL:
      case WatchOp.WATCH_CANCEL:
      case WatchOp.WATCH_CANCEL_INTERNAL:
        return decodeWatchBody(op, r);
      default:
        return { op: "unsupported", rawOp: op, reason: `extension op ${op} is unknown to this peer` };
    }
  } catch (e) {
    if (e instanceof TruncatedInputError) throw new InvalidFrameError(`Truncated extension request (op ${op}): ${e.message}`, false, { cause: e });
    throw e;
  }
}

/** What the peer said to HELLO. */
export interface HelloAnswer {
  /** The peer's implementation, e.g. `"queryable-state 0.1.0 (proxy)"`. */
  readonly implementation: string;
  /** Extension name → version. */
  readonly extensions: ReadonlyMap<string, number>;
  /** Limit name → value, e.g. `batch-get.max-keys` → 4096. */
  readonly limits: ReadonlyMap<string, number>;
}

/** The OK body of HELLO: `[string implementation][i32 n][n × (string name, i32 version)][i32 m][m × (string limit, i64 value)]`. */
export function encodeHelloAnswer(answer: HelloAnswer): Uint8Array {
  const w = beginAnswer(ExtOp.HELLO, ExtStatus.OK, 128);
  writeExtString(w, answer.implementation);
  w.writeInt32(answer.extensions.size);
  for (const [name, version] of answer.extensions) {
    writeExtString(w, name);
    w.writeInt32(version);
  }
  w.writeInt32(answer.limits.size);
  for (const [name, value] of answer.limits) {
    writeExtString(w, name);
    w.writeInt64(BigInt(value));
  }
  return w.view();
}

/** A decoded extension answer. */
export type ExtensionAnswer =
  | { readonly status: typeof ExtStatus.OK; readonly op: number; readonly body: ByteReader }
  | { readonly status: typeof ExtStatus.FAILED; readonly op: number; readonly failure: JavaThrowableInit }
  | { readonly status: typeof ExtStatus.UNSUPPORTED; readonly op: number; readonly reason: string }
  | { readonly status: typeof ExtStatus.TOO_LARGE; readonly op: number; readonly limitBytes: number };

/**
 * Decodes the content of a REQUEST_RESULT answering an extension request for `op`. Throws `InvalidFrameError`
 * for anything that is not an extension answer to that op (the caller treats the peer as not ours).
 */
export function decodeExtensionAnswer(content: Uint8Array, op: number): ExtensionAnswer {
  return readExtension("extension answer", () => {
    const r = new ByteReader(content);
    const version = r.readUint8(), answeredOp = r.readUint8(), status = r.readUint8();
    if (version !== EXTENSION_VERSION) throw new InvalidFrameError(`extension answer of version ${version}, expected ${EXTENSION_VERSION}`, false);
    if (answeredOp !== op) throw new InvalidFrameError(`extension answer for op ${answeredOp}, expected op ${op}`, false);
    switch (status) {
      case ExtStatus.OK:
        return { status, op, body: r };
      case ExtStatus.FAILED:
        return { status, op, failure: readFailureRecord(r) };
      case ExtStatus.UNSUPPORTED:
        return { status, op, reason: readExtString(r, "the reason") ?? "(no reason given)" };
      case ExtStatus.TOO_LARGE: {
        const limit = r.readInt64();
        return { status, op, limitBytes: limit < 0n ? 0 : Number(limit) };
      }
      default:
        throw new InvalidFrameError(`extension answer status ${status} is unknown`, false);
    }
  });
}

/** Reads a HELLO answer's OK body. */
export function readHelloAnswer(r: ByteReader): HelloAnswer {
  return readExtension("HELLO answer", () => {
    const implementation = readNonNullString(r, "the implementation");
    const extensions = new Map<string, number>();
    for (let i = 0, n = readCount(r, 8, "extensions"); i < n; i++) {
      const name = readNonNullString(r, "an extension name");
      extensions.set(name, r.readInt32());
    }
    const limits = new Map<string, number>();
    for (let i = 0, n = readCount(r, 12, "limits"); i < n; i++) {
      const name = readNonNullString(r, "a limit name");
      limits.set(name, Number(r.readInt64()));
    }
    return { implementation, extensions, limits };
  });
}
