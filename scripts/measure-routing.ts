// Measures what a client with three proxies sees when the preferred one is frozen (a proxy that accepts
// connections and never answers, as a SIGSTOPped process does): latency percentiles of queries for keys
// the healthy proxies serve, and how many exceeded one attempt deadline or failed. Not a test: timing is
// never asserted. Bounded in count and time.
// Run: node --import tsx scripts/measure-routing.ts [--requests 400] [--concurrency 8] [--timeout 10000]
//        [--attempt MS] [--hedge MS] [--max-seconds 60]
import { defaultTransport, LocalCluster, QueryableStateClient, reducingState, longSerializer, stringSerializer, type KeyedJob } from "../mod.ts";

function arg(name: string, fallback: number | undefined): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}
const requests = arg("requests", 400)!;
const concurrency = arg("concurrency", 8)!;
const timeoutMs = arg("timeout", 10_000)!;
const attemptTimeoutMs = arg("attempt", undefined);
const hedgeAfterMs = arg("hedge", undefined);
const maxSeconds = arg("max-seconds", 60)!;

const counts = reducingState("counts", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "counts" });
const keys = Array.from({ length: 100 }, (_, i) => `user-${i}`);
await using cluster = await LocalCluster.start({ taskManagers: 2 });
const job: KeyedJob<string, string> = {
  sources: [keys],
  keyBy: (k) => k,
  keyType: stringSerializer as unknown as KeyedJob<string, string>["keyType"],
  steps: [{ name: "count", states: [counts], process: (_k, ctx) => ctx.state(counts).add(1n) }],
};
const running = cluster.submit(job);
await running.sourcesDone;

// The frozen proxy: the kernel accepts, nothing reads or answers.
const t = await defaultTransport();
const frozen = await t.listen({ hostname: "127.0.0.1", port: 0, onConnection: (c) => c.pause() });
const healthy = cluster.proxyAddresses.map((a) => `${a.hostname}:${a.port}`);

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function run(label: string, proxies: string[]): Promise<void> {
  const client = new QueryableStateClient(proxies, { requestTimeoutMs: timeoutMs, attemptTimeoutMs, hedgeAfterMs });
  const latencies: number[] = [];
  const outcomes: number[] = []; // time to the answer or the failure
  const failures = new Map<string, number>();
  const until = performance.now() + maxSeconds * 1000;
  let next = 0;
  const worker = async () => {
    while (next < requests && performance.now() < until) {
      const key = keys[next++ % keys.length];
      const t0 = performance.now();
      try {
        const s = await client.getKvState(running.jobId, "counts", key, stringSerializer, counts);
        if (s.get() !== 1n) throw new Error(`wrong answer for ${key}: ${s.get()}`);
        latencies.push(performance.now() - t0);
      } catch (e) {
        outcomes.push(performance.now() - t0);
        const code = (e as { code?: string }).code ?? String(e);
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  outcomes.push(...latencies);
  latencies.sort((a, b) => a - b);
  outcomes.sort((a, b) => a - b);
  const attempt = attemptTimeoutMs ?? Math.min(Math.floor(timeoutMs / 3), 2000);
  const paidOne = latencies.filter((l) => l >= attempt && l < 2 * attempt).length;
  const paidMore = latencies.filter((l) => l >= 2 * attempt).length;
  const failed = [...failures].map(([c, n]) => `${c}×${n}`).join(" ") || "none";
  console.log(`${label}: every query, answered or failed: p50 ${percentile(outcomes, 0.5).toFixed(2)} ms, p99 ${percentile(outcomes, 0.99).toFixed(2)} ms`);
  console.log(
    `${label.padEnd(34)} answered ${String(latencies.length).padStart(4)}  p50 ${percentile(latencies, 0.5).toFixed(2).padStart(8)} ms` +
      `  p99 ${percentile(latencies, 0.99).toFixed(2).padStart(8)} ms  max ${(latencies.at(-1) ?? NaN).toFixed(0).padStart(6)} ms` +
      `  waited one attempt deadline (${attempt} ms): ${paidOne}, more: ${paidMore}  failed: ${failed}  (${seconds.toFixed(1)} s)`,
  );
}

console.log(`${requests} queries, concurrency ${concurrency}, deadline ${timeoutMs} ms, attempt ${attemptTimeoutMs ?? "default"}, hedge ${hedgeAfterMs ?? "off"}`);
await run("healthy proxies only", healthy);
await run("frozen proxy listed first", [`127.0.0.1:${frozen.addr.port}`, ...healthy]);
await frozen.close();
