/**
 * Direction catalog (issue 22): our client reads every state of running Flink clusters through a catalog that
 * `qstate schema` derived from the cluster's own checkpoint or savepoint, no type written by hand: the key, namespace
 * and value serializers all come from the catalog (`loadCatalogFile`, `catalogStateTypes`, `queryCatalogState`, as
 * `qstate get --catalog` and the gateway use them). Keys are the peer's: rebuilt by reading Flink's key bytes with
 * the catalog's key type (plain text keys of the basic states with `valueFromText`); a POJO key's Java hashCode()
 * is user code, so it is given as `--key-hash` would give it. Values are compared as the CLI prints them
 * (`toJsonValue`). Runs unchanged on Node, Deno and Bun:
 *
 *   <runtime> compat/ts/check-catalog.ts --clusters FILE --manifest FILE --runtime node|deno|bun
 *
 * The manifest lists `{cluster, snapshot, catalog}`: the index of a cluster line in FILE, the snapshot's label
 * (`checkpoint`, `savepoint-native` …) and the catalog file. Prints one `compat ok:` line per (cluster, snapshot) when
 * every state holds what the peer computed, `compat FAIL:` lines otherwise. Two limits are expected and named: a
 * value of a class Kryo writes with its FieldSerializer (a checkpoint does not hold its fields: the read fails with
 * KRYO_UNSUPPORTED_CLASS naming the class), and, on heap, a POJO subclass Flink had not written before the snapshot
 * (POJO_SUBCLASS naming it).
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import {
  ByteReader,
  type CatalogEntry,
  catalogStateTypes,
  fromHex,
  fromJsonValue,
  javaStringHash,
  QueryableStateClient,
  QueryableStateError,
  queryCatalogState,
  toJsonValue,
  valueFromText,
} from "../../mod.ts";
import { loadCatalogFile } from "../../src/catalog/file.ts";
import { arg, sameJson, sortSets } from "./types.ts";

interface Entry { key: unknown; keyBytes?: string; value: unknown; namespace?: unknown }
interface State { name: string; kind: string; keyType: string; valueType: string; namespaceType?: string; entries: Entry[] }
interface Cluster { flinkVersion: string; backend: string; jobId: string; proxies: string[]; states: State[]; types?: { states: State[] } }
interface Item { cluster: number; snapshot: string; catalog: string }

/** `UserKey.hashCode()` of the peer (`31 * user.hashCode() + bucket`): what a user passes as --key-hash. */
const POJO_KEY_HASH = (v: Record<string, unknown>) => (Math.imul(31, javaStringHash(v.user as string)) + (v.bucket as number)) | 0;

/** The field names of a named row type (`row<id:long,name:string>`), in order; undefined for other types. */
function rowNames(expression: string): string[] | undefined {
  const m = /^row<(.*)>$/.exec(expression);
  if (!m) return undefined;
  const names: string[] = [];
  let depth = 0, start = 0;
  const inner = m[1];
  for (let i = 0; i <= inner.length; i++) {
    const ch = inner[i];
    if (ch === "<" || ch === "{") depth++;
    else if (ch === ">" || ch === "}") depth--;
    else if ((ch === "," || ch === undefined) && depth === 0) {
      const field = /^\s*([A-Za-z_$][\w$]*)\s*:/.exec(inner.slice(start, i));
      if (!field) return undefined;
      names.push(field[1]);
      start = i + 1;
    }
  }
  return names;
}

/**
 * A top-level named row as the peer renders it (fields by name) made positional, in the order its type declares: a
 * snapshot keeps no field names, so the catalog reads named rows positionally (the bytes are the same).
 */
function positional(v: unknown, names: string[] | undefined): unknown {
  if (names === undefined || v === null || typeof v !== "object" || Array.isArray(v)) return v;
  const o = v as { kind?: unknown; fields?: unknown };
  if (typeof o.kind !== "string" || o.fields === null || typeof o.fields !== "object" || Array.isArray(o.fields)) return v;
  const fields = o.fields as Record<string, unknown>;
  return { kind: o.kind, fields: names.map((n) => fields[n]) };
}

type Outcome = { ok: true } | { ok: false; limit?: string; problem: string };

