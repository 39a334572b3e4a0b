/**
 * queryable-state: Flink-compatible queryable state for Node, Deno and Bun.
 *
 * This module is the main entry point (the wire toolkit is `queryable-state/protocol`); deep
 * imports are not part of the API. Start with {@link LocalCluster} (an embedded cluster),
 * {@link QueryableStateClient} (queries against any proxy, Flink's included), and the serializers
 * ({@link longSerializer}, {@link tupleSerializer}, {@link parseTypeExpression}, …) that must match
 * the job's Flink types.
 *
 * @example
 * ```ts
 * import { LocalCluster, longSerializer, QueryableStateClient, reducingState, stringSerializer } from "queryable-state";
 *
 * const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
 * await using cluster = await LocalCluster.start();
 * const job = cluster.submit({
 *   sources: [["ada", "bob", "ada"]],
 *   keyBy: (user: string) => user,
 *   keyType: stringSerializer,
 *   steps: [{ name: "count", states: [clicks], process: (_user, ctx) => ctx.state(clicks).add(1n) }],
 * });
 * await job.sourcesDone;
 *
 * await using client = new QueryableStateClient(cluster.proxyAddresses[0].hostname, cluster.proxyAddresses[0].port);
 * const ada = await client.getKvState(job.jobId, "clicks", "ada", stringSerializer, clicks);
 * console.log(ada.get()); // 2n
 * ```
 * @module
 */

// core: bytes, ids, key groups, errors
export { ByteReader, ByteWriter } from "./src/core/bytes.ts";
export { InvalidArgumentError, QueryableStateError, SerializationError, TruncatedInputError, WatchEndedError } from "./src/core/errors.ts";
export type { ErrorCode } from "./src/core/error-codes.ts";
export { fromHex, toHex } from "./src/core/hex.ts";
export { AbstractId, JobID, KvStateID } from "./src/core/ids.ts";
export { murmurHash } from "./src/core/murmur.ts";
// Advanced: the time source of timeouts, back-off and heartbeats (the `clock` options), e.g. for tests.
export { type Clock, realClock, type TimerHandle, type TimerOptions } from "./src/core/clock.ts";
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
export { listSerializer, mapSerializer, setSerializer } from "./src/types/collection-serializers.ts";
export { VoidNamespace, voidNamespaceSerializer } from "./src/types/void-namespace.ts";
export { type TimeWindow, timeWindowSerializer } from "./src/types/time-window.ts";
export { GlobalWindow, globalWindowSerializer } from "./src/types/global-window.ts";
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

// errors of the wire protocol (the protocol toolkit itself is in protocol.ts)
export {
  FrameTimeoutError,
  FrameTooLargeError,
  InvalidFrameError,
  ProtocolError,
  UnknownMessageTypeError,
  VersionMismatchError,
} from "./src/protocol/errors.ts";
export {
  BadRequestError,
  RemoteError,
  UnknownJobManagerError,
  UnknownKeyGroupLocationError,
  UnknownKeyOrNamespaceError,
  UnknownJobError,
  UnknownKvStateIdError,
  UnknownLocationError,
  UnknownStateNameError,
  StateServerUnreachableError,
} from "./src/protocol/remote-errors.ts";
export { JavaSerializationError } from "./src/protocol/java/mod.ts";

// state: the registry a state server serves
export {
  type KvState,
  type KvStateFreshness,
  type KvStateKeyPage,
  type KvStateWriteListener,
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
} from "./src/transport/transport.ts";
export { availableTransports, defaultTransport, detectRuntime, loadTransport, type RuntimeName } from "./src/transport/detect.ts";

// net: generic server and client
export { type ConnectionDiagnostics, type ServerOptions } from "./src/net/server-base.ts";
export type { RequestStats } from "./src/net/stats.ts";
export { estimateQuantile, LATENCY_BUCKETS_MS } from "./src/net/histogram.ts";
export type { DiagnosticEvent, DiagnosticsHook } from "./src/net/diagnostics.ts";
export { type MetricsSource, toPrometheus } from "./src/net/prometheus.ts";
export { type MetricsEndpointOptions, serveMetrics } from "./src/net/metrics-endpoint.ts";
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
export { KvStateServer, type KvStateServerOptions, StateLookupError } from "./src/server/kv-state-server.ts";

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
  type StateDescriptorBase,
  type StateDescriptorOptions,
  StateKind,
  type ValueStateDescriptor,
  type ValueStateOptions,
  valueState,
} from "./src/state/descriptors.ts";

// coordinator, locations and the client proxy
export { KvStateLocation, type ServerAddress } from "./src/state/kv-state-location.ts";
export { KvStateLocationRegistry, StateNameClashError } from "./src/state/kv-state-location-registry.ts";
export { type KvStateLocationOracle, type ListedState, LocationNotReadyError, type StateListing } from "./src/proxy/location-oracle.ts";
export { KvStateClientProxy, type KvStateClientProxyOptions } from "./src/proxy/kv-state-client-proxy.ts";
export { Coordinator, type CoordinatorEtcdOptions } from "./src/cluster/coordinator.ts";
export { COORDINATOR_SERVER_NAME, CoordinatorService, type CoordinatorServiceOptions } from "./src/cluster/coordinator-service.ts";
export { CoordinatorClient, type CoordinatorClientOptions } from "./src/cluster/coordinator-client.ts";
export {
  CoordinatorRejectedError,
  CoordinatorUnauthorizedError,
  CoordinatorUnavailableError,
  RemoteStateNameClashError,
} from "./src/cluster/coordinator-errors.ts";
export { COORDINATOR_PROTOCOL_VERSION, CoordinatorOp, CoordinatorRequest, CoordinatorResponse } from "./src/protocol/coordinator-messages.ts";
export { EtcdAuthError, type EtcdKeyValue, EtcdGateway, type EtcdOptions, EtcdUnavailableError, type EtcdWatchEvent, type EtcdWatchOptions, parseEtcdEndpoints } from "./src/cluster/etcd/etcd-gateway.ts";
export { EtcdLocations, type EtcdLocationsOptions } from "./src/cluster/etcd/etcd-locations.ts";
export { EtcdMembership, type EtcdMembershipOptions } from "./src/cluster/etcd/etcd-membership.ts";
export { formatHostPort, parseAddressList, parseHostPort } from "./src/transport/address.ts";

