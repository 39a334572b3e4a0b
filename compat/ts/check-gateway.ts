/**
 * Direction gateway: our HTTP gateway, served on this runtime in front of each live Flink cluster's proxies with
 * `--flink-rest` pointing at the cluster's real REST API, reads every state by the job's *name* (resolved through
 * Flink's `GET /jobs/overview`) with nothing but a catalog made from the peer's description of its states, and
 * compares each entry with the content the Flink peer computed. Batches carry all keys of a state at once; window
 * states are read per entry with their namespace. Runs unchanged on Node, Deno and Bun:
 *
 *   <runtime> compat/ts/check-gateway.ts --clusters FILE --runtime node|deno|bun
 *
 * Prints one `compat ok:` line per (cluster, state) and per name-resolution check, `compat FAIL:` otherwise.
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import type { CatalogDocument, CatalogState } from "../../mod.ts";
import { serveGateway } from "../../gateway.ts";
import { arg, mapTypes, sameJson } from "./types.ts";

interface Entry { key: unknown; value: unknown; namespace?: [string, string] | string }
interface State {
  name: string;
  kind: string;
  keyType: string;
  valueType: string;
  namespaceType?: string;
  entries: Entry[];
  avroSchemas?: Record<string, unknown>;
  /** The peer wrote this state's sets sorted (a HashSet read back iterates otherwise than the bytes). */
  setsSorted?: boolean;
}
interface Cluster {
  flinkVersion: string;
  backend: string;
  jobId: string;
  jobName: string;
  rest: string;
  proxies: string[];
  states: State[];
  types?: { jobId: string; states: State[] };
}

