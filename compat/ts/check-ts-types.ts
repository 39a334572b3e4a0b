/**
 * Direction ts-client, type families: our QueryableStateClient reads the types states of running Flink
 * clusters (POJOs, rows, tuples, Either, enums, arrays, big numbers, dates and times, nullable wrappers,
 * nested collections, Avro generic records; keys of long, tuple, POJO, decimal and date types) and compares every entry with
 * the content the Flink peer computed from its input (`types` in the peer's cluster JSON line). Runs
 * unchanged on Node, Deno and Bun:
 *
 *   <runtime> compat/ts/check-ts-types.ts --clusters FILE --runtime node|deno|bun
 *
 * Serializers come from the states' type expressions (`parseTypeExpression`; an `avro:NAME` in one is
 * `avroSerializer` of `queryable-state/avro` on the schema the peer sent as `avroSchemas.NAME`, given through
 * the parser's `avro` option, as the CLI gives it the schema files it read); a key is rebuilt by reading
 * the bytes Flink's key serializer wrote for it (checked against the key's JSON), values are rendered with
 * `toJsonValue` (the CLI's `--json` conventions) and compared with the peer's JSON. Prints one
 * `compat ok:` line per (cluster, state), `compat FAIL:` with the reason otherwise.
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import {
  ByteReader,
  fromHex,
  fromJsonValue,
  javaStringHash,
  listState,
  mapState,
  parseTypeExpression,
  QueryableStateClient,
  type StateDescriptor,
  toJsonValue,
  type TypeExpressionOptions,
  type TypeSerializer,
  valueState,
} from "../../mod.ts";
import { arg, contentOf, mapTypes, sameJson, sortSets } from "./types.ts";

interface Entry { key: unknown; keyBytes: string; value: unknown; namespace?: unknown }
interface State {
  name: string;
  kind: string;
  keyType: string;
  valueType: string;
  /** The namespace's type expression (a window operator's per-window state); each entry's `namespace` is its JSON. */
  namespaceType?: string;
  entries: Entry[];
  /** The Avro schemas that `avro:NAME` in `valueType` names. */
  avroSchemas?: Record<string, Record<string, unknown>>;
  /** The peer rendered this state's sets sorted (see sortSets); else in the order it iterates them. */
  setsSorted?: boolean;
}
interface Cluster { flinkVersion: string; backend: string; proxies: string[]; types?: { jobId: string; states: State[] } }

// deno-lint-ignore no-explicit-any
type AnySerializer = TypeSerializer<any>;

/**
 * Java's hashCode() of the peer's POJO keys, as their classes define it: a POJO's hash is user code, so a
 * client supplies it (here as `UserKey.hashCode()` reads: `31 * user.hashCode() + bucket`).
 */
const POJO_HASHES: Record<string, (v: Record<string, unknown>) => number> = {
  "dev.qstate.compat.UserKey": (v) => (Math.imul(31, javaStringHash(v.user as string)) + (v.bucket as number)) | 0,
};

/** The key serializer of a type expression, with the user-supplied hash for a POJO key. */
function keySerializer(expr: string): AnySerializer {
  const s = parseTypeExpression(expr);
  const pojo = /^pojo<([\w$.]+)>/.exec(expr);
  if (!pojo) return s;
  const hash = Object.hasOwn(POJO_HASHES, pojo[1]) ? POJO_HASHES[pojo[1]] : undefined;
  if (!hash) throw new Error(`no hashCode known for POJO key ${pojo[1]}`);
  return { ...s, hashCode: (v: Record<string, unknown>) => hash(v) };
}

/** The Avro entry, loaded only when a state needs it (as the CLI loads it). */
let avro: typeof import("../../avro.ts") | undefined;

/** The parser's options for a state: `avro:NAME` is the serializer of the schema the peer sent under NAME. */
function typeOptions(s: State): TypeExpressionOptions {
  return {
    avro: (name) => {
      const schema = s.avroSchemas && Object.hasOwn(s.avroSchemas, name) ? s.avroSchemas[name] : undefined;
      if (!schema) throw new Error(`the peer sent no Avro schema ${name}`);
      if (!avro) throw new Error("the Avro entry is not loaded");
      return avro.avroSerializer(schema);
    },
  };
}

function descriptorOf(s: State): StateDescriptor {
  const o = typeOptions(s);
  switch (s.kind) {
    case "value":
      return valueState(s.name, parseTypeExpression(s.valueType, o));
    case "list":
      return listState(s.name, parseTypeExpression(s.valueType, o));
    case "map": {
      const [k, v] = mapTypes(s.valueType);
      return mapState(s.name, parseTypeExpression(k, o), parseTypeExpression(v, o));
    }
    default:
      throw new Error(`unknown state kind ${s.kind}`);
  }
}

