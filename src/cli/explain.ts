/** `qstate explain`: shows how a query is routed and the exact bytes it puts on the wire. */
import { JobID } from "../core/ids.ts";
import { computeKeyGroupForKeyHash, computeOperatorIndexForKeyGroup } from "../core/key-groups.ts";
import { toHex } from "../core/hex.ts";
import { murmurHash } from "../core/murmur.ts";
import { encodeRequestFrame, KvStateRequest } from "../protocol/messages.ts";
import { serializeKeyAndNamespace } from "../state/kv-state-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../types/void-namespace.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { parseValue, serializerForType } from "./types.ts";
import { toJsonValue } from "../types/json-value.ts";

export interface ExplainOptions {
  job: string;
  state: string;
  key: string;
  keyType: string;
  /** The key's Java hashCode() when it is user code (POJO keys); overrides the computed one. */
  keyHash?: number;
  maxParallelism: number;
  parallelism: number;
}

/** Builds the report as plain data (printed as text or JSON by the caller). */
export function explainQuery(o: ExplainOptions): Record<string, unknown> {
  const declared = serializerForType(o.keyType);
  const serializer = o.keyHash === undefined ? declared : { ...declared, hashCode: () => o.keyHash! };
  if (!serializer.hashCode) {
    throw new InvalidArgumentError(`Type '${o.keyType}' cannot be a key: its Java hashCode is not value-based (identity or per-JVM, as for arrays, enums and rows), so Flink could not route it stably.`);
  }
  const key = parseValue(o.keyType, o.key, serializer);
  const jobId = JobID.fromHex(o.job);
  const keyAndNamespace = serializeKeyAndNamespace(key, serializer, VoidNamespace, voidNamespaceSerializer);
  const hash = serializer.hashCode(key);
  const keyGroup = computeKeyGroupForKeyHash(hash, o.maxParallelism);
  const frame = encodeRequestFrame(0n, new KvStateRequest(jobId, o.state, hash, keyAndNamespace));
  return {
    jobId: jobId.toString(),
    state: o.state,
    key: toJsonValue(key),
    keyType: o.keyType,
    javaHashCode: hash,
    murmurHash: murmurHash(hash),
    maxParallelism: o.maxParallelism,
    keyGroup,
    parallelism: o.parallelism,
    operatorIndex: computeOperatorIndexForKeyGroup(o.maxParallelism, o.parallelism, keyGroup),
    serializedKeyAndNamespace: toHex(keyAndNamespace),
    requestFrame: toHex(frame),
  };
}
