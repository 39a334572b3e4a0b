/**
 * From a catalog entry to what a query needs: the key, namespace and value serializers and a state descriptor;
 * and one query through a client with them, answered as a plain value.
 */
import { InvalidArgumentError, QueryableStateError, SerializationError } from "../core/errors.ts";
import type { JobID } from "../core/ids.ts";
import type { QueryableStateClient } from "../client/queryable-state-client.ts";
import type { Freshness } from "../protocol/extensions.ts";
import { listState, type ListStateDescriptor, mapState, type MapStateDescriptor, valueState, type ValueStateDescriptor } from "../state/descriptors.ts";
import { parseTypeExpression, type TypeExpressionOptions } from "../types/expression.ts";
import { fromJsonValue } from "../types/json-value.ts";
import { UnsupportedTypeError } from "../types/type-errors.ts";
import type { TypeSerializer } from "../types/type-serializer.ts";
import { voidNamespaceSerializer } from "../types/void-namespace.ts";
import type { CatalogEntry, CatalogType } from "./catalog.ts";

/** The serializers of one catalog entry, ready for `QueryableStateClient.getKvState`. */
export interface CatalogStateTypes {
  /** The entry they were made from. */
  readonly entry: CatalogEntry;
  /** The key's serializer. */
  readonly keyType: TypeSerializer<unknown>;
  /** The namespace's serializer; `undefined` for plain keyed state (`void`). */
  readonly namespaceType: TypeSerializer<unknown> | undefined;
  /**
   * The descriptor to query with: a value descriptor for value, reducing, aggregating and folding states (the
   * bytes of all four are one value: the value, or the accumulator), a list or map descriptor for those kinds.
   */
  readonly descriptor: ValueStateDescriptor<unknown> | ListStateDescriptor<unknown> | MapStateDescriptor<unknown, unknown>;
}

/**
 * The serializers and descriptor of a catalog entry. `options.avro` resolves `avro:NAME` (the gateway and the CLI
 * pass schemas from the catalog's `avroSchemas` or from files beside it).
 * @throws UnsupportedTypeError (`UNSUPPORTED_TYPE`) for a type the catalog lists as unmapped, or Avro without `options.avro`
 *
 * @example
 * ```ts
 * import { catalogStateTypes, type QueryableStateClient, StateCatalog } from "queryable-state";
 *
 * const catalog = StateCatalog.parse({ catalogVersion: 1, jobs: [{ name: "clicks", states: [
 *   { name: "clicks-per-user", kind: "reducing", key: "string", value: "long" }] }] });
 * const { keyType, descriptor } = catalogStateTypes(catalog.find("clicks", "clicks-per-user"));
 * console.log(descriptor.kind, keyType.name); // value StringSerializer (a reducing state's bytes are one value)
 * async function clicksOf(client: QueryableStateClient, jobId: string, user: string) {
 *   return await client.getKvState(jobId, "clicks-per-user", user, keyType, descriptor);
 * }
 * ```
 */
export function catalogStateTypes(entry: CatalogEntry, options: TypeExpressionOptions = {}): CatalogStateTypes {
  const { state } = entry;
  const type = (slot: string, t: CatalogType | undefined): TypeSerializer<unknown> => {
    if (t === undefined) return voidNamespaceSerializer as TypeSerializer<unknown>;
    if (typeof t !== "string") {
      throw new UnsupportedTypeError(
        `The ${slot} of ${entry.label} has no type expression: its serializer ${t.serializer} could not be mapped (${t.reason}). ` +
          `Write the type expression by hand in the entry's "${slot}" if you know the bytes' layout.`,
      );
    }
    try {
      return parseTypeExpression(t, options);
    } catch (e) {
      if (e instanceof QueryableStateError) e.message = `The ${slot} type of ${entry.label}: ${e.message}`;
      throw e;
    }
  };
  const keyType = type("key", state.key);
  const namespace = type("namespace", state.namespace);
  const value = type("value", state.value);
  const name = entry.queryableName;
  const descriptor = state.kind === "list"
    ? listState(name, value)
    : state.kind === "map"
    ? mapState(name, type("userKey", state.userKey), value)
    : valueState(name, value);
  return { entry, keyType, namespaceType: namespace === voidNamespaceSerializer ? undefined : namespace, descriptor };
}

