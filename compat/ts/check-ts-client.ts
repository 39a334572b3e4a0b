/**
 * Direction ts-client: our QueryableStateClient reads every state x key of running Flink
 * clusters and compares with the content the Flink peer computed from its input; then the
 * error cases (unknown key, state name, job, a wrong namespace). Runs unchanged on Node, Deno
 * and Bun:
 *
 *   <runtime> compat/ts/check-ts-client.ts --clusters FILE --runtime node|deno|bun
 *
 * FILE holds the peer's `cluster` JSON lines (one per cluster). Prints one `compat ok:` line
 * per verified (cluster, state) combination, `compat FAIL:` lines with the reason otherwise, and
 * one `compat error:` JSON line per error case (the orchestrator compares them with Flink's client).
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { JobID, QueryableStateClient, type QueryableStateError, timeWindowSerializer } from "../../mod.ts";
import { arg, contentOf, descriptor, keyOf, sameJson, serializer, toJson } from "./types.ts";

interface Entry { key: string; value: unknown; namespace?: [string, string] }
interface State { name: string; kind: string; keyType: string; valueType: string; namespaceType?: string; entries: Entry[] }
interface Cluster { flinkVersion: string; backend: string; jobId: string; proxies: string[]; states: State[] }

const runtime = arg("runtime");
const clusters: Cluster[] = readFileSync(arg("clusters"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));

function typeLabel(s: State): string {
  const key = s.namespaceType ? `${s.keyType}@${s.namespaceType}` : s.keyType;
  return `${key}->${s.kind === "list" ? `list<${s.valueType}>` : s.valueType}`;
}

async function checkState(c: Cluster, client: QueryableStateClient, s: State): Promise<string | null> {
  const d = descriptor(s.kind, s.name, s.valueType);
  const kt = serializer(s.keyType);
  for (const e of s.entries) {
    const options = e.namespace
      ? { namespace: { start: BigInt(e.namespace[0]), end: BigInt(e.namespace[1]) }, namespaceType: timeWindowSerializer }
      : {};
    let got: unknown;
    try {
      got = toJson(contentOf(s.kind, await client.getKvState(c.jobId, s.name, keyOf(s.keyType, e.key), kt, d, options)));
    } catch (err) {
      return `${s.name}[${e.key}${e.namespace ? ` ${e.namespace}` : ""}]: ${(err as Error).message}`;
    }
    if (!sameJson(got, e.value)) {
      return `${s.name}[${e.key}${e.namespace ? ` ${e.namespace}` : ""}] = ${JSON.stringify(got)}, expected ${JSON.stringify(e.value)}`;
    }
  }
  return null;
}

async function errorCase(c: Cluster, name: string, run: () => Promise<unknown>): Promise<void> {
  const line: Record<string, unknown> = { flink: c.flinkVersion, backend: c.backend, runtime, case: name };
  try {
    const v = await run();
    Object.assign(line, { ok: true, value: String(v) });
  } catch (err) {
    const e = err as QueryableStateError & { remoteClassName?: string };
    Object.assign(line, { ok: false, class: e.constructor.name, code: e.code, remoteClass: e.remoteClassName ?? null, message: e.message });
  }
  console.log(`compat error: ${JSON.stringify(line)}`);
}

let failed = 0;
for (const c of clusters) {
  for (const proxy of c.proxies) {
    const [host, port] = [proxy.slice(0, proxy.lastIndexOf(":")), Number(proxy.slice(proxy.lastIndexOf(":") + 1))];
    const client = new QueryableStateClient(host, port, { requestTimeoutMs: 20_000 });
    try {
      for (const s of c.states) {
        const problem = await checkState(c, client, s);
        const label = `flink=${c.flinkVersion} backend=${c.backend} direction=ts-client kind=${s.kind} type=${typeLabel(s)} runtime=${runtime}`;
        if (problem === null) {
          if (proxy === c.proxies[0]) console.log(`compat ok: ${label}`);
        } else {
          failed++;
          console.log(`compat FAIL: ${label} proxy=${proxy}: ${problem}`);
        }
      }
      if (proxy !== c.proxies[0]) continue;
      const value = c.states.find((s) => s.name === "value")!;
      const d = descriptor("value", "value", "long");
      const known = value.entries[0].key;
      await errorCase(c, "unknown-key", () => client.getKvState(c.jobId, "value", "no-such-user", serializer("string"), d));
      await errorCase(c, "unknown-state", () => client.getKvState(c.jobId, "no-such-state", known, serializer("string"), d));
      await errorCase(c, "unknown-job", () => client.getKvState(JobID.random(), "value", known, serializer("string"), d));
      await errorCase(c, "wrong-namespace", () =>
        client.getKvState(c.jobId, "window-sum", known, serializer("string"), d, {
          namespace: { start: 1n, end: 2n },
          namespaceType: timeWindowSerializer,
        }));
    } finally {
      await client.close();
    }
  }
}
process.exitCode = failed === 0 ? 0 : 1;
