/** `qstate get`: one query through a proxy, printed as text or JSON. */
import { QueryableStateClient } from "../client/queryable-state-client.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { listState, mapState, valueState } from "../state/descriptors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { parseValue, serializerForType } from "./types.ts";

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
  timeoutMs: number;
}

export { parseHostPort } from "../net/address.ts";

/** Runs the query; resolves with the value (a Map for map states). */
export async function runGet(o: GetOptions): Promise<unknown> {
  const keyType = serializerForType(o.keyType);
  const valueType = serializerForType(o.valueType);
  const key = parseValue(o.keyType, o.key);
  let namespace: { namespace?: unknown; namespaceType?: TypeSerializer<unknown> } = {};
  if (o.namespace !== undefined || o.namespaceType !== undefined) {
    if (o.namespace === undefined || o.namespaceType === undefined) {
      throw new InvalidArgumentError("--namespace and --namespace-type go together.");
    }
    namespace = { namespace: parseValue(o.namespaceType, o.namespace), namespaceType: serializerForType(o.namespaceType) };
  }
  // One proxy or several ("h1:p1,h2:p2"): a proxy that cannot be reached is skipped.
  const client = new QueryableStateClient(o.proxy, { requestTimeoutMs: o.timeoutMs, connectTimeoutMs: o.timeoutMs });
  try {
    const options = { ...namespace, timeoutMs: o.timeoutMs };
    switch (o.kind) {
      case "value":
        return (await client.getKvState(o.job, o.state, key, keyType, valueState("cli", valueType), options)).value();
      case "list":
        return [...(await client.getKvState(o.job, o.state, key, keyType, listState("cli", valueType), options)).get()];
      case "map": {
        const m = await client.getKvState(o.job, o.state, key, keyType, mapState("cli", serializerForType(o.mapKeyType), valueType), options);
        return new Map(m.entries());
      }
      default:
        throw new InvalidArgumentError(`Unknown --kind '${o.kind}': use value, list or map (reducing, aggregating and folding states read as value).`);
    }
  } finally {
    await client.close();
  }
}