async function checkState(client: QueryableStateClient, c: Cluster, entry: CatalogEntry, typeOptions: Parameters<typeof catalogStateTypes>[1], s: State): Promise<Outcome> {
  let types;
  try {
    types = catalogStateTypes(entry, typeOptions);
  } catch (e) {
    return { ok: false, problem: `the catalog's types of ${s.name}: ${(e as Error).message}` };
  }
  const keyType = /^pojo</.test(String(entry.state.key)) ? { ...types.keyType, hashCode: (v: unknown) => POJO_KEY_HASH(v as Record<string, unknown>) } : types.keyType;
  const limits = new Set<string>();
  for (const e of s.entries) {
    const at = `${s.name}[${JSON.stringify(e.key)}]`;
    let key: unknown;
    try {
      if (e.keyBytes !== undefined) {
        const r = new ByteReader(fromHex(e.keyBytes));
        key = keyType.deserialize(r);
        if (r.remaining !== 0) return { ok: false, problem: `${at}: ${r.remaining} byte(s) left after reading Flink's key bytes` };
      } else {
        key = valueFromText(keyType, String(e.key), "key", String(entry.state.key));
      }
    } catch (err) {
      return { ok: false, problem: `${at}: the catalog's key type ${JSON.stringify(entry.state.key)} does not read the key: ${(err as Error).message}` };
    }
    let got: unknown;
    try {
      const ns = e.namespace === undefined
        ? undefined
        : fromJsonValue(types.namespaceType!, Array.isArray(e.namespace) ? { start: e.namespace[0], end: e.namespace[1] } : e.namespace);
      got = toJsonValue(sortSets(await queryCatalogState(client, c.jobId, { ...types, keyType }, key, { namespace: ns })));
    } catch (err) {
      const q = err as QueryableStateError & { javaClass?: string; subclass?: string };
      if (q instanceof QueryableStateError && q.code === "KRYO_UNSUPPORTED_CLASS" && /^dev\.qstate\.compat\./.test(q.javaClass ?? "")) {
        limits.add(`Kryo FieldSerializer class ${q.javaClass}`);
        continue;
      }
      if (q instanceof QueryableStateError && q.code === "POJO_SUBCLASS" && c.backend === "heap") {
        limits.add(`unregistered POJO subclass ${q.subclass}`);
        continue;
      }
      return { ok: false, problem: `${at}: ${(err as Error).message}` };
    }
    if (!sameJson(got, positional(e.value, rowNames(s.valueType)))) return { ok: false, problem: `${at} = ${JSON.stringify(got)}, expected ${JSON.stringify(e.value)}` };
  }
  return limits.size === 0 ? { ok: true } : { ok: false, limit: [...limits].join(", "), problem: "" };
}

const runtime = arg("runtime");
const clusters: Cluster[] = readFileSync(arg("clusters"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const manifest: Item[] = JSON.parse(readFileSync(arg("manifest"), "utf8"));
let failed = 0;
for (const item of manifest) {
  const c = clusters[item.cluster];
  const label = `flink=${c.flinkVersion} backend=${c.backend} direction=catalog snapshot=${item.snapshot} runtime=${runtime}`;
  const states = [...c.states, ...(c.types?.states ?? [])];
  const proxy = c.proxies[0];
  const client = new QueryableStateClient(proxy.slice(0, proxy.lastIndexOf(":")), Number(proxy.slice(proxy.lastIndexOf(":") + 1)), { requestTimeoutMs: 20_000 });
  try {
    const { catalog, typeOptions } = await loadCatalogFile(item.catalog);
    const problems: string[] = [], limited: string[] = [];
    let compared = 0;
    for (const s of states) {
      let entry: CatalogEntry;
      try {
        entry = catalog.find("compat", s.name);
      } catch (e) {
        problems.push((e as Error).message);
        continue;
      }
      const r = await checkState(client, c, entry, typeOptions, s);
      if (r.ok) compared++;
      else if (r.limit) limited.push(`${s.name} (${r.limit})`);
      else problems.push(r.problem);
    }
    if (problems.length === 0) {
      console.log(`compat ok: ${label} states=${compared}${limited.length ? ` limited=${limited.length}: ${limited.join("; ")}` : ""}`);
    } else {
      failed++;
      console.log(`compat FAIL: ${label}: ${problems.length} state(s): ${problems.join(" | ")}`);
    }
  } catch (e) {
    failed++;
    console.log(`compat FAIL: ${label}: ${(e as Error).message}`);
  } finally {
    await client.close();
  }
}
process.exitCode = failed === 0 ? 0 : 1;
