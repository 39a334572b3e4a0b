/**
 * queryable-state: Flink-compatible queryable state for Node, Deno and Bun.
 *
 * This module is the only public entry point; deep imports are not part of the API.
 * @module
 */

// core: bytes, ids, key groups, errors
export { ByteReader, ByteWriter } from "./src/core/bytes.ts";
export { InvalidArgumentError, QueryableStateError, SerializationError, TruncatedInputError } from "./src/core/errors.ts";
export { fromHex, toHex } from "./src/core/hex.ts";
export { AbstractId, JobID, KvStateID } from "./src/core/ids.ts";
export { murmurHash } from "./src/core/murmur.ts";
export {
  computeDefaultMaxParallelism,
  computeKeyGroupForKeyHash,
  computeKeyGroupRangeForOperatorIndex,
  computeOperatorIndexForKeyGroup,
  DEFAULT_LOWER_BOUND_MAX_PARALLELISM,
  KeyGroupRange,
  UPPER_BOUND_MAX_PARALLELISM,
} from "./src/core/key-groups.ts";

// types: Flink-compatible serializers
export type { KeySerializer, SerializedType, TypeSerializer } from "./src/types/type-serializer.ts";
export {
  booleanSerializer,
  byteSerializer,
  charSerializer,
  doubleSerializer,
  floatSerializer,
  intSerializer,
  longSerializer,
  shortSerializer,
} from "./src/types/primitive-serializers.ts";
export { stringSerializer } from "./src/types/string-serializer.ts";
export { bytesSerializer } from "./src/types/bytes-serializer.ts";
export { tupleSerializer } from "./src/types/tuple-serializer.ts";
export { listSerializer, mapSerializer } from "./src/types/collection-serializers.ts";
export { VoidNamespace, voidNamespaceSerializer } from "./src/types/void-namespace.ts";
export { type TimeWindow, timeWindowSerializer } from "./src/types/time-window.ts";
export { javaBooleanHash, javaDoubleHash, javaFloatHash, javaLongHash, javaStringHash } from "./src/types/java-hash.ts";

// state: value formats
export {
  deserializeKeyAndNamespace,
  deserializeList,
  deserializeMap,
  deserializeValue,
  KEY_NAMESPACE_MAGIC,
  LIST_DELIMITER,
  serializeKeyAndNamespace,
  serializeList,
  serializeMap,
  serializeValue,
} from "./src/state/kv-state-serializer.ts";

// protocol: frames, bodies, failures
export {
  DEFAULT_MAX_FRAME_LENGTH,
  MessageType,
  messageTypeName,
  PROTOCOL_VERSION,
} from "./src/protocol/message-type.ts";
export type { Frame } from "./src/protocol/frame.ts";
export { beginFrame, endFrame } from "./src/protocol/frame.ts";
export { FrameDecoder, type FrameDecoderOptions } from "./src/protocol/frame-decoder.ts";
export {
  FrameTimeoutError,
  FrameTooLargeError,
  InvalidFrameError,
  ProtocolError,
  UnknownMessageTypeError,
  VersionMismatchError,
} from "./src/protocol/errors.ts";
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
export {
  BadRequestError,
  errorFromJavaThrowable,
  type JavaThrowableInit,
  RemoteError,
  UnknownJobManagerError,
  UnknownKeyGroupLocationError,
  UnknownKeyOrNamespaceError,
  UnknownJobError,
  UnknownKvStateIdError,
  UnknownLocationError,
  UnknownStateNameError,
} from "./src/protocol/remote-errors.ts";
export {
  type JavaClassInfo,
  JavaSerializationError,
  type JavaStackTraceElement,
  type JavaThrowable,
  javaThrowableToString,
  readJavaThrowable,
  writeJavaThrowable,
} from "./src/protocol/java/mod.ts";

// state: the registry a state server serves
export {
  type KvState,
  type KvStateRegistration,
  KvStateRegistry,
  type KvStateRegistryListener,
} from "./src/state/kv-state-registry.ts";

