/**
 * Benchmark (not a test): keys per second of 100-key batches (`getKvStates`, the batch-get extension) against 100
 * single queries (`getKvState` × 100 at once) at the same concurrency (operations of 100 keys in flight), through
 * one proxy of ours. Two deployments, each in a Node process of its own: `local` is a LocalCluster of 2 task
 * managers (the proxy reaches both state servers in-process, as on a task manager), `remote` a proxy whose two state
 * servers are reached over TCP (every hop a socket). The load comes from this process, whatever runtime runs it:
 *
 *   node --import tsx scripts/bench-batch.ts [--seconds 4] [--concurrency 1,4,16] [--deployments local,remote]
 *   deno run -A scripts/bench-batch.ts …      bun scripts/bench-batch.ts …
 *
 * Every answer is checked. Prints one table; the README's "Batch get" section quotes it.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../", import.meta.url));
const USERS = 10_000;
const BATCH = 100;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

// ------------------------------------------------------------------------------------------------ server side

async function serve(kind: string): Promise<void> {
  const m = await import("../mod.ts");
  const value = m.valueState("value", m.longSerializer, { queryable: "value" });
  if (kind === "local") {
    const cluster = await m.LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      name: "bench",
      parallelism: 2,
      sources: [Array.from({ length: USERS }, (_, i) => i)],
      keyBy: (i: number) => `user-${i}`,
      keyType: m.stringSerializer,
      steps: [{ name: "set", states: [value], process: (i, ctx) => ctx.state(value).update(BigInt(i)) }],
    });
    await job.sourcesDone;
    const proxy = cluster.proxyAddresses[0];
    process.stdout.write(JSON.stringify({ jobId: job.jobId.toString(), proxy: `${proxy.hostname}:${proxy.port}` }) + "\n");
  } else {
    // Two state servers of hand-made states (a map of key bytes to value bytes) and a proxy that reaches them by TCP.
    const bytes = new Map<string, Uint8Array>();
    for (let i = 0; i < USERS; i++) {
      bytes.set(m.toHex(m.serializeKeyAndNamespace(`user-${i}`, m.stringSerializer, m.VoidNamespace, m.voidNamespaceSerializer)), m.serializeValue(BigInt(i), m.longSerializer)!);
    }
    const state = { getSerializedValue: (k: Uint8Array) => bytes.get(m.toHex(k)) ?? null };
    const coordinator = new m.Coordinator();
    const jobId = m.JobID.random();
    coordinator.registerJob(jobId, new Map([["op", 128]]));
    for (let s = 0; s < 2; s++) {
      const server = new m.KvStateServer();
      const address = await server.start();
      const id = server.registry.register(state, { name: "value" });
      coordinator.notifyKvStateRegistered(jobId, "op", m.computeKeyGroupRangeForOperatorIndex(128, 2, s), "value", id, address);
    }
    const proxy = new m.KvStateClientProxy({ oracle: coordinator });
    const a = await proxy.start();
    process.stdout.write(JSON.stringify({ jobId: jobId.toString(), proxy: `${a.hostname}:${a.port}` }) + "\n");
  }
  // An orderly exit on Ctrl-C, so that `node --cpu-prof` writes its profile.
  process.on("SIGINT", () => process.exit(0));
  await new Promise(() => {}); // until killed
}

// ------------------------------------------------------------------------------------------------ load side

interface Point { keysPerSecond: number; p50: number; p99: number }

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function load(proxy: string, jobId: string, mode: "singles" | "batch", concurrency: number, seconds: number): Promise<Point> {
  const m = await import("../mod.ts");
  const value = m.valueState("value", m.longSerializer);
  const client = new m.QueryableStateClient(proxy, { requestTimeoutMs: 30_000, extensions: mode === "batch" ? "auto" : "off" });
  const pick = () => Array.from({ length: BATCH }, () => Math.floor(Math.random() * USERS));
  const check = (i: number, got: bigint | null) => {
    if (got !== BigInt(i)) throw new Error(`user-${i}: ${got}`);
  };
  const op = async () => {
    const ids = pick();
    if (mode === "singles") {
      const states = await Promise.all(ids.map((i) => client.getKvState(jobId, "value", `user-${i}`, m.stringSerializer, value)));
      states.forEach((s, j) => check(ids[j], s.value()));
    } else {
      const results = await client.getKvStates(jobId, "value", ids.map((i) => `user-${i}`), m.stringSerializer, value);
      results.forEach((r, j) => {
        if (!r.ok) throw r.error;
        check(ids[j], r.state.value());
      });
    }
  };
  try {
    for (let i = 0; i < 20; i++) await op(); // warm-up (and the batch mode's HELLO)
    const latencies: number[] = [];
    let ops = 0;
    const until = performance.now() + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        await op();
        latencies.push(performance.now() - t);
        ops++;
      }
    }));
    const elapsed = seconds + (performance.now() - until) / 1000;
    latencies.sort((a, b) => a - b);
    return { keysPerSecond: (ops * BATCH) / elapsed, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const seconds = Number(arg("seconds", "4"));
  const concurrencies = arg("concurrency", "1,4,16").split(",").map(Number);
  const deployments = arg("deployments", "local,remote").split(",");
  const { detectRuntime } = await import("../mod.ts");
  const rows: string[] = [];
  for (const kind of deployments) {
    const child = spawn(process.platform === "win32" ? "node.exe" : "node", ["--import", "tsx", self, "--serve", kind], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    try {
      const info = await new Promise<{ jobId: string; proxy: string }>((resolve, reject) => {
        let out = "";
        child.stdout!.on("data", (d) => {
          out += d;
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
        });
        child.on("exit", (code) => reject(new Error(`the ${kind} deployment exited with ${code}`)));
      });
      for (const c of concurrencies) {
        const singles = await load(info.proxy, info.jobId, "singles", c, seconds);
        const batch = await load(info.proxy, info.jobId, "batch", c, seconds);
        rows.push(`| ${detectRuntime()} | ${kind} | ${c} | ${Math.round(singles.keysPerSecond)} | ${Math.round(batch.keysPerSecond)} | ` +
          `${(batch.keysPerSecond / singles.keysPerSecond).toFixed(1)}× | ${singles.p50.toFixed(2)} / ${singles.p99.toFixed(2)} | ${batch.p50.toFixed(2)} / ${batch.p99.toFixed(2)} |`);
        console.error(rows[rows.length - 1]);
      }
    } finally {
      child.kill("SIGKILL");
    }
  }
  console.log("| client runtime | deployment | 100-key ops in flight | 100 single gets: keys/s | 100-key batch: keys/s | batch/singles | singles p50 / p99 ms | batch p50 / p99 ms |");
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
}

if (process.argv.includes("--serve")) await serve(arg("serve", "local"));
else await main();
