/** `qstate get`: one query through a proxy, printed as text or JSON. */
import { QueryableStateClient } from "../client/queryable-state-client.ts";
import { InvalidArgumentError, SerializationError } from "../core/errors.ts";
import { listState, mapState, valueState } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { avroFilesOf } from "../types/expression.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { parseValue, serializerForType, typeOptionsFor } from "./types.ts";

export interface GetOptions {
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

/** Runs the query; resolves with the value (a Map for map states). */
export async function runGet(o: GetOptions): Promise<unknown> {
  if (avroFilesOf(o.keyType).length > 0) {
    throw new InvalidArgumentError(
      `--key-type ${o.keyType}: Avro records as keys are not supported. The proxy routes a query by the key's Java ` +
        "hashCode(), and a generic record's is Avro's GenericData.hashCode over its fields, which this library does " +
        "not compute yet; key the state by a basic type, a tuple or a POJO with a known hash.",
    );
  }
  const types = await typeOptionsFor([o.valueType, o.mapKeyType, o.namespaceType]);
  let keyType = serializerForType(o.keyType, types);
  const valueType = serializerForType(o.valueType, types);
  const key = parseValue(o.keyType, o.key, keyType);
  if (o.keyHash !== undefined) keyType = { ...keyType, hashCode: () => o.keyHash! };
  let namespace: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> } = {};
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
  // One proxy or several ("h1:p1,h2:p2"): a proxy that cannot be reached is skipped.
  const client = new QueryableStateClient(o.proxy, { requestTimeoutMs: o.timeoutMs, connectTimeoutMs: o.timeoutMs });
  try {
    return await query(client, o, key, keyType, valueType, namespace, serializerForType(o.mapKeyType, types));
  } catch (e) {
    throw withKindHint(e, o);
  } finally {
    await client.close();
  }
}

/** A value that does not decode as --kind says is most often a state of another kind. */
function withKindHint(e: unknown, o: GetOptions): unknown {
  if (!(e instanceof SerializationError)) return e;
  const others = ["value", "list", "map"].filter((k) => k !== o.kind).map((k) => `--kind ${k}`).join(" or ");
  return new SerializationError(
    `${e.message} If '${o.state}' is not a ${o.kind} state, try ${others}; check --key-type and --value-type${o.kind === "map" ? " and --map-key-type" : ""} too.`,
    { cause: e },
  );
}

async function query(
  client: QueryableStateClient,
  o: GetOptions,
  key: unknown,
  keyType: TypeSerializer<unknown>,
  valueType: TypeSerializer<unknown>,
  namespace: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> },
  mapKeyType: TypeSerializer<unknown>,
): Promise<unknown> {
  {
    const options = { ...namespace, timeoutMs: o.timeoutMs };
    switch (o.kind) {
      case "value":
        return (await client.getKvState(o.job, o.state, key, keyType, valueState(o.state, valueType), options)).value();
      case "list":
        return [...(await client.getKvState(o.job, o.state, key, keyType, listState(o.state, valueType), options)).get()];
      case "map": {
        const m = await client.getKvState(o.job, o.state, key, keyType, mapState(o.state, mapKeyType, valueType), options);
        return new Map(m.entries());
      }
      default:
        throw new InvalidArgumentError(`Unknown --kind '${o.kind}': use value, list or map (reducing, aggregating and folding states read as value).`);
    }
  }
}
