// Measures a state server's memory (RSS of its process) under connection churn and under many idle
// connections, on a runtime of choice: what each connection costs and whether it is given back. Not a
// test: nothing is asserted. Bounded in count and time. Linux only (reads /proc/<pid>/status).
// The idle connections are held twice: on the server that went through the churn (what its RSS then
// is), and on a fresh server (the cost of an idle connection itself: after churn the allocator's kept
// pages and the garbage not yet collected blur it, one way or the other).
// Run: node --import tsx scripts/measure-connection-memory.ts [--runtime deno|node|bun] [--connects 40000]
//        [--concurrency 100] [--held 5000]
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as net from "node:net";
import { encodeRequestFrame } from "../protocol.ts";
import { keyRequest } from "../tests/helpers/fixture.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const runtime = arg("runtime", "deno");
const connects = Number(arg("connects", "40000"));
const concurrency = Number(arg("concurrency", "100"));
const held = Number(arg("held", "5000"));
const linger = Number(arg("linger", "3"));

const command: Record<string, string[]> = {
  deno: [existsSync("node_modules/deno/deno") ? "node_modules/deno/deno" : "deno", "run", "-A", "scripts/serve-fixture.ts"],
  node: ["node", "--import", "tsx", "scripts/serve-fixture.ts"],
  bun: ["node_modules/.bin/bun", "scripts/serve-fixture.ts"],
};
const [cmd, ...args] = command[runtime];
type Server = { child: ReturnType<typeof spawn>; port: number };
function startServer(): Promise<Server> {
  const child = spawn(cmd, [...args, "--port", "0", "--keys", "10"], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<Server>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /LISTENING [^:]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
}
let { child, port } = await startServer();

function rssMiB(): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN; // between two servers
  }
}
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, rssMiB() || 0)), 100);

const request = encodeRequestFrame(0n, keyRequest(1));

/** Connects, sends one request, waits for the answer; then closes at once or on `release`. */
function visit(release?: Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => s.write(request));
    s.once("data", () => {
      if (release === undefined) s.end();
      else release.then(() => s.end());
    });
    s.on("error", () => resolve());
    s.on("close", () => resolve());
    if (release !== undefined) s.once("data", () => resolve());
  });
}

await wait(1000);
const base = rssMiB();
console.log(`${runtime} state server: ${base.toFixed(1)} MiB at start`);

let done = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (done < connects && performance.now() - t0 < 120_000) {
    done++;
    await visit();
  }
}));
await wait(2000);
console.log(`after ${done} connects (${concurrency} at a time, one request each): peak ${peak.toFixed(1)} MiB, ${rssMiB().toFixed(1)} MiB 2 s later`);

/** Holds `held` idle connections (each after one request), prints what they cost over `base`, then closes them. */
async function holdIdle(base: number, what: string): Promise<void> {
  peak = 0;
  let letGo!: () => void;
  const release = new Promise<void>((r) => (letGo = r));
  const holding: Promise<void>[] = [];
  for (let i = 0; i < held; i += 200) {
    const batch = Array.from({ length: Math.min(200, held - i) }, () => visit(release));
    await Promise.all(batch);
    holding.push(...batch);
  }
  await wait(1000);
  const holdingRss = rssMiB();
  console.log(`${held} idle connections held ${what}: ${holdingRss.toFixed(1)} MiB (${(((holdingRss - base) * 1024) / held).toFixed(1)} KiB per connection over ${base.toFixed(1)} MiB)`);
  letGo();
  await wait(linger * 1000);
  console.log(`all closed: ${rssMiB().toFixed(1)} MiB ${linger} s later`);
}

await holdIdle(base, "after the churn");
const first = child;
({ child, port } = await startServer());
first.kill("SIGTERM");
await wait(1000);
await holdIdle(rssMiB(), "by a fresh server");
clearInterval(sampler);
child.kill("SIGTERM");
