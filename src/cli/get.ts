/** `qstate get`: one query through a proxy, printed as text or JSON. */
import type { QueryableStateClient } from "../client/queryable-state-client.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { listState, mapState, valueState } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { avroFilesOf, type TypeExpressionOptions } from "../types/expression.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { JobID } from "../core/ids.ts";
import { asUsage, usageErrorOf } from "./args.ts";
import { openQueryClient, type QueryClientFlags } from "./query-client.ts";
import { parseValue, serializerForType, typeOptionsFor } from "./types.ts";

export interface GetOptions extends QueryClientFlags {
  proxy: string;
  job: string;
  state: string;
  key: string;
  keyType: string;
  valueType: string;
  kind: string;
  mapKeyType: string;
  namespace?: string;
  namespaceType?: string;
  /** The key's Java hashCode(), for key types whose hash is user code (POJOs); overrides the computed one. */
  keyHash?: number;
  timeoutMs: number;
}

export { parseHostPort } from "../transport/address.ts";

/** A query read from the flags: everything parsed, nothing sent yet. */
export interface PreparedGet {
  jobId: JobID;
  key: unknown;
  keyType: TypeSerializer<unknown>;
  valueType: TypeSerializer<unknown>;
  mapKeyType: TypeSerializer<unknown>;
  namespace: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> };
}

/**
 * Runs the query; resolves with the value (a Map for map states). A mistake in the flags (job id, kind,
 * types, key or namespace text) is a UsageError (exit code 2), found before anything is sent.
 */
export async function runGet(o: GetOptions): Promise<unknown> {
  const types = await asUsageAsync("get", () => typeOptionsFor([o.valueType, o.mapKeyType, o.namespaceType]));
  const q = asUsage("get", () => prepare(o, types));
  // One proxy or several ("h1:p1,h2:p2"): a proxy that cannot be reached is skipped.
  const client = openQueryClient("get", o);
  try {
    return await query(client, o, q);
  } catch (e) {
    throw withKindHint(e, o);
  } finally {
    await client.close();
  }
}

/**
 * {@link asUsage} for the async reading of type files; a missing optional package (AVRO_NOT_INSTALLED) is no
 * mistake in the flags, and keeps exit code 1.
 */
export async function asUsageAsync<T>(command: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw (e as { code?: string }).code === "AVRO_NOT_INSTALLED" ? e : usageErrorOf(command, e);
  }
}

export function prepare(o: GetOptions, types: TypeExpressionOptions): PreparedGet {
  const jobId = JobID.fromHex(o.job);
  if (!KINDS.includes(o.kind)) {
    throw new InvalidArgumentError(`Unknown --kind '${o.kind}': use value, list or map (reducing, aggregating and folding states read as value).`);
  }
  if (avroFilesOf(o.keyType).length > 0) {
    throw new InvalidArgumentError(
      `--key-type ${o.keyType}: Avro records as keys are not supported. The proxy routes a query by the key's Java ` +
        "hashCode(), and a generic record's is Avro's GenericData.hashCode over its fields, which this library does " +
        "not compute yet; key the state by a basic type, a tuple or a POJO with a known hash.",
    );
  }
  let keyType = serializerForType(o.keyType, types);
  const valueType = serializerForType(o.valueType, types);
  const mapKeyType = serializerForType(o.mapKeyType, types);
  const key = parseValue(o.keyType, o.key, keyType);
  if (o.keyHash !== undefined) keyType = { ...keyType, hashCode: () => o.keyHash! };
  let namespace: PreparedGet["namespace"] = {};
  if (o.namespace !== undefined || o.namespaceType !== undefined) {
    if (o.namespaceType === undefined) throw new InvalidArgumentError("--namespace needs --namespace-type (e.g. timewindow, globalwindow).");
    const namespaceType = serializerForType(o.namespaceType, types);
    if (o.namespace === undefined && namespaceType.length !== 1) {
      throw new InvalidArgumentError(`--namespace-type ${o.namespaceType} needs --namespace (e.g. '{"start":0,"end":60000}' for timewindow).`);
    }
    // globalwindow and void have one value: --namespace may be left out.
    const value = o.namespace === undefined ? fromJsonValue(namespaceType, null) : parseValue(o.namespaceType, o.namespace, namespaceType);
    namespace = { namespace: value, namespaceType };
  }
  return { jobId, key, keyType, valueType, mapKeyType, namespace };
}

export const KINDS = ["value", "list", "map"];

/** A value that does not decode as --kind says is most often a state of another kind. */
export function withKindHint(e: unknown, o: GetOptions): unknown {
  if (!(e instanceof SerializationError)) return e;
  const others = ["value", "list", "map"].filter((k) => k !== o.kind).map((k) => `--kind ${k}`).join(" or ");
  return new SerializationError(
    `${e.message} If '${o.state}' is not a ${o.kind} state, try ${others}; check --key-type and --value-type${o.kind === "map" ? " and --map-key-type" : ""} too.`,
    { cause: e },
  );
}

async function query(client: QueryableStateClient, o: GetOptions, q: PreparedGet): Promise<unknown> {
  const options = { ...q.namespace, timeoutMs: o.timeoutMs };
  switch (o.kind) {
    case "value":
      return (await client.getKvState(q.jobId, o.state, q.key, q.keyType, valueState(o.state, q.valueType), options)).value();
    case "list":
      return [...(await client.getKvState(q.jobId, o.state, q.key, q.keyType, listState(o.state, q.valueType), options)).get()];
    default: {
      const m = await client.getKvState(q.jobId, o.state, q.key, q.keyType, mapState(o.state, q.mapKeyType, q.valueType), options);
      return new Map(m.entries());
    }
  }
}
