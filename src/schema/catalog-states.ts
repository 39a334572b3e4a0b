/**
 * A snapshot's state meta info turned into catalog states: the kind, the type expressions, the queryable name
 * and the operator's label.
 */
import { CATALOG_STATE_KINDS, type CatalogState, type CatalogType } from "../catalog/catalog.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import type { SnapshotOrLost, StateMetaInfo } from "./backend-proxy.ts";
import { collectionParts, type MappingContext, typeOf } from "./expressions.ts";
import type { OperatorMetadata } from "./metadata.ts";


export function catalogState(
  op: OperatorMetadata,
  info: StateMetaInfo,
  keyType: CatalogType,
  ctx: MappingContext,
  notes: string[],
  opLabel: string,
): Omit<CatalogState, "name"> | undefined {
  const typeName = info.options.get("KEYED_STATE_TYPE") ?? "";
  // Flink names the kind in upper case (StateDescriptor.Type).
  const kind = CATALOG_STATE_KINDS.find((k) => k.toUpperCase() === typeName);
  if (kind === undefined) {
    notes.push(`State ${JSON.stringify(info.name)} of operator ${opLabel} has kind ${JSON.stringify(typeName)}: left out.`);
    return undefined;
  }
  const v2 = info.backendStateType === "KEY_VALUE_V2";
  const valueSnapshot = info.serializers.get("VALUE_SERIALIZER");
  const namespaceSnapshot = info.serializers.get("NAMESPACE_SERIALIZER");
  let value: CatalogType, userKey: CatalogType | undefined;
  if (kind === "list" && !v2) {
    const parts = collectionParts(valueSnapshot, "list");
    value = parts ? typeOf(parts[0], ctx) : notCollection(valueSnapshot, "list");
  } else if (kind === "map" && !v2) {
    const parts = collectionParts(valueSnapshot, "map");
    userKey = parts ? typeOf(parts[0], ctx) : notCollection(valueSnapshot, "map");
    value = parts ? typeOf(parts[1], ctx) : notCollection(valueSnapshot, "map");
  } else {
    value = typeOf(valueSnapshot, ctx);
    if (kind === "map") userKey = typeOf(info.serializers.get("USER_KEY_SERIALIZER"), ctx);
  }
  const namespace = typeOf(namespaceSnapshot, ctx);
  const opName = op.name ?? op.uid;
  return {
    kind,
    key: keyType,
    ...(namespace === "void" ? {} : { namespace }),
    value,
    ...(userKey === undefined ? {} : { userKey }),
    ...(opLabel !== op.operatorId || opName !== undefined ? { operator: opName ?? opLabel } : {}),
    operatorId: op.operatorId,
    maxParallelism: op.maxParallelism,
    ...(v2 ? { description: "A state of Flink 2's State V2 API (async state): Flink serves it to no queryable state proxy." } : {}),
  };
}

function notCollection(s: SnapshotOrLost | undefined, kind: "list" | "map"): CatalogType {
  return {
    serializer: s?.className ?? "(missing)",
    reason: `a ${kind} state whose serializer is not Flink's ${kind === "list" ? "ListSerializer" : "MapSerializer"}`,
  };
}

export function queryableNameFor(
  d: { op: OperatorMetadata; info: StateMetaInfo },
  names: Readonly<Record<string, string>> | undefined,
  unique: boolean,
  qualified: string,
  uidById: ReadonlyMap<string, string>,
  unused: Set<string>,
): string | undefined {
  if (names === undefined) return undefined;
  const keys = [qualified, `${d.op.operatorId}/${d.info.name}`];
  for (const alias of [d.op.name, d.op.uid, uidById.get(d.op.operatorId)]) if (alias) keys.push(`${alias}/${d.info.name}`);
  if (unique) keys.push(d.info.name);
  else if (Object.hasOwn(names, d.info.name)) {
    throw new InvalidArgumentError(
      `queryableNames: ${JSON.stringify(d.info.name)} names states of several operators: qualify it as ${JSON.stringify(qualified)} (operator/state).`,
    );
  }
  for (const k of keys) {
    if (Object.hasOwn(names, k)) {
      unused.delete(k);
      const q = names[k];
      if (typeof q !== "string" || q === "") throw new InvalidArgumentError(`queryableNames[${JSON.stringify(k)}] must be a non-empty string.`);
      return q;
    }
  }
  return undefined;
}

/** How operators are named in state names and messages: name, uid, the uid it was derived from, else the id. */
export function operatorLabels(ops: readonly OperatorMetadata[], uidById: ReadonlyMap<string, string>): Map<OperatorMetadata, string> {
  const first = new Map(ops.map((o) => [o, o.name ?? o.uid ?? uidById.get(o.operatorId) ?? o.operatorId]));
  const count = new Map<string, number>();
  for (const l of first.values()) count.set(l, (count.get(l) ?? 0) + 1);
  return new Map(ops.map((o) => [o, count.get(first.get(o)!) === 1 ? first.get(o)! : o.operatorId]));
}

export function label(op: OperatorMetadata, uidById: ReadonlyMap<string, string>): string {
  const n = op.name ?? op.uid ?? uidById.get(op.operatorId);
  return n === undefined ? op.operatorId : `${JSON.stringify(n)} (${op.operatorId})`;
}