// client: typed queries over a proxy
export { type GetKvStateOptions, QueryableStateClient, type QueryableStateClientOptions } from "./src/client/queryable-state-client.ts";
export type { GetKvStatesOptions, KvStateResult } from "./src/client/batch.ts";
export type { ExtensionsMode, PeerExtensions } from "./src/client/extensions.ts";
export type { KeyPage, ListKeysOptions } from "./src/client/keys.ts";
export type { MapPage, ScanMapOptions } from "./src/client/scan.ts";
export type { MapWatchEvent, WatchEvent, WatchOptions } from "./src/client/watch.ts";
export { type Freshness, FreshnessBoundError, InvalidCursorError, UnsupportedByPeerError } from "./src/protocol/extensions.ts";
export type { ProxyExtensionOptions } from "./src/proxy/extensions.ts";
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
export { type JoinOptions, TaskManager, type TaskManagerOptions } from "./src/cluster/task-manager.ts";
export type { Membership } from "./src/cluster/membership.ts";
export { ServedSubtask, type SubtaskPlacement } from "./src/cluster/served-subtask.ts";
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
export { eitherSerializer, type Either } from "./src/types/either-serializer.ts";
export { type Row, type RowField, type RowKind, ROW_KINDS, rowSerializer } from "./src/types/row-serializer.ts";
export { type Pojo, type PojoOptions, pojoSerializer, type PojoSubclass } from "./src/types/pojo-serializer.ts";
export { enumSerializer } from "./src/types/enum-serializer.ts";
export {
  booleanArraySerializer, charArraySerializer, doubleArraySerializer, floatArraySerializer, genericArraySerializer,
  intArraySerializer, longArraySerializer, shortArraySerializer, stringArraySerializer,
} from "./src/types/array-serializers.ts";
export {
  bigDecimalSerializer,
  bigIntegerSerializer,
  bigIntFromJavaBytes,
  bigIntToJavaBytes,
  Decimal,
  javaBigIntegerHash,
} from "./src/types/big-number-serializers.ts";
export {
  dateSerializer, instantSerializer, localDateSerializer, localDateTimeSerializer, localTimeSerializer,
  sqlDateSerializer, sqlTimeSerializer, sqlTimestampSerializer,
} from "./src/types/date-serializers.ts";
export {
  Duration,
  Instant,
  LocalDate,
  LocalDateTime,
  LocalTime,
  MonthDay,
  OffsetDateTime,
  OffsetTime,
  Period,
  Year,
  YearMonth,
  ZonedDateTime,
} from "./src/types/temporal.ts";
export { nullableSerializer } from "./src/types/nullable-serializer.ts";
export { fromJsonValue, type JsonValue, toJsonValue } from "./src/types/json-value.ts";
export { type DecodeLocation, decodeLocation } from "./src/types/decode-errors.ts";
export { parseTypeExpression, TYPE_EXPRESSION_NAMES, TypeExpressionError, type TypeExpressionOptions } from "./src/types/expression.ts";
export { MissingKeyHashError, PojoSubclassError, UnsupportedTypeError } from "./src/types/type-errors.ts";
export {
  type KryoClassSpec,
  type KryoEnumSpec,
  kryoSerializer,
  type KryoSerializerOptions,
} from "./src/types/kryo/serializer.ts";
export { KryoTyped, Optional, type OptionalClass, Pattern, Uuid } from "./src/types/kryo/values.ts";
export { KryoUnsupportedClassError } from "./src/types/kryo/errors.ts";

// the state catalog: each job's states with their kinds and types (README, "State catalog")
export {
  CATALOG_STATE_KINDS,
  CATALOG_VERSION,
  type CatalogDocument,
  type CatalogEntry,
  CatalogError,
  type CatalogJob,
  type CatalogSource,
  type CatalogState,
  type CatalogStateKind,
  type CatalogType,
  NotInCatalogError,
  StateCatalog,
  type UnmappedType,
} from "./src/catalog/catalog.ts";
export {
  type CatalogBatchOptions,
  type CatalogQueryOptions,
  type CatalogStateTypes,
  catalogStateTypes,
  queryCatalogState,
  queryCatalogStates,
  type CatalogStateResult,
  valueFromJson,
  valueFromText,
} from "./src/catalog/state-types.ts";

// state schemas from Flink checkpoints and savepoints (README, "State schemas from Flink")
export { type ReadStateSchemasOptions, readStateSchemas, type StateSchemas } from "./src/schema/read-schemas.ts";
export type { SnapshotFiles } from "./src/schema/files.ts";
export { SnapshotFormatError, SnapshotNotFoundError, SnapshotPathError } from "./src/schema/errors.ts";
export { operatorIdOfUid } from "./src/schema/operator-ids.ts";