/**
 * A type expression with POJO field lists dropped and packages cut: `pojo<Stats>`, as labels show it; an Avro
 * record `avro:User` shows as `avro<User>`.
 */
function shortType(expr: string): string {
  let out = expr.replace(/avro:([\w$.]+)/g, "avro<$1>");
  // Field lists and class descriptions ({...}, innermost first), then package names.
  for (let prev = ""; prev !== out;) {
    prev = out;
    // A subclass alternative: `| com.acme.Circle{radius:double}` shows as `|Circle`, a tagged one as `|Square#0`.
    out = out.replace(/\s*\|\s*(?:[\w$]+\.)*([\w$]+)(#\d+)?\{[^{}]*\}/, "|$1$2");
    out = out.replace(/\{[^{}]*\}/, "");
  }
  return out.replace(/(?:final |enum )?(?:[a-z][\w]*\.)+([A-Z][\w$]*)/g, "$1");
}

function typeLabel(s: State): string {
  const value = s.kind === "list" ? `list<${s.valueType}>` : s.valueType;
  return `${shortType(s.keyType)}${s.namespaceType ? `@${s.namespaceType}` : ""}->${shortType(value)}`;
}

const show = (v: unknown) => JSON.stringify(v);

async function checkState(client: QueryableStateClient, jobId: string, s: State): Promise<string | null> {
  let ks: AnySerializer, d: StateDescriptor;
  try {
    ks = keySerializer(s.keyType);
    d = descriptorOf(s);
  } catch (err) {
    return `types ${s.keyType} / ${s.valueType}: ${(err as Error).message}`;
  }
  const problems = await Promise.all(s.entries.map(async (e): Promise<string | null> => {
    let key: unknown;
    try {
      const r = new ByteReader(fromHex(e.keyBytes));
      key = ks.deserialize(r);
      if (r.remaining !== 0) return `${s.name}[${show(e.key)}]: ${r.remaining} byte(s) left after reading the key`;
    } catch (err) {
      return `${s.name}[${show(e.key)}]: reading Flink's key bytes ${e.keyBytes}: ${(err as Error).message}`;
    }
    if (!sameJson(toJsonValue(key), e.key)) return `${s.name}: key bytes read as ${show(toJsonValue(key))}, expected ${show(e.key)}`;
    let got: unknown;
    try {
      // A window's state: its namespace from the peer's JSON, read as the CLI reads --namespace.
      const ns = s.namespaceType === undefined ? {} : (() => {
        const namespaceType = parseTypeExpression(s.namespaceType!);
        return { namespace: fromJsonValue(namespaceType, e.namespace ?? null), namespaceType };
      })();
      const content = contentOf(s.kind, await client.getKvState(jobId, s.name, key, ks, d, ns));
      got = toJsonValue(s.setsSorted ? sortSets(content) : content);
    } catch (err) {
      return `${s.name}[${show(e.key)}]: ${(err as Error).message}`;
    }
    return sameJson(got, e.value) ? null : `${s.name}[${show(e.key)}] = ${show(got)}, expected ${show(e.value)}`;
  }));
  return problems.find((p) => p !== null) ?? null;
}

const runtime = arg("runtime");
const clusters: Cluster[] = readFileSync(arg("clusters"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
let failed = 0;
if (clusters.some((c) => c.types?.states.some((s) => s.avroSchemas))) avro = await import("../../avro.ts");
for (const c of clusters) {
  if (!c.types) {
    failed++;
    console.log(`compat FAIL: flink=${c.flinkVersion} backend=${c.backend} direction=ts-client runtime=${runtime}: the cluster line has no types states`);
    continue;
  }
  const proxy = c.proxies[0];
  const client = new QueryableStateClient(proxy.slice(0, proxy.lastIndexOf(":")), Number(proxy.slice(proxy.lastIndexOf(":") + 1)), { requestTimeoutMs: 20_000 });
  try {
    for (const s of c.types.states) {
      const problem = await checkState(client, c.types.jobId, s);
      const label = `flink=${c.flinkVersion} backend=${c.backend} direction=ts-client kind=${s.kind} type=${typeLabel(s)} runtime=${runtime}`;
      if (problem === null) console.log(`compat ok: ${label}`);
      else {
        failed++;
        console.log(`compat FAIL: ${label}: ${problem}`);
      }
    }
  } finally {
    await client.close();
  }
}
process.exitCode = failed === 0 ? 0 : 1;
