/**
 * queryable-state/protocol: the wire toolkit, for tools, tests and custom servers: frames and the
 * incremental frame decoder, request / response bodies, Java-serialized failures, and the generic
 * network client and server they run on. Applications need only the main entry (`mod.ts`).
 *
 * @example
 * ```ts
 * import { JobID, serializeKeyAndNamespace, stringSerializer, VoidNamespace, voidNamespaceSerializer } from "queryable-state";
 * import { encodeRequestFrame, FrameDecoder, KvStateRequest } from "queryable-state/protocol";
 *
 * // The bytes a client sends a proxy to ask for the "clicks" state of key "ada".
 * const keyAndNamespace = serializeKeyAndNamespace("ada", stringSerializer, VoidNamespace, voidNamespaceSerializer);
 * const request = new KvStateRequest(JobID.random(), "clicks", stringSerializer.hashCode("ada"), keyAndNamespace);
 * const frame = encodeRequestFrame(0n, request);
 *
 * // And back: what a proxy decodes.
 * const decoder = new FrameDecoder();
 * decoder.push(frame);
 * console.log(KvStateRequest.decode(decoder.next()!.body).stateName); // "clicks"
 * ```
 * @module
 */

export { DEFAULT_MAX_FRAME_LENGTH, MessageType, messageTypeName, PROTOCOL_VERSION } from "./src/protocol/message-type.ts";
export type { Frame } from "./src/protocol/frame.ts";
export { beginFrame, endFrame } from "./src/protocol/frame.ts";
export { FrameDecoder, type FrameDecoderOptions } from "./src/protocol/frame-decoder.ts";
export {
  encodeRequestFrame,
  encodeResponseFrame,
  KvStateInternalRequest,
  KvStateRequest,
  KvStateResponse,
  type MessageBody,
  writeRequestFrame,
  writeResponseFrame,
} from "./src/protocol/messages.ts";
export {
  decodeFailureBody,
  decodeFailureError,
  encodeRequestFailureFrame,
  encodeServerFailureFrame,
  javaThrowableOf,
  writeRequestFailureFrame,
  writeServerFailureFrame,
} from "./src/protocol/failure-frames.ts";
export { errorFromJavaThrowable, type JavaThrowableInit, type RemoteThrowable } from "./src/protocol/remote-errors.ts";
export {
  type JavaClassInfo,
  type JavaStackTraceElement,
  type JavaThrowable,
  type JavaThrowableSpec,
  javaThrowableToString,
  type ObjectStreamReaderOptions,
  readJavaThrowable,
  writeJavaThrowable,
} from "./src/protocol/java/mod.ts";
export {
  type BatchEntry,
  BatchFlags,
  type BatchGetInternalRequest,
  type BatchGetRequest,
  type BatchKey,
  decodeExtensionAnswer,
  decodeExtensionRequest,
  encodeBatchAnswer,
  encodeBatchGet,
  encodeBatchGetInternal,
  encodeFailedAnswer,
  encodeHello,
  encodeHelloAnswer,
  EntryTag,
  EXT_BATCH_GET,
  EXT_FRESHNESS,
  type EntryFreshness,
  type ExtensionAnswer,
  type ExtensionRequest,
  EXTENSION_ID,
  EXTENSION_STATE_NAME,
  EXTENSION_VERSION,
  ExtOp,
  ExtStatus,
  type FreshnessRecord,
  type BatchFreshness,
  decodeFreshnessRecord,
  readClientBatchAnswer,
  readServerBatchAnswer,
  type HelloAnswer,
  type HelloRequest,
  encodeKeys,
  encodeKeysAnswer,
  encodeKeysInternal,
  encodeKeysInternalAnswer,
  EXT_KEYS,
  type KeysInternalRequest,
  type KeysPage,
  type KeysRequest,
  readKeysAnswer,
  readKeysInternalAnswer,
  readBatchAnswer,
  readHelloAnswer,
  type UnsupportedRequest,
} from "./src/protocol/extensions.ts";
export { Client, type ClientOptions, type RequestOptions } from "./src/net/client.ts";
export { type RequestContext, type RequestHandler, ServerBase } from "./src/net/server-base.ts";
export { KV_STATE_SERVER_NAME, kvStateRequestHandler } from "./src/server/kv-state-server.ts";
export type { BatchLookup, KeysLookup } from "./src/server/extensions.ts";
export type { ScanLookup } from "./src/server/scan.ts";
export {
  decodeScanBody,
  encodeScan,
  encodeScanInternal,
  EXT_SCAN,
  readScanAnswer,
  readScanInternalAnswer,
  type ScanBounds,
  type ScanEntry,
  type ScanInternalRequest,
  ScanOp,
  type ScanRequest,
  scanAnswerSize,
  writeScanAnswer,
  writeScanInternalAnswer,
} from "./src/protocol/scan.ts";
export type { WatchLookup, WatchPolls } from "./src/server/watch.ts";
export {
  ChangeTag,
  decodeWatchBody,
  encodeWatch,
  encodeWatchCancel,
  encodeWatchInternal,
  EXT_WATCH,
  readChange,
  readWatchAnswer,
  readWatchInternalAnswer,
  WATCH_ENDED_CLASS,
  watchAnswerSize,
  type WatchCancelRequest,
  type WatchChange,
  type WatchEntry,
  type WatchInternalKey,
  type WatchInternalRequest,
  type WatchKey,
  WatchOp,
  type WatchRequest,
  writeChange,
  writeWatchAnswer,
  writeWatchInternalAnswer,
} from "./src/protocol/watch.ts";
export { PROXY_CLIENT_NAME, PROXY_SERVER_NAME } from "./src/proxy/kv-state-client-proxy.ts";
export { QUERYABLE_STATE_CLIENT_NAME } from "./src/client/queryable-state-client.ts";