/**
 * A key or namespace given as text (a URL's query parameter, a command-line flag) as a value of `serializer`'s type:
 * the text itself when the type reads it from a JSON string (strings, numbers, decimals, dates, bytes as hex …),
 * else the text parsed as JSON (tuples, POJOs and rows, windows: `["ada","3"]`, `{"start":0,"end":60000}`).
 * @param what names the part in errors, e.g. "key" or "namespace"
 * @param expression the type's expression, for errors
 * @throws InvalidArgumentError naming what does not fit
 */
export function valueFromText(serializer: TypeSerializer<unknown>, text: string, what: string, expression: string): unknown {
  let first: unknown;
  try {
    return fromJsonValue(serializer, text);
  } catch (e) {
    if (!(e instanceof InvalidArgumentError)) throw e;
    first = e;
  }
  const t = text.trim();
  if (/^[[{"]|^-?\d|^(true|false|null)$/.test(t)) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      json = undefined;
    }
    if (json !== undefined) {
      try {
        return fromJsonValue(serializer, json);
      } catch (e) {
        if (!(e instanceof InvalidArgumentError)) throw e;
        first = e;
      }
    }
  }
  throw new InvalidArgumentError(
    `Cannot read the ${what} ${JSON.stringify(text)} as ${expression}: ${(first as Error).message} Give values of composite types as ` +
      `JSON (tuples as arrays, POJOs, rows and windows as objects, 64-bit integers and decimals as strings).`,
    { cause: first },
  );
}

/**
 * A key or namespace given as JSON (already parsed) as a value of `serializer`'s type ({@link fromJsonValue}); an
 * error names the part.
 * @throws InvalidArgumentError naming what does not fit
 */
export function valueFromJson(serializer: TypeSerializer<unknown>, json: unknown, what: string, expression: string): unknown {
  try {
    return fromJsonValue(serializer, json);
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      throw new InvalidArgumentError(`Cannot read the ${what} ${JSON.stringify(json)} as ${expression}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/** Per-query options of {@link queryCatalogState}. */
export interface CatalogQueryOptions {
  /** The namespace (a value of the entry's namespace type); required when the entry's namespace is not `void`. */
  namespace?: unknown;
  /** Give up after this long. @default the client's `requestTimeoutMs` */
  timeoutMs?: number;
  /** Abort the query. */
  signal?: AbortSignal;
}

/**
 * Queries the state of `types` for `key` and answers a plain value: the value (value, reducing, aggregating and
 * folding states: the stored value or accumulator), an array (list states) or a Map (map states). An answer the
 * entry's types do not decode is a SerializationError naming the catalog entry.
 *
 * @example
 * ```ts
 * import { catalogStateTypes, queryCatalogState, type QueryableStateClient, type StateCatalog } from "queryable-state";
 *
 * async function lookUp(client: QueryableStateClient, catalog: StateCatalog, jobId: string) {
 *   const types = catalogStateTypes(catalog.find(undefined, "clicks-per-user"));
 *   return await queryCatalogState(client, jobId, types, "ada"); // e.g. 3n
 * }
 * ```
 */
export async function queryCatalogState(
  client: QueryableStateClient,
  jobId: JobID | string,
  types: CatalogStateTypes,
  key: unknown,
  options: CatalogQueryOptions = {},
): Promise<unknown> {
  const { entry, keyType, namespaceType, descriptor } = types;
  const ns = namespaceType === undefined ? {} : { namespace: options.namespace ?? onlyNamespace(types), namespaceType };
  const q = { ...ns, timeoutMs: options.timeoutMs, signal: options.signal };
  try {
    switch (descriptor.kind) {
      case "value":
        return (await client.getKvState(jobId, entry.queryableName, key, keyType, descriptor, q)).value();
      case "list":
        return [...(await client.getKvState(jobId, entry.queryableName, key, keyType, descriptor, q)).get()];
      case "map":
        return new Map((await client.getKvState(jobId, entry.queryableName, key, keyType, descriptor, q)).entries());
    }
  } catch (e) {
    throw namingEntry(e, types);
  }
}

/** One key's outcome in {@link queryCatalogStates}: its plain value, or why there is none. */
export type CatalogStateResult =
  | { readonly key: unknown; readonly ok: true; readonly value: unknown; readonly freshness?: Freshness }
  | { readonly key: unknown; readonly ok: false; readonly error: QueryableStateError; readonly freshness?: Freshness };

/** Options of {@link queryCatalogStates}: those of one query, and freshness bounds (see `GetKvStatesOptions`). */
export interface CatalogBatchOptions extends CatalogQueryOptions {
  /** Fail keys whose state is further behind its input (needs our proxy and state servers). */
  maxStalenessMs?: number;
  /** Fail keys whose state's version in their key group is lower (read-your-writes). */
  minVersion?: bigint;
  /** Wait up to this long for the bounds to be met. @default 0 */
  waitMs?: number;
}

/**
 * {@link queryCatalogState} for many keys in one call (`QueryableStateClient.getKvStates`: one request per chunk
 * through a proxy of ours, concurrent single queries through Flink's): one result per key, in order. Failures of the
 * whole call (unknown job or state, timeout, no connection) reject.
 *
 * @example
 * ```ts
 * import { catalogStateTypes, queryCatalogStates, type QueryableStateClient, type StateCatalog } from "queryable-state";
 *
 * async function lookUp(client: QueryableStateClient, catalog: StateCatalog, jobId: string) {
 *   const types = catalogStateTypes(catalog.find(undefined, "clicks-per-user"));
 *   for (const r of await queryCatalogStates(client, jobId, types, ["ada", "bob"])) console.log(r.key, r.ok ? r.value : r.error.code);
 * }
 * ```
 */
export async function queryCatalogStates(
  client: QueryableStateClient,
  jobId: JobID | string,
  types: CatalogStateTypes,
  keys: readonly unknown[],
  options: CatalogBatchOptions = {},
): Promise<CatalogStateResult[]> {
  const { entry, keyType, namespaceType, descriptor } = types;
  const ns = namespaceType === undefined ? {} : { namespace: options.namespace ?? onlyNamespace(types), namespaceType };
  let results;
  try {
    results = await client.getKvStates(jobId, entry.queryableName, keys, keyType, descriptor as ValueStateDescriptor<unknown>, {
      ...ns,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      maxStalenessMs: options.maxStalenessMs,
      minVersion: options.minVersion,
      waitMs: options.waitMs,
    });
  } catch (e) {
    throw namingEntry(e, types);
  }
  return results.map((r): CatalogStateResult => {
    const fresh = r.freshness === undefined ? {} : { freshness: r.freshness };
    if (!r.ok) return { key: r.key, ok: false, error: namingEntry(r.error, types) as QueryableStateError, ...fresh };
    const state = r.state as unknown as { kind?: string; value(): unknown; get(): unknown; entries(): Iterable<[unknown, unknown]> };
    switch (descriptor.kind) {
      case "value":
        return { key: r.key, ok: true, value: state.value(), ...fresh };
      case "list":
        return { key: r.key, ok: true, value: [...(state.get() as Iterable<unknown>)], ...fresh };
      case "map":
        return { key: r.key, ok: true, value: new Map(state.entries()), ...fresh };
    }
  });
}

/** The one value of a namespace type that has one (`globalwindow`), so that it may be left out. */
function onlyNamespace({ entry, namespaceType }: CatalogStateTypes): unknown {
  try {
    return fromJsonValue(namespaceType!, null);
  } catch {
    throw new InvalidArgumentError(
      `${entry.label} is kept per namespace of type ${String(entry.state.namespace)}: give the namespace to read ` +
        '(e.g. {"start":0,"end":60000} for timewindow).',
    );
  }
}

/** A decoding failure names the catalog entry whose types did not fit. */
function namingEntry(e: unknown, types: CatalogStateTypes): unknown {
  if (!(e instanceof SerializationError) && !(e instanceof QueryableStateError && DECODING.has(e.code))) return e;
  const { state, label } = types.entry;
  const typeText = (t: CatalogType | undefined) => (typeof t === "string" ? t : t === undefined ? "void" : t.serializer);
  e.message += ` The catalog's ${label} says: ${state.kind} state, key ${typeText(state.key)}` +
    `${state.namespace === undefined ? "" : `, namespace ${typeText(state.namespace)}`}` +
    `${state.kind === "map" ? `, map key ${typeText(state.userKey)}` : ""}, value ${typeText(state.value)}: fix that entry if the job's types differ.`;
  return e;
}

const DECODING = new Set(["TRUNCATED_INPUT", "POJO_SUBCLASS", "AVRO_DECODE"]);