// transport: the runtime-agnostic socket interface and the runtime's adapter
export {
  type ClientTlsOptions,
  type Conn,
  type ConnectOptions,
  type Endpoint,
  type Listener,
  type ListenOptions,
  type ServerTlsOptions,
  type Transport,
  TransportError,
  type TransportErrorCode,
} from "./src/net/transport.ts";
export { availableTransports, defaultTransport, detectRuntime, loadTransport, type RuntimeName } from "./src/transport/detect.ts";

// net: generic server and client
export { Client, type ClientOptions, type RequestOptions } from "./src/net/client.ts";
export { type ConnectionDiagnostics, type RequestContext, type RequestHandler, ServerBase, type ServerOptions } from "./src/net/server-base.ts";
export type { RequestStats } from "./src/net/stats.ts";
export { parsePortRange } from "./src/net/port-range.ts";
export {
  ClientClosedError,
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestTimeoutError,
  ServerFailureError,
  ServerStartError,
} from "./src/net/errors.ts";

// server: the KvState server
export {
  KV_STATE_SERVER_NAME,
  KvStateServer,
  type KvStateServerOptions,
  kvStateRequestHandler,
  StateLookupError,
} from "./src/server/kv-state-server.ts";

// state: descriptors of keyed states
export {
  type AggregateFunction,
  type AggregatingStateDescriptor,
  aggregatingState,
  type FoldingStateDescriptor,
  foldingState,
  type ListStateDescriptor,
  listState,
  type MapStateDescriptor,
  mapState,
  type ReducingStateDescriptor,
  reducingState,
  type StateDescriptor,
  StateKind,
  type ValueStateDescriptor,
  valueState,
} from "./src/state/descriptors.ts";

// coordinator, locations and the client proxy
export { KvStateLocation, type ServerAddress } from "./src/state/kv-state-location.ts";
export { KvStateLocationRegistry, StateNameClashError } from "./src/state/kv-state-location-registry.ts";
export type { KvStateLocationOracle } from "./src/proxy/location-oracle.ts";
export {
  KvStateClientProxy,
  type KvStateClientProxyOptions,
  PROXY_CLIENT_NAME,
  PROXY_SERVER_NAME,
} from "./src/proxy/kv-state-client-proxy.ts";
export { Coordinator } from "./src/cluster/coordinator.ts";

// client: typed queries over a proxy
export {
  type GetKvStateOptions,
  QUERYABLE_STATE_CLIENT_NAME,
  QueryableStateClient,
  type QueryableStateClientOptions,
} from "./src/client/queryable-state-client.ts";
export {
  ImmutableAggregatingState,
  ImmutableFoldingState,
  ImmutableListState,
  ImmutableMapState,
  ImmutableReducingState,
  type ImmutableState,
  type ImmutableStateFor,
  ImmutableValueState,
  ReadOnlyStateError,
} from "./src/client/immutable-states.ts";

// cluster: the embedded LocalCluster and its keyed job runner
export { LocalCluster, type LocalClusterOptions } from "./src/cluster/local-cluster.ts";
export { TaskManager, type TaskManagerOptions } from "./src/cluster/task-manager.ts";
export { JobCancelledError, JobClient } from "./src/cluster/running-job.ts";
export {
  type KeyedJob,
  type KeyedStep,
  JobStatus,
  type Source,
  type StateFor,
  type StepContext,
} from "./src/cluster/job.ts";

// state: keyed heap backend
export {
  HeapKeyedStateBackend,
  type HeapKeyedStateBackendOptions,
  type QueryableStateEntry,
} from "./src/state/keyed-state-backend.ts";
export type {
  AggregatingState,
  FoldingState,
  ListState,
  MapState,
  ReducingState,
  ValueState,
} from "./src/state/keyed-states.ts";
export {
  DuplicateQueryableStateNameError,
  KeyGroupOutOfRangeError,
  NoCurrentKeyError,
  StateKindMismatchError,
} from "./src/state/errors.ts";
