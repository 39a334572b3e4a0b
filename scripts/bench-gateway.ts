/**
 * Benchmark (not a test): the HTTP gateway's GET req/s and latency percentiles at 1 and 64 requests in flight, against
 * a bare HTTP server of the same runtime answering a constant (the HTTP ceiling: node:http, Deno.serve, Bun.serve),
 * measured in one run. A LocalCluster runs in a process of its own (Node); each runtime's gateway and bare server run
 * in a process of that runtime; the load comes from this process (Node, keep-alive connections, one per request in
 * flight), the same for every runtime.
 *
 *   node --import tsx scripts/bench-gateway.ts [--runtimes node,deno,bun] [--seconds 5]
 *
 * Prints one table; the README's gateway section quotes it. The machine's other work skews the figures: run it alone.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import process from "node:process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../", import.meta.url));

// ------------------------------------------------------------------------------------------------ server side

/** The cluster, in a process of its own (Node), so that the gateway's process does only the gateway's work. */
async function runCluster(): Promise<void> {
  const { LocalCluster, longSerializer, reducingState, stringSerializer } = await import("../mod.ts");
  const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
  const cluster = await LocalCluster.start({ taskManagers: 1 });
  const job = cluster.submit({
    name: "bench",
    sources: [Array.from({ length: 1000 }, (_, i) => `user-${i}`)],
    keyBy: (u: string) => u,
    keyType: stringSerializer,
    steps: [{ name: "count", states: [clicks], process: (_u, ctx) => ctx.state(clicks).add(1n) }],
  });
  await job.sourcesDone;
  const proxy = cluster.proxyAddresses[0];
  process.stdout.write(JSON.stringify({ jobId: job.jobId.toString(), proxy: `${proxy.hostname}:${proxy.port}` }) + "\n");
  await new Promise(() => {}); // until killed
}

/** The gateway and the bare server, on the runtime running this. */
async function serve(jobId: string, proxy: string): Promise<void> {
  const { detectRuntime } = await import("../mod.ts");
  const { serveGateway } = await import("../gateway.ts");
  const catalog = {
    catalogVersion: 1 as const,
    jobs: [{ name: "bench", jobId, states: [{ name: "clicks", kind: "reducing" as const, key: "string", value: "long" }] }],
  };
  const gateway = await serveGateway({ proxies: proxy, catalog, port: 0, console: false });
  const body = '{"job":{"id":"0","name":"bench"},"state":"clicks","key":"user-1","value":"1"}';
  let bareUrl: string;
  const runtime = detectRuntime();
  if (runtime === "deno") {
    const Deno = (globalThis as unknown as { Deno: { serve(o: unknown, h: () => Response): { addr: { port: number } } } }).Deno;
    const s = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response(body, { headers: { "content-type": "application/json" } }));
    bareUrl = `http://127.0.0.1:${s.addr.port}`;
  } else if (runtime === "bun") {
    const Bun = (globalThis as unknown as { Bun: { serve(o: unknown): { port: number } } }).Bun;
    const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });
    bareUrl = `http://127.0.0.1:${s.port}`;
  } else {
    const s = http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
    bareUrl = `http://127.0.0.1:${(s.address() as { port: number }).port}`;
  }
  process.stdout.write(JSON.stringify({ runtime, gatewayUrl: gateway.url, bareUrl }) + "\n");
  // An orderly exit on Ctrl-C, so that `node --cpu-prof` writes its profile.
  process.on("SIGINT", () => process.exit(0));
  await new Promise(() => {}); // until killed
}

// ------------------------------------------------------------------------------------------------ load side

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `inFlight` loops each sending GET `path()` back to back on its own keep-alive connection for `seconds`. */
async function load(base: string, path: () => string, inFlight: number, seconds: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: inFlight });
  const url = new URL(base);
  const latencies: number[] = [];
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.get({ host: url.hostname, port: url.port, path: path(), agent }, (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode !== 200) errors++;
          latencies.push(performance.now() - t0);
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
    });
  const start = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < until) await one();
  }));
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { rps: latencies.length / elapsed, p50: q(0.5), p99: q(0.99), errors };
}

function command(runtime: string, args: string[]): [string, string[]] {
  if (runtime === "deno") return [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", self, ...args]];
  if (runtime === "bun") return [`${root}node_modules/.bin/bun`, [self, ...args]];
  return [process.execPath, ["--import", "tsx", self, ...args]];
}

/** Starts `cmd` and resolves with the JSON line it prints first. */
function start<T>(what: string, [cmd, args]: [string, string[]]): Promise<{ info: T; kill(): void }> {
  const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve({ info: JSON.parse(out.split("\n")[0]), kill: () => child.kill("SIGKILL") });
    });
    child.on("exit", (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const runtimes = arg("runtimes", "node,deno,bun").split(",");
  const seconds = Number(arg("seconds", "5"));
  const rows: string[][] = [];
  const clusterProcess = await start<{ jobId: string; proxy: string }>("the cluster", command("node", ["--cluster"]));
  for (const runtime of runtimes) {
    const server = await start<{ gatewayUrl: string; bareUrl: string }>(`the ${runtime} servers`,
      command(runtime, ["--serve", clusterProcess.info.jobId, clusterProcess.info.proxy]));
    const info = server.info;
    try {
      let n = 0;
      const key = () => `/v1/jobs/bench/states/clicks?key=user-${n++ % 1000}`;
      for (const inFlight of [1, 64]) {
        await load(info.bareUrl, () => "/", inFlight, 1); // warm-up
        await load(info.gatewayUrl, key, inFlight, 1);
        const bare = await load(info.bareUrl, () => "/", inFlight, seconds);
        const gw = await load(info.gatewayUrl, key, inFlight, seconds);
        if (gw.errors > 0 || bare.errors > 0) console.error(`${runtime} ${inFlight}: ${gw.errors} gateway errors, ${bare.errors} bare errors`);
        rows.push([
          runtime, String(inFlight), bare.rps.toFixed(0), gw.rps.toFixed(0), `${((gw.rps / bare.rps) * 100).toFixed(0)}%`,
          `${bare.p50.toFixed(2)} / ${bare.p99.toFixed(2)}`, `${gw.p50.toFixed(2)} / ${gw.p99.toFixed(2)}`,
        ]);
        console.error(`done: ${rows[rows.length - 1].join(" ")}`);
      }
    } finally {
      server.kill();
    }
  }
  clusterProcess.kill();
  const head = ["runtime", "in flight", "bare req/s", "gateway req/s", "gateway/bare", "bare p50 / p99 ms", "gateway p50 / p99 ms"];
  const table = [head, head.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
  console.log(table);
}

const mode = process.argv.indexOf("--serve");
if (mode > 0) await serve(process.argv[mode + 1], process.argv[mode + 2]);
else if (process.argv.includes("--cluster")) await runCluster();
else await main();
