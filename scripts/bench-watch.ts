/**
 * Benchmark (not a test): watch delivery latency at 10k updates/s. A server process (two state servers and a proxy
 * over TCP, on the runtime measured) runs a writer that updates 1000 keys of a value state at `--rate` updates/s
 * (10000 by default), each update storing its write time (µs since the epoch); a watcher process (same runtime)
 * watches `--watch` of those keys (100 by default) through the proxy and, for every event, takes the time it got it
 * minus the write time of the value it carries: the delivery latency of the newest write (latest-value delivery:
 * writes between two polls are delivered once, as the newest). Both processes share the machine's clock.
 *
 *   node --import tsx scripts/bench-watch.ts [--runtimes node,deno,bun] [--seconds 10] [--rate 10000] [--watch 100]
 *
 * Prints one line per runtime: updates/s achieved, events/s delivered, latency p50/p99/max, and each process's CPU
 * (the machine is shared: CPU per event is the steadier figure). The README's "Watch" section quotes it.
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../", import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const KEYS = 1000;
const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

/** Two state servers and a proxy over TCP, and the writer; prints where, then writes until killed. */
async function runServer(rate: number): Promise<void> {
  const m = await import("../mod.ts");
  const { Coordinator, HeapKeyedStateBackend, JobID, KeyGroupRange, KvStateClientProxy, KvStateServer, longSerializer, stringSerializer, valueState } = m;
  const last = valueState("last-write", longSerializer, { queryable: "last-write" });
  const coordinator = new Coordinator();
  const jobId = JobID.random();
  coordinator.registerJob(jobId, new Map([["op", 128]]));
  const ranges = [new KeyGroupRange(0, 63), new KeyGroupRange(64, 127)];
  const servers = [new KvStateServer(), new KvStateServer()];
  const addresses = await Promise.all(servers.map((s) => s.start()));
  const backends = ranges.map((range, i) =>
    new HeapKeyedStateBackend({
      keySerializer: stringSerializer,
      keyGroupRange: range,
      numberOfKeyGroups: 128,
      onQueryableState: (e) => coordinator.notifyKvStateRegistered(jobId, "op", range, e.queryableStateName, servers[i].registry.register(e.kvState), addresses[i]),
    })
  );
  const states = backends.map((b) => b.getState(last));
  const proxy = new KvStateClientProxy({ oracle: coordinator });
  const p = await proxy.start();
  const keys = Array.from({ length: KEYS }, (_, i) => `user-${i}`);
  const owner = keys.map((k) => (ranges[0].contains(m.computeKeyGroupForKeyHash(stringSerializer.hashCode(k), 128)) ? 0 : 1));
  for (let i = 0; i < KEYS; i++) {
    backends[owner[i]].setCurrentKey(keys[i]);
    states[owner[i]].update(BigInt(nowUs()));
  }
  process.stdout.write(JSON.stringify({ jobId: jobId.toString(), proxy: `${p.hostname}:${p.port}` }) + "\n");
  // Paced writes: every millisecond, as many as the rate asks for since the start (catching up after a slow tick).
  const start = performance.now();
  let written = 0, next = 0;
  const cpu0 = process.cpuUsage();
  setInterval(() => {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    for (; written < due; written++) {
      const i = next;
      next = (next + 7919) % KEYS; // a prime stride: every key in turn, spread over both servers
      backends[owner[i]].setCurrentKey(keys[i]);
      states[owner[i]].update(BigInt(nowUs()));
    }
  }, 1);
  process.on("SIGTERM", () => {
    const secs = (performance.now() - start) / 1000;
    const c = process.cpuUsage(cpu0);
    process.stderr.write(JSON.stringify({ updatesPerSecond: Math.round(written / secs), cpuPercent: Math.round(((c.user + c.system) / 1e6 / secs) * 100) }) + "\n");
    process.exit(0);
  });
}

