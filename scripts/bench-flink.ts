/**
 * Side-by-side benchmark against real Flink (Java 17 and Maven, as `npm run test:flink`): getKvState on
 * the reducing state `string -> long` (keys user-0..user-11) through a proxy, every client against every
 * proxy at 1 / 16 / 128 requests in flight:
 *
 *   ours  -> flink   our QueryableStateClient (Node, this process) vs a Flink 1.20.5 MiniCluster (heap)
 *   flink -> flink   Flink's QueryableStateClient (compat/flink role `bench`) vs the same cluster
 *   flink -> ours    Flink's client vs our LocalCluster (compat/ts/serve-ours.ts on Node)
 *   ours  -> ours    our client vs our LocalCluster
 *
 * Each point: a warmup (not measured), then `--runs` measured runs in the same client (medians
 * reported, errors summed). Every answer is checked against the value the Flink peer computed from
 * its input. The Flink cluster is stopped before ours starts, so only one server runs at a time.
 *
 *   npm run bench -- --flink [--runs 3] [--quick] [--flink-version 1.20.5|2.3.0]
 *   npx tsx scripts/bench-flink.ts ...   (the same)
 *
 * Prints a table; writes scripts/bench-results/<date>-flink.jsonl (one object per point).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
// @ts-expect-error: plain JavaScript module without type declarations
import { build, PEER_DIR, startCluster, VERSIONS } from "../compat/harness/peer.mjs";
// @ts-expect-error: plain JavaScript module without type declarations
import { killAll, run, start } from "../compat/harness/processes.mjs";
import { JobID, longSerializer, QueryableStateClient, reducingState, stringSerializer } from "../mod.ts";

const opt = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const quick = process.argv.includes("--quick");
const runs = Number(opt("runs", quick ? "1" : "3"));
const flinkVersion = opt("flink-version", "1.20.5");
const CONCURRENCY = [1, 16, 128];
const requestsFor = (c: number) => (c === 1 ? 10_000 : 50_000) / (quick ? 5 : 1);
const warmupFor = (c: number) => (c === 1 ? 5_000 : 20_000) / (quick ? 5 : 1);
const STATE = "reducing";
const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, "bin", "java") : "java";

interface Point { client: string; server: string; concurrency: number; requests: number; rps: number; p50Ms: number; p99Ms: number; errors: number; runtime: string }
type Run = { rps: number; p50Ms: number; p99Ms: number; errors: number };
interface Target { server: string; proxy: string; jobId: string }

function median(rs: Run[]): Run {
  const med = (f: (r: Run) => number) => rs.map(f).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
  return { rps: med((r) => r.rps), p50Ms: med((r) => r.p50Ms), p99Ms: med((r) => r.p99Ms), errors: rs.reduce((n, r) => n + r.errors, 0) };
}

/** Our client, closed loop: `concurrency` workers, each sending its next request when its last one answers. */
async function loadOurs(client: QueryableStateClient, job: JobID, keys: string[], want: bigint[], total: number, concurrency: number): Promise<Run> {
  const descriptor = reducingState(STATE, (a: bigint, b: bigint) => a + b, longSerializer);
  const latencies = new Float64Array(total);
  let issued = 0, errors = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      const i = issued++, k = i % keys.length;
      const t0 = performance.now();
      try {
        const s = await client.getKvState(job, STATE, keys[k], stringSerializer, descriptor);
        latencies[i] = performance.now() - t0;
        if (s.get() !== want[k]) errors++;
      } catch {
        latencies[i] = performance.now() - t0;
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort();
  const pct = (p: number) => sorted[Math.min(total - 1, Math.floor(p * total))];
  return { rps: Math.round(total / seconds), p50Ms: pct(0.5), p99Ms: pct(0.99), errors };
}

async function benchOurs(t: Target, keys: string[], want: bigint[], concurrency: number): Promise<Run> {
  const [host, port] = [t.proxy.slice(0, t.proxy.lastIndexOf(":")), Number(t.proxy.slice(t.proxy.lastIndexOf(":") + 1))];
  const client = new QueryableStateClient(host, port, { requestTimeoutMs: 20_000 });
  const job = JobID.fromHex(t.jobId);
  try {
    await loadOurs(client, job, keys, want, warmupFor(concurrency), concurrency);
    const rs: Run[] = [];
    for (let r = 0; r < runs; r++) rs.push(await loadOurs(client, job, keys, want, requestsFor(concurrency), concurrency));
    return median(rs);
  } finally {
    await client.close();
  }
}

/** Flink's client: one JVM per point running the `bench` role (warmup, then `runs` JSON lines). */
async function benchFlink(t: Target, keys: string[], want: bigint[], concurrency: number): Promise<Run> {
  const dir = join(PEER_DIR, "target", `flink-${flinkVersion}`);
  const cp = `${join(dir, "classes")}:${readFileSync(join(dir, "classpath.txt"), "utf8").trim()}`;
  const r = await run(java, [
    "-Xmx512m", "-cp", cp, "dev.qstate.compat.Main", "bench", "--proxy", t.proxy, "--job", t.jobId, "--state", STATE,
    "--keys", keys.join(","), "--values", want.join(","), "--concurrency", String(concurrency),
    "--requests", String(requestsFor(concurrency)), "--warmup", String(warmupFor(concurrency)), "--runs", String(runs),
  ], { timeoutMs: 600_000 });
  const rs: Run[] = r.stdout.split("\n").filter((l: string) => l.startsWith("{")).map((l: string) => JSON.parse(l));
  if (r.code !== 0 || rs.length !== runs) throw new Error(`Flink bench role failed (exit ${r.code}):\n${r.stderr.slice(-4000)}`);
  return median(rs);
}

const points: Point[] = [];
async function measure(client: "ours" | "flink", t: Target, keys: string[], want: bigint[]): Promise<void> {
  for (const c of CONCURRENCY) {
    const m = await (client === "ours" ? benchOurs : benchFlink)(t, keys, want, c);
    const p = { client, server: t.server, concurrency: c, requests: requestsFor(c), ...m, runtime: client === "ours" ? "node" : "jvm" };
    points.push(p);
    console.error(`  ${client} -> ${t.server} c=${c}: ${m.rps} req/s, p50 ${m.p50Ms.toFixed(3)} ms, p99 ${m.p99Ms.toFixed(3)} ms, ${m.errors} errors`);
  }
}

function printTable(): void {
  const head = ["client -> server", "in flight", "req/s", "p50 ms", "p99 ms", "errors"];
  const rows = points.map((p) => [`${p.client} -> ${p.server}`, String(p.concurrency), p.rps.toLocaleString("en-US"),
    p.p50Ms.toFixed(3), p.p99Ms.toFixed(3), String(p.errors)]);
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join("  ");
  console.log(`\nreducing state string->long through a proxy; requests per point: c=1 ${requestsFor(1)}, else ${requestsFor(16)}; ` +
    `${runs === 1 ? "1 run" : `medians of ${runs} runs`}; Flink ${flinkVersion} heap vs our LocalCluster on Node ${process.versions.node}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const version = VERSIONS.find((v: { version: string }) => v.version === flinkVersion);
  if (!version) throw new Error(`unknown --flink-version ${flinkVersion}`);
  console.error(`building the Flink peer (${flinkVersion})`);
  await build(version);

  console.error(`starting Flink ${flinkVersion} (heap)`);
  const flink = await startCluster(flinkVersion, "heap");
  const entries: { key: string; value: string }[] = flink.states.find((s: { name: string }) => s.name === STATE).entries;
  const keys = entries.map((e) => e.key), want = entries.map((e) => BigInt(e.value));
  const flinkTarget = { server: "flink", proxy: flink.proxies[0], jobId: flink.jobId };
  await measure("ours", flinkTarget, keys, want);
  await measure("flink", flinkTarget, keys, want);
  flink.stop();

  console.error("starting our LocalCluster (compat/ts/serve-ours.ts on Node)");
  const ours = await start("serve-ours", process.execPath, ["--import", "tsx", "compat/ts/serve-ours.ts"], { timeoutMs: 120_000 }).first;
  const oursTarget = { server: "ours", proxy: ours.proxies[0], jobId: ours.jobs.user };
  await measure("flink", oursTarget, keys, want);
  await measure("ours", oursTarget, keys, want);

  printTable();
  const file = join("scripts", "bench-results", `${new Date().toISOString().slice(0, 10)}-flink.jsonl`);
  mkdirSync(join("scripts", "bench-results"), { recursive: true });
  writeFileSync(file, points.map((p) => JSON.stringify(p)).join("\n") + "\n");
  console.log(`\nwrote ${file}`);
}

try {
  await main();
} finally {
  killAll();
}
process.exit(0);
