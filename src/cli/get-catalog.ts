/** `qstate get --catalog FILE`: the state's kind and types from a state catalog instead of type flags. */
import { JobID } from "../core/ids.ts";
import { InvalidArgumentError } from "../core/errors.ts";
import { type CatalogStateTypes, catalogStateTypes, queryCatalogState } from "../catalog/state-types.ts";
import { loadCatalogFile } from "../catalog/file.ts";
import { asUsage, UsageError } from "./args.ts";
import { openQueryClient, type QueryClientFlags } from "./query-client.ts";
import { parseValue } from "./types.ts";

/** What `qstate get` needs to query through a catalog. */
export interface CatalogGetOptions extends QueryClientFlags {
  catalog: string;
  proxy: string;
  /** A job id, or the name of a catalog job that has a `jobId`. */
  job: string;
  state: string;
  key: string;
  namespace?: string;
  keyHash?: number;
  timeoutMs: number;
  /** Type flags given too (they may not be: the catalog gives the types). */
  typeFlags: readonly string[];
}

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** A catalog query read from the flags: everything parsed, nothing sent yet. */
export interface PreparedCatalogGet {
  readonly jobId: JobID;
  readonly types: CatalogStateTypes;
  readonly namespace: unknown;
  /** Reads a key given as text with the catalog's key type (a UsageError when it does not fit). */
  parseKey(text: string): unknown;
}

/** Reads the catalog and the flags; a mistake is a UsageError (exit code 2), found before anything is sent. */
export async function prepareCatalogGet(o: Omit<CatalogGetOptions, "key">): Promise<PreparedCatalogGet> {
  if (o.typeFlags.length > 0) {
    throw new UsageError(
      `--catalog gives the state's kind and types: leave out ${o.typeFlags.map((f) => `--${f}`).join(", ")} (or leave out --catalog).`,
      "get",
    );
  }
  const loaded = await loadCatalogFile(o.catalog).catch((e) => {
    // A missing optional package (AVRO_NOT_INSTALLED) is no mistake in the flags: exit code 1.
    if ((e as { code?: string }).code === "AVRO_NOT_INSTALLED") throw e;
    return asUsage("get", () => {
      throw e;
    });
  });
  const { catalog, typeOptions } = loaded;
  const entry = asUsage("get", () => catalog.find(o.job, o.state));
  let jobId: JobID;
  if (HEX32.test(o.job)) jobId = JobID.fromHex(o.job);
  else if (entry.job.jobId !== undefined) jobId = JobID.fromHex(entry.job.jobId);
  else {
    throw new UsageError(
      `job ${JSON.stringify(o.job)} of the catalog has no "jobId": give --job as the running job's id (32 hex digits: ` +
        "`qstate states` or Flink's web UI show it), add its \"jobId\" to the catalog, or read it by name through `qstate gateway --flink-rest URL`.",
      "get",
    );
  }
  const types = asUsage("get", () => {
    const t = catalogStateTypes(entry, typeOptions);
    return o.keyHash === undefined ? t : { ...t, keyType: { ...t.keyType, hashCode: () => o.keyHash! } };
  });
  const expression = (t: unknown) => (typeof t === "string" ? t : "");
  const parseKey = (text: string) => asUsage("get", () => parseValue(expression(entry.state.key), text, types.keyType));
  let namespace: unknown;
  if (o.namespace !== undefined) {
    if (types.namespaceType === undefined) {
      throw new UsageError(`${entry.label} has no namespace (its type is void): leave out --namespace.`, "get");
    }
    namespace = asUsage("get", () => parseValue(expression(entry.state.namespace), o.namespace!, types.namespaceType));
  }
  return { jobId, types, namespace, parseKey };
}

/** A window state read without --namespace is a mistake in the flags. */
export function namespaceHint(e: unknown, q: PreparedCatalogGet): unknown {
  if (e instanceof InvalidArgumentError && q.namespace === undefined && q.types.namespaceType !== undefined) {
    return new UsageError(`${e.message.replace("give the namespace", "give --namespace")}`, "get", { code: e.code, cause: e });
  }
  return e;
}

/** Runs the query with the catalog's types; resolves with the value (a Map for map states). */
export async function runCatalogGet(o: CatalogGetOptions): Promise<unknown> {
  const q = await prepareCatalogGet(o);
  const key = q.parseKey(o.key);
  const client = openQueryClient("get", o);
  try {
    return await queryCatalogState(client, q.jobId, q.types, key, { namespace: q.namespace, timeoutMs: o.timeoutMs }).catch((e) => {
      throw namespaceHint(e, q);
    });
  } finally {
    await client.close();
  }
}