/** Watches `count` keys for `seconds`; prints the latencies' percentiles. */
async function runWatcher(jobId: string, proxy: string, count: number, seconds: number): Promise<void> {
  const { QueryableStateClient, longSerializer, stringSerializer, valueState } = await import("../mod.ts");
  const last = valueState("last-write", longSerializer);
  const client = new QueryableStateClient(proxy);
  const keys = Array.from({ length: count }, (_, i) => `user-${i * Math.floor(KEYS / count)}`);
  const ac = new AbortController();
  const warmUp = performance.now() + 1000;
  setTimeout(() => ac.abort(), (seconds + 1) * 1000);
  const latencies: number[] = [];
  let cpu0 = process.cpuUsage();
  let measuredFrom = 0;
  for await (const e of client.watch(jobId, "last-write", keys, stringSerializer, last, { signal: ac.signal })) {
    const got = nowUs();
    if (performance.now() < warmUp) continue;
    if (measuredFrom === 0) {
      measuredFrom = performance.now();
      cpu0 = process.cpuUsage();
    }
    latencies.push((got - Number(e.state!.value())) / 1000);
  }
  const secs = (performance.now() - measuredFrom) / 1000;
  const c = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  process.stdout.write(JSON.stringify({
    events: latencies.length,
    eventsPerSecond: Math.round(latencies.length / secs),
    p50Ms: +q(0.5).toFixed(2),
    p99Ms: +q(0.99).toFixed(2),
    maxMs: +latencies[latencies.length - 1].toFixed(2),
    cpuPercent: Math.round(((c.user + c.system) / 1e6 / secs) * 100),
    cpuUsPerEvent: Math.round((c.user + c.system) / latencies.length),
  }) + "\n");
  await client.close();
  process.exit(0);
}

function commandFor(runtime: string, args: string[]): [string, string[]] {
  if (runtime === "deno") return [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", self, ...args]];
  if (runtime === "bun") return [`${root}node_modules/.bin/bun`, [self, ...args]];
  return [process.execPath, ["--import", "tsx", self, ...args]];
}

function firstLine(child: ReturnType<typeof spawn>, stream: "stdout" | "stderr" = "stdout"): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    child[stream]!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl));
    });
    child.on("exit", (code) => reject(new Error(`exited with ${code}: ${out}`)));
  });
}

async function main(): Promise<void> {
  const role = arg("role", "main");
  if (role === "server") return await runServer(Number(arg("rate", "10000")));
  if (role === "watcher") return await runWatcher(arg("job", ""), arg("proxy", ""), Number(arg("watch", "100")), Number(arg("seconds", "10")));
  const seconds = arg("seconds", "10"), rate = arg("rate", "10000"), count = arg("watch", "100");
  console.log(`watch delivery latency: ${rate} updates/s over ${KEYS} keys, ${count} keys watched, ${seconds} s per runtime`);
  for (const runtime of arg("runtimes", "node,deno,bun").split(",")) {
    const [sc, sa] = commandFor(runtime, ["--role", "server", "--rate", rate]);
    const server = spawn(sc, sa, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const where = JSON.parse(await firstLine(server));
      const [wc, wa] = commandFor(runtime, ["--role", "watcher", "--job", where.jobId, "--proxy", where.proxy, "--watch", count, "--seconds", seconds]);
      const watcher = spawn(wc, wa, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
      const result = JSON.parse(await firstLine(watcher));
      const serverStats = firstLine(server, "stderr");
      server.kill("SIGTERM");
      const s = JSON.parse(await serverStats);
      console.log(
        `${runtime.padEnd(5)} updates/s ${s.updatesPerSecond}  events/s ${result.eventsPerSecond}  latency p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  ` +
          `max ${result.maxMs} ms  CPU: server ${s.cpuPercent}%, watcher ${result.cpuPercent}% (${result.cpuUsPerEvent} µs/event)`,
      );
    } finally {
      server.kill("SIGKILL");
    }
  }
}

await main();
