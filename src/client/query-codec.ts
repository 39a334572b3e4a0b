/**
 * What a point query sends and how its answer becomes a state: the key and namespace serialized (Flink's
 * layout, with the key's Java hash), a descriptor checked, and the answer's bytes decoded into a read-only state with
 * errors that say which side's types disagree.
 */
import { describeValue } from "../core/describe.ts";
import { InvalidArgumentError, QueryableStateError, SerializationError } from "../core/errors.ts";
import { JobID } from "../core/ids.ts";
import type { StateDescriptor } from "../state/descriptors.ts";
import { deserializeList, deserializeMap, readExactlyOne, serializeKeyAndNamespace } from "../state/kv-state-serializer.ts";
import { carryLocation, isMismatchSymptom } from "../types/decode-errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { VoidNamespace, voidNamespaceSerializer } from "../types/void-namespace.ts";
import { ImmutableAggregatingState, ImmutableFoldingState, ImmutableListState, ImmutableMapState, ImmutableReducingState, type ImmutableState, ImmutableValueState } from "./immutable-states.ts";
import type { GetKvStateOptions } from "./queryable-state-client.ts";

export function toJobId(jobId: JobID | string): JobID {
  if (jobId instanceof JobID) return jobId;
  if (typeof jobId === "string") return JobID.fromHex(jobId);
  throw new InvalidArgumentError(`jobId must be a JobID or its 32-character hex form, got ${String(jobId)}.`);
}

const KINDS = new Set(["value", "list", "map", "reducing", "aggregating", "folding"]);

export function checkDescriptor(d: StateDescriptor): void {
  if (d === null || typeof d !== "object" || !KINDS.has((d as { kind?: string }).kind as string)) {
    throw new InvalidArgumentError(
      "descriptor must be a state descriptor made by valueState, listState, mapState, reducingState, aggregatingState or foldingState.",
    );
  }
}

function isSerializer(s: unknown): s is TypeSerializer<unknown> {
  return s !== null && typeof s === "object" && typeof (s as TypeSerializer<unknown>).serialize === "function" &&
    typeof (s as TypeSerializer<unknown>).deserialize === "function";
}

/** Key+namespace bytes and the key's Java hash; every problem is an InvalidArgumentError. */
export function serializeQueryKey<K, N>(
  key: K,
  keyType: TypeSerializer<K>,
  options: GetKvStateOptions<N>,
): { keyHash: number; keyAndNamespace: Uint8Array } {
  if (!isSerializer(keyType)) {
    throw new InvalidArgumentError(
      `keyType must be a key serializer such as intSerializer, longSerializer or stringSerializer, got ${describeValue(keyType)}.`,
    );
  }
  if (typeof keyType.hashCode !== "function") {
    throw new InvalidArgumentError(
      `${keyType.name} cannot serialize query keys: the Java hashCode of its values is not value-based, so the proxy could not route the query. Key the state by a type with a value-based hash (numbers, strings, tuples of those).`,
    );
  }
  if (key === null || key === undefined) throw new InvalidArgumentError("The key must not be null or undefined.");
  let namespace: unknown = options.namespace === undefined ? VoidNamespace : options.namespace;
  let namespaceType: TypeSerializer<unknown> | undefined = options.namespaceType as TypeSerializer<unknown> | undefined;
  if (namespaceType === undefined) {
    if (namespace !== VoidNamespace) {
      throw new InvalidArgumentError("A namespace needs its serializer: pass namespaceType along with namespace.");
    }
    namespaceType = voidNamespaceSerializer as TypeSerializer<unknown>;
  } else if (!isSerializer(namespaceType)) {
    throw new InvalidArgumentError(`namespaceType must be a serializer, got ${describeValue(namespaceType)}.`);
  } else if (options.namespace === undefined) {
    if (namespaceType !== voidNamespaceSerializer) {
      throw new InvalidArgumentError("namespaceType was given without a namespace: pass the namespace to read.");
    }
    namespace = VoidNamespace;
  }
  let keyAndNamespace: Uint8Array;
  let keyHash: number;
  try {
    keyAndNamespace = serializeKeyAndNamespace(key, keyType, namespace, namespaceType);
    keyHash = keyType.hashCode(key) | 0;
  } catch (e) {
    // A key error with a code of its own (MISSING_KEY_HASH for a POJO key without hashCode) reaches the caller.
    if (e instanceof InvalidArgumentError || (e instanceof QueryableStateError && !isMismatchSymptom(e))) throw e;
    throw new InvalidArgumentError(
      `Could not serialize the key ${describeValue(key)} with ${keyType.name} (or the namespace with ${namespaceType.name}): ${messageOf(e)}`,
      { cause: e },
    );
  }
  return { keyHash, keyAndNamespace };
}

/**
 * Builds the immutable state. A decoding failure that only says the bytes do not fit is a SerializationError
 * naming the state, the failing field or element, its byte and the likely cause; an error with a code of its
 * own (POJO_SUBCLASS, UNSUPPORTED_TYPE, …) reaches the caller as it is, its message naming the state too.
 */
export function decodeState(d: StateDescriptor, bytes: Uint8Array, stateName: string, jobId: JobID): ImmutableState {
  const decoded = (read: () => unknown): unknown => {
    try {
      return read();
    } catch (e) {
      const what = `Could not decode the value of queryable state '${stateName}' (job ${jobId}) as ${d.kind} state '${d.name}'`;
      if (e instanceof QueryableStateError && !isMismatchSymptom(e)) {
        e.message = `${what}: ${e.message}`;
        throw e;
      }
      throw carryLocation(e, new SerializationError(
        `${what}: ${messageOf(e)} The descriptor's serializers probably do not match the ones the state was written with; ` +
          "use the same value, element or key/value serializers as the job.",
        { cause: e },
      ));
    }
  };
  switch (d.kind) {
    case "value":
      return new ImmutableValueState(decoded(() => readSingle(bytes, d.valueSerializer)));
    case "list":
      return new ImmutableListState(decoded(() => deserializeList(bytes, d.elementSerializer)) as unknown[]);
    case "map":
      return decoded(() => new ImmutableMapState(deserializeMap(bytes, d.userKeySerializer, d.userValueSerializer)!, d.userKeySerializer)) as ImmutableState;
    case "reducing":
      return new ImmutableReducingState(decoded(() => readSingle(bytes, d.valueSerializer)));
    case "aggregating":
      // The bytes are the accumulator; the result is computed here, outside the decoding guard,
      // so an error in user code is not mistaken for a serializer mismatch.
      return new ImmutableAggregatingState(d.aggregateFunction.getResult(decoded(() => readSingle(bytes, d.accumulatorSerializer))));
    case "folding":
      return new ImmutableFoldingState(decoded(() => readSingle(bytes, d.accumulatorSerializer)));
  }
}

function readSingle<T>(bytes: Uint8Array, serializer: TypeSerializer<T>): T {
  return readExactlyOne(bytes, serializer, (n) => `${n} byte(s) left over after reading one value with ${serializer.name}.`);
}

/** The message of `e` and of the causes it wraps (Flink's generic texts wrap the specific one). */
function messageOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e instanceof QueryableStateError && e.cause instanceof Error ? ` (${messageOf(e.cause)})` : "";
  return `${e.message}${cause}`;
}