const runtime = arg("runtime");
const clusters: Cluster[] = readFileSync(arg("clusters"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

/**
 * The catalog entry of a state the peer describes. Left out: POJO keys (their Java hash is user code) and Kryo keys
 * (a JSON key says no Java class: `"00000000-…"` may be a String or a UUID; the client check reads them from bytes).
 */
function entryOf(s: State): CatalogState | undefined {
  if (/pojo</.test(s.keyType) || /^kryo/.test(s.keyType)) return undefined;
  const kind = s.kind as CatalogState["kind"];
  const base = { name: s.name, kind, key: s.keyType, ...(s.namespaceType ? { namespace: s.namespaceType } : {}) };
  if (kind === "map") {
    const [userKey, value] = mapTypes(s.valueType);
    return { ...base, userKey, value };
  }
  return { ...base, value: s.valueType };
}

/** JSON text with object members in key order, so equal values compare equal whatever order their members came in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** `v` with every array sorted by its members' JSON text: sets compared as sets (for the peer's setsSorted states). */
function sortedArrays(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedArrays).sort((a, b) => canonical(a) < canonical(b) ? -1 : canonical(a) > canonical(b) ? 1 : 0);
  if (v !== null && typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(o, k, { value: sortedArrays(x), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return v;
}

/** The peer writes numbers of the basic states as strings; the gateway writes ints as JSON numbers. */
function scalarsAsStrings(v: unknown): unknown {
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return v.map(scalarsAsStrings);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scalarsAsStrings(x)]));
  return v;
}

let failed = 0;
const ok = (l: string) => console.log(`compat ok: ${l}`);
const fail = (l: string) => {
  failed++;
  console.log(`compat FAIL: ${l}`);
};

for (const c of clusters) {
  const basic = c.states.map((s) => ({ s, basic: true }));
  const typed = (c.types?.jobId === c.jobId ? c.types.states : []).map((s) => ({ s, basic: false }));
  const avroSchemas: Record<string, unknown> = {};
  const states: { s: State; basic: boolean; entry: CatalogState }[] = [];
  for (const x of [...basic, ...typed]) {
    const entry = entryOf(x.s);
    if (entry === undefined) continue;
    // Avro schemas by name, shared by the whole catalog: a state whose names clash with another's schema is left out.
    const clash = Object.entries(x.s.avroSchemas ?? {}).some(([n, schema]) => n in avroSchemas && JSON.stringify(avroSchemas[n]) !== JSON.stringify(schema));
    if (clash) continue;
    Object.assign(avroSchemas, x.s.avroSchemas ?? {});
    states.push({ ...x, entry });
  }
  const catalog: CatalogDocument = {
    catalogVersion: 1,
    ...(Object.keys(avroSchemas).length > 0 ? { avroSchemas } : {}),
    jobs: [{ name: c.jobName, states: states.map((x) => x.entry) }],
  };
  const where = `flink=${c.flinkVersion} backend=${c.backend} direction=gateway`;
  const served = await serveGateway({ proxies: c.proxies.join(","), catalog, flinkRest: c.rest, port: 0, limits: { timeoutMs: 20_000 } });
  const base = `${served.url}/v1/jobs/${encodeURIComponent(c.jobName)}/states`;
  try {
    // The job's name resolves through Flink's REST API to the running job's id.
    const jobs = await (await fetch(`${served.url}/v1/jobs`)).json();
    const running = jobs.jobs?.[0]?.running;
    if (JSON.stringify(running) === JSON.stringify([c.jobId])) ok(`${where} check=name-resolution flink-rest=/jobs/overview runtime=${runtime}`);
    else fail(`${where} check=name-resolution runtime=${runtime}: ${c.jobName} resolved to ${JSON.stringify(running ?? jobs)}, expected [${c.jobId}]`);
    const unknown = await fetch(`${served.url}/v1/jobs/no-such-job/states/${encodeURIComponent(states[0].s.name)}?key=x`);
    const problem = await unknown.json();
    if (unknown.status === 404 && problem.code === "UNKNOWN_JOB_NAME" && problem.detail.includes(c.jobName)) {
      ok(`${where} check=unknown-job-name status=404 runtime=${runtime}`);
    } else fail(`${where} check=unknown-job-name runtime=${runtime}: ${unknown.status} ${JSON.stringify(problem)}`);

    for (const { s, basic: isBasic } of states) {
      const label = `${where} kind=${s.kind} type=${s.keyType}${s.namespaceType ? `@${s.namespaceType}` : ""}->${s.valueType} state=${s.name} runtime=${runtime}`;
      const same = (got: unknown, want: unknown) =>
        isBasic ? sameJson(scalarsAsStrings(got), want) : s.setsSorted ? sameJson(sortedArrays(got), sortedArrays(want)) : sameJson(got, want);
      const problems: string[] = [];
      if (s.namespaceType) {
        for (const e of s.entries) {
          // A TimeWindow as {start, end}; a GlobalWindow (the peer writes "GlobalWindow") needs no namespace.
          const ns = Array.isArray(e.namespace) ? `&namespace=${encodeURIComponent(JSON.stringify({ start: e.namespace[0], end: e.namespace[1] }))}` : "";
          const r = await fetch(`${base}/${encodeURIComponent(s.name)}?key=${encodeURIComponent(typeof e.key === "string" ? e.key : JSON.stringify(e.key))}${ns}`);
          const body = await r.json();
          if (r.status !== 200 || !same(body.value, e.value)) problems.push(`[${JSON.stringify(e.key)} ${e.namespace}] ${r.status} ${JSON.stringify(body.value ?? body)}, expected ${JSON.stringify(e.value)}`);
        }
      } else {
        const r = await fetch(`${base}/${encodeURIComponent(s.name)}/batch`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ keys: s.entries.map((e) => e.key) }),
        });
        const body = await r.json();
        if (r.status !== 200) problems.push(`batch: ${r.status} ${JSON.stringify(body)}`);
        else {
          if (body.job?.id !== c.jobId) problems.push(`batch answered for job ${JSON.stringify(body.job)}`);
          s.entries.forEach((e, i) => {
            const got = body.results[i];
            if (!("value" in got) || !same(got.value, e.value)) problems.push(`[${JSON.stringify(e.key)}] = ${JSON.stringify(got)}, expected ${JSON.stringify(e.value)}`);
          });
        }
      }
      if (problems.length === 0) ok(`${label} keys=${s.entries.length}`);
      else fail(`${label}: ${problems.slice(0, 3).join("; ")}`);
    }
  } catch (e) {
    fail(`${where} runtime=${runtime}: ${(e as Error).stack ?? e}`);
  } finally {
    await served.close();
  }
}
process.exit(failed === 0 ? 0 : 1);
