/**
 * Every `code` an error of this library can have: one union, so a `switch (e.code)` can be checked
 * for exhaustiveness. Codes are stable; each one's meaning is in the README's error table.
 */
export type ErrorCode =
  // bytes and arguments
  | "TRUNCATED_INPUT"
  | "INVALID_ARGUMENT"
  | "SERIALIZATION"
  // Flink's types and type expressions
  | "TYPE_EXPRESSION"
  | "UNSUPPORTED_TYPE"
  | "POJO_SUBCLASS"
  | "MISSING_KEY_HASH"
  | "KRYO_UNSUPPORTED_CLASS"
  // the state catalog
  | "CATALOG"
  | "NOT_IN_CATALOG"
  // Flink checkpoints and savepoints (qstate schema)
  | "SNAPSHOT_FORMAT"
  | "SNAPSHOT_PATH"
  | "SNAPSHOT_NOT_FOUND"
  // Avro (the queryable-state/avro entry)
  | "AVRO_SCHEMA"
  | "AVRO_DECODE"
  | "AVRO_NOT_INSTALLED"
  // the wire protocol
  | "FRAME_TOO_LARGE"
  | "INVALID_FRAME"
  | "VERSION_MISMATCH"
  | "UNKNOWN_MESSAGE_TYPE"
  | "JAVA_SERIALIZATION"
  | "FRAME_TIMEOUT"
  // failures the remote side reported
  | "REMOTE"
  | "BAD_REQUEST"
  | "UNKNOWN_KEY_OR_NAMESPACE"
  | "UNKNOWN_KV_STATE_ID"
  | "UNKNOWN_KEY_GROUP_LOCATION"
  | "UNKNOWN_LOCATION"
  | "UNKNOWN_JOB_MANAGER"
  | "UNKNOWN_JOB"
  | "UNKNOWN_STATE_NAME"
  | "SERVER_UNREACHABLE"
  // protocol extensions (our peers only)
  | "UNSUPPORTED_BY_PEER"
  | "FRESHNESS_BOUND_NOT_MET"
  | "INVALID_CURSOR"
  | "WATCH_ENDED"
  // requests and connections
  | "CONNECT_FAILED"
  | "CONNECTION_CLOSED"
  | "SERVER_FAILURE"
  | "TIMEOUT"
  | "REQUEST_ABORTED"
  | "CLIENT_CLOSED"
  | "SERVER_START_FAILED"
  | "STATE_LOOKUP_FAILED"
  // sockets (TransportError), the same on every runtime
  | TransportErrorCode
  // keyed state and jobs
  | "READ_ONLY_STATE"
  | "KEY_GROUP_OUT_OF_RANGE"
  | "STATE_KIND_MISMATCH"
  | "STATE_NAME_CLASH"
  | "NO_CURRENT_KEY"
  | "DUPLICATE_QUERYABLE_STATE_NAME"
  | "JOB_CANCELLED"
  // deployments across processes
  | "COORDINATOR_REJECTED"
  | "COORDINATOR_UNAUTHORIZED"
  | "COORDINATOR_UNAVAILABLE"
  | "LOCATION_NOT_READY"
  | "ETCD_UNAVAILABLE"
  // the HTTP gateway (queryable-state/gateway)
  | "AMBIGUOUS_JOB"
  | "UNKNOWN_JOB_NAME"
  | "JOB_LISTING_FAILED"
  | "UNAUTHORIZED"
  | "REQUEST_TOO_LARGE"
  | "ROUTE_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "TOO_MANY_STREAMS"
  | "GATEWAY_CLOSING"
  | "GATEWAY_NOT_INSTALLED"
  | "ETCD_AUTH_FAILED"
  // the CLI
  | "USAGE"
  | "RUNTIME_NOT_FOUND";

/** The codes of a `TransportError` (socket failures), the same on every runtime. */
export type TransportErrorCode =
  | "ECONNREFUSED"
  | "ECONNRESET"
  | "EPIPE"
  | "ETIMEDOUT"
  | "EADDRINUSE"
  | "EADDRNOTAVAIL"
  | "ENOTFOUND"
  | "ABORTED"
  | "CLOSED"
  | "TLS"
  | "PERMISSION_DENIED"
  | "UNKNOWN";
