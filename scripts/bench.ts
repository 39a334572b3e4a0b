/**
 * Benchmark: raw TCP ceiling, direct (client → KvStateServer) and proxy (client → proxy →
 * server) at several value sizes and in-flight concurrencies, client and server in separate
 * processes of the same runtime; plus latency against state size and heap bytes per key.
 *
 *   npm run bench [-- --quick]   (Node: bundled to plain JS by scripts/run-bench.mjs first) [--json] [--runs N] [--modes raw,floor,direct,proxy] [--sizes 8,1024,65536]
 *                 [--concurrency 1,16,128,1024] [--requests N] [--connections N] [--throughput-only]
 *                 [--save FILE] [--compare FILE]
 *   --connections N   spread the requests in flight over N client connections (raw: N raw loops)
 *   --save FILE       also write the rows as JSON lines (the --json format) to FILE
 *   --compare FILE    print each new point beside the same point of a saved run (ratio columns)
 *   --throughput-only skip the latency-vs-keys and heap-per-key points
 *   modes: raw (the TCP ceiling), floor (raw plus one awaited promise per request: the runtime's part),
 *   direct, proxy (co-located), proxy-remote; the default is raw,direct,proxy,proxy-remote
 * CPU per request: user + system CPU time of the client process and of the server process (each
 * from process.cpuUsage() in its own process) over the measured requests, divided by them.
 *   npm run bench -- --target HOST:PORT --state-id HEX [--keys N]   (load any server speaking the protocol)
 *   deno run -A --v8-flags=--expose-gc scripts/bench.ts ...      bun scripts/bench.ts ...
 *   Profiles (Node): BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=DIR" for the server processes;
 *   node --cpu-prof node_modules/.cache/queryable-state-bench/bench.mjs ... for the client (after one npm run bench).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { computeKeyGroupRangeForOperatorIndex, type Conn, defaultTransport, deserializeValue, detectRuntime, type Endpoint, HeapKeyedStateBackend, intSerializer, JobID, KvStateID, longSerializer, serializeKeyAndNamespace, stringSerializer, valueState, VoidNamespace, voidNamespaceSerializer } from "../mod.ts";
import { Client, encodeRequestFrame, KvStateInternalRequest, KvStateRequest, KvStateResponse, type MessageBody } from "../protocol.ts";

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback?: string) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const list = (name: string, fallback: string) => opt(name, fallback)!.split(",").filter(Boolean);
const quick = flag("quick");
const json = flag("json");
const runtime = detectRuntime();
const runs = Number(opt("runs", quick ? "1" : "3"));
const modes = list("modes", "raw,direct,proxy,proxy-remote");
const sizes = list("sizes", quick ? "8" : "8,1024,65536").map(Number);
const concurrencies = list("concurrency", quick ? "1,16,128" : "1,16,128,1024").map(Number);
const connections = Number(opt("connections", "1"));
const throughputOnly = flag("throughput-only");
const saveFile = opt("save");
const compareFile = opt("compare");
const KEYS = 1000;

function requestsFor(valueBytes: number): number {
  const forced = opt("requests");
  if (forced) return Number(forced);
  if (quick) return valueBytes > 1024 ? 2000 : 20_000;
  return valueBytes <= 8 ? 200_000 : valueBytes <= 1024 ? 100_000 : 10_000;
}

// ------------------------------------------------------------------ server processes

const root = fileURLToPath(new URL("../", import.meta.url));

/** Bundled by scripts/run-bench.mjs: the server bundle sits next to this file. */
const bundled = /\.mjs$/.test(process.argv[1] ?? "");

function runtimeCommand(script: string): [string, string[]] {
  // Runtime flags for the server processes, e.g. BENCH_SERVER_FLAGS="--cpu-prof" (Node, Bun) or
  // "--v8-flags=--prof" (Deno: a V8 log per process in the working directory, for node --prof-process).
  const flags = (process.env.BENCH_SERVER_FLAGS ?? "").split(" ").filter(Boolean);
  if (runtime === "deno") return [process.execPath, ["run", "-A", "--no-check", ...flags, script]];
  if (runtime === "bun") return [process.execPath, [...flags, script]];
  if (bundled) return [process.execPath, [...flags, process.argv[1].replace(/bench\.mjs$/, "bench-server.mjs")]];
  return [process.execPath, ["--import", "tsx", script]];
}

interface ServerProcess {
  child: ChildProcess;
  port: number;
  stateId: string;
  jobId: string;
  /** The server process's CPU time so far (user + system, µs), as it reports it. */
  cpuUs(): Promise<number>;
}

function startServer(mode: string, valueBytes: number, keys: number): Promise<ServerProcess> {
  const [cmd, args] = runtimeCommand(`${root}scripts/bench-server.ts`);
  const child = spawn(cmd, [...args, "--mode", mode, "--value-bytes", String(valueBytes), "--keys", String(keys)], {
    cwd: root,
    stdio: ["pipe", "pipe", "inherit"],
  });
  const cpuWaiters: ((us: number) => void)[] = [];
  const cpuUs = () =>
    new Promise<number>((resolve) => {
      cpuWaiters.push(resolve);
      child.stdin!.write("cpu\n");
    });
  return new Promise((resolve, reject) => {
    let out = "";
    let listening = false;
    child.stdout!.on("data", (d) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf("\n")) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        const m = /LISTENING port=(\d+) stateId=(\w*) jobId=(\w*)/.exec(line);
        if (m && !listening) {
          listening = true;
          resolve({ child, port: Number(m[1]), stateId: m[2], jobId: m[3], cpuUs });
        }
        const c = /CPU user=(\d+) system=(\d+)/.exec(line);
        if (c) cpuWaiters.shift()?.(Number(c[1]) + Number(c[2]));
      }
    });
    child.on("exit", (code) => reject(new Error(`bench server (${mode}) exited with ${code}`)));
  });
}

function stopServer(s: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
    s.child.removeAllListeners("exit");
    s.child.on("exit", () => resolve());
    s.child.kill("SIGTERM");
  });
}

/** Peak resident set of a process in MB (Linux /proc), or NaN elsewhere. */
function peakRssMB(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid ?? "self"}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

// ------------------------------------------------------------------ load generators

interface Measured {
  requests: number;
  seconds: number;
  latenciesMs: Float64Array;
  /** CPU time (user + system, µs) of the client process over the measured requests. */
  clientCpuUs?: number;
  /** CPU time (user + system, µs) of the server process over the measured requests. */
  serverCpuUs?: number;
}

function ownCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Runs `load` and adds the CPU time the client and the server process spent meanwhile. */
async function metered(server: ServerProcess | undefined, load: () => Promise<Measured>): Promise<Measured> {
  const server0 = server ? await server.cpuUs() : NaN;
  const client0 = ownCpuUs();
  const m = await load();
  const client1 = ownCpuUs();
  const server1 = server ? await server.cpuUs() : NaN;
  return { ...m, clientCpuUs: client1 - client0, serverCpuUs: server1 - server0 };
}

/** Closed loop over our Client(s): `concurrency` requests always in flight, spread over the clients. */
async function loadClient<R extends MessageBody>(
  clients: Client<R, KvStateResponse> | Client<R, KvStateResponse>[],
  address: Endpoint,
  requests: readonly R[],
  total: number,
  concurrency: number,
  check?: (i: number, res: KvStateResponse) => void,
): Promise<Measured> {
  const latencies = new Float64Array(total);
  let issued = 0;
  const started = performance.now();
  const all = Array.isArray(clients) ? clients : [clients];
  const worker = async (_: unknown, w: number) => {
    const client = all[w % all.length];
    while (issued < total) {
      const i = issued++;
      const t0 = performance.now();
      const res = await client.sendRequest(address, requests[i % requests.length]);
      latencies[i] = performance.now() - t0;
      check?.(i, res);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, worker));
  return { requests: total, seconds: (performance.now() - started) / 1000, latenciesMs: latencies };
}

/**
 * The raw ceiling: frames out in one write per batch, answers counted FIFO, no protocol work; with
 * --connections N, N such loops side by side, each with its share of the requests and of those in flight.
 */
async function loadRaw(address: Endpoint, frame: Uint8Array, responseLength: number, total: number, concurrency: number): Promise<Measured> {
  const transport = await defaultTransport();
  const n = Math.max(1, Math.min(connections, concurrency));
  const conns = await Promise.all(Array.from({ length: n }, () => transport.connect(address)));
  const latencies = new Float64Array(total);
  const started = performance.now();
  let from = 0;
  await Promise.all(conns.map((conn, i) => {
    const share = Math.floor(total / n) + (i < total % n ? 1 : 0);
    const inFlight = Math.floor(concurrency / n) + (i < concurrency % n ? 1 : 0);
    const part = latencies.subarray(from, from + share);
    from += share;
    return rawLoop(conn, frame, responseLength, share, inFlight, part);
  }));
  const seconds = (performance.now() - started) / 1000;
  for (const conn of conns) conn.abort();
  await Promise.all(conns.map((c) => c.closed));
  return { requests: total, seconds, latenciesMs: latencies };
}

/**
 * The floor of a promise-per-request API, against the raw server: every request is its own awaited promise
 * in the same closed loop of async workers as {@link loadClient}, the frames of one tick go out in one write
 * (a microtask, like our clients' write batches), and answers settle in order by counting bytes: no request
 * ids, no decoding, no answer objects. What direct costs above this is the protocol's; what this costs above
 * raw is the runtime's price of one promise and one continuation per request.
 */
async function loadFloor(address: Endpoint, frame: Uint8Array, responseLength: number, total: number, concurrency: number): Promise<Measured> {
  const conn = await (await defaultTransport()).connect(address);
  let waiting: (() => void)[] = [];
  let head = 0, batch = 0, scheduled = false, buffered = 0;
  const flush = () => {
    scheduled = false;
    const out = new Uint8Array(batch * frame.length);
    for (let i = 0; i < batch; i++) out.set(frame, i * frame.length);
    batch = 0;
    conn.write(out);
  };
  conn.onData((chunk) => {
    buffered += chunk.length;
    let n = Math.floor(buffered / responseLength);
    buffered -= n * responseLength;
    while (n-- > 0) waiting[head++]();
    if (head > 4096) {
      waiting = waiting.slice(head);
      head = 0;
    }
  });
  const ask = () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      batch++;
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    });
  const latencies = new Float64Array(total);
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      const i = issued++;
      const t0 = performance.now();
      await ask();
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, worker));
  const seconds = (performance.now() - started) / 1000;
  conn.abort();
  await conn.closed;
  return { requests: total, seconds, latenciesMs: latencies };
}

async function rawLoop(conn: Conn, frame: Uint8Array, responseLength: number, total: number, concurrency: number, latencies: Float64Array): Promise<void> {
  if (total === 0) return;
  const sentAt = new Float64Array(total);
  let issued = 0, answered = 0, buffered = 0;
  const sendBatch = (n: number) => {
    n = Math.min(n, total - issued);
    if (n <= 0) return;
    const out = new Uint8Array(n * frame.length);
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      out.set(frame, i * frame.length);
      sentAt[issued++] = now;
    }
    conn.write(out);
  };
  await new Promise<void>((resolve) => {
    conn.onData((chunk) => {
      buffered += chunk.length;
      const n = Math.floor(buffered / responseLength);
      buffered -= n * responseLength;
      const now = performance.now();
      for (let i = 0; i < n; i++, answered++) latencies[answered] = now - sentAt[answered];
      if (answered >= total) resolve();
      else sendBatch(n);
    });
    sendBatch(concurrency);
  });
}

// ------------------------------------------------------------------ points

interface Row {
  runtime: string;
  mode: string;
  valueBytes: number;
  concurrency: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  rssMB: number;
  clientRssMB: number;
  /** Client connections the requests were spread over. */
  connections: number;
  /** CPU per request, µs: client + server processes (user + system), and each alone. */
  cpuUsPerReq: number;
  clientCpuUsPerReq: number;
  serverCpuUsPerReq: number;
  keys?: number;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function summarize(mode: string, valueBytes: number, concurrency: number, m: Measured, server: ServerProcess | undefined): Row {
  const sorted = m.latenciesMs.slice().sort();
  return {
    runtime,
    mode,
    valueBytes,
    concurrency,
    requests: m.requests,
    rps: Math.round(m.requests / m.seconds),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    p999Ms: percentile(sorted, 0.999),
    rssMB: peakRssMB(server?.child.pid),
    clientRssMB: peakRssMB(undefined),
    connections,
    cpuUsPerReq: ((m.clientCpuUs ?? NaN) + (m.serverCpuUs ?? 0)) / m.requests,
    clientCpuUsPerReq: (m.clientCpuUs ?? NaN) / m.requests,
    serverCpuUsPerReq: (m.serverCpuUs ?? NaN) / m.requests,
  };
}

function median(rows: Row[]): Row {
  const byRps = [...rows].sort((a, b) => a.rps - b.rps);
  const mid = byRps[Math.floor(byRps.length / 2)];
  const med = (f: (r: Row) => number) => [...rows].map(f).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
  return {
    ...mid,
    p50Ms: med((r) => r.p50Ms),
    p99Ms: med((r) => r.p99Ms),
    p999Ms: med((r) => r.p999Ms),
    cpuUsPerReq: med((r) => r.cpuUsPerReq),
    clientCpuUsPerReq: med((r) => r.clientCpuUsPerReq),
    serverCpuUsPerReq: med((r) => r.serverCpuUsPerReq),
  };
}

function keyBytes(key: number): Uint8Array {
  return serializeKeyAndNamespace(key, intSerializer, VoidNamespace, voidNamespaceSerializer);
}

async function measureMode(mode: string, valueBytes: number, server: ServerProcess, concurrency: number, total: number): Promise<Measured> {
  const address = { hostname: "127.0.0.1", port: server.port };
  if (mode === "raw" || mode === "floor") {
    const sample = encodeRequestFrame(0n, new KvStateInternalRequest(new KvStateID(1n, 2n), keyBytes(1)));
    const load = mode === "raw" ? loadRaw : loadFloor;
    return metered(server, () => load(address, sample, 4 + 16 + 4 + valueBytes, total, concurrency));
  }
  const keys = Array.from({ length: KEYS }, (_, k) => keyBytes(k));
  if (mode === "direct") {
    const id = KvStateID.fromHex(server.stateId);
    const clients = Array.from({ length: connections }, () => new Client("bench", KvStateResponse.decode));
    try {
      const reqs = keys.map((k) => new KvStateInternalRequest(id, k));
      await loadClient(clients, address, reqs, Math.min(total, 20_000), concurrency); // warm-up
      return await metered(server, () => loadClient(clients, address, reqs, total, concurrency));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }
  const job = JobID.fromHex(server.jobId);
  const clients = Array.from({ length: connections }, () => new Client("bench", KvStateResponse.decode));
  try {
    const reqs = keys.map((k, i) => new KvStateRequest(job, "bench", intSerializer.hashCode(i), k));
    await loadClient(clients, address, reqs, Math.min(total, 20_000), concurrency);
    return await metered(server, () => loadClient(clients, address, reqs, total, concurrency));
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

async function throughputPoints(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const valueBytes of sizes) {
    for (const mode of modes) {
      const perConcurrency = new Map<number, Row[]>();
      for (let run = 0; run < runs; run++) {
        const server = await startServer(mode === "floor" ? "raw" : mode, valueBytes, KEYS);
        try {
          for (const c of concurrencies) {
            const total = requestsFor(valueBytes);
            if (mode === "raw" || mode === "floor") await measureMode(mode, valueBytes, server, c, Math.min(total, 20_000)); // warm-up
            const m = await measureMode(mode, valueBytes, server, c, total);
            const row = summarize(mode, valueBytes, c, m, server);
            if (!perConcurrency.has(c)) perConcurrency.set(c, []);
            perConcurrency.get(c)!.push(row);
            if (!json) process.stderr.write(`  ${mode} ${valueBytes} B c=${c} run ${run + 1}: ${row.rps} req/s, ${f(row.cpuUsPerReq, 2)} µs CPU/req\n`);
          }
        } finally {
          await stopServer(server);
        }
      }
      for (const c of concurrencies) {
        const row = median(perConcurrency.get(c)!);
        rows.push(row);
        emit(row);
      }
    }
  }
  return rows;
}

/** Query latency (direct, concurrency 1) with more and more keys in a heap ValueState<long>. */
async function scalePoints(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const keys of quick ? [1000, 100_000] : [1000, 100_000, 1_000_000]) {
    const server = await startServer("scale", 8, keys);
    try {
      const address = { hostname: "127.0.0.1", port: server.port };
      const id = KvStateID.fromHex(server.stateId);
      const reqs = Array.from({ length: 10_000 }, () => {
        const k = BigInt(Math.floor(Math.random() * keys));
        return new KvStateInternalRequest(id, serializeKeyAndNamespace(k, longSerializer, VoidNamespace, voidNamespaceSerializer));
      });
      const client = new Client("bench", KvStateResponse.decode);
      try {
        await loadClient(client, address, reqs, 5000, 1);
        const m = await metered(server, () => loadClient(client, address, reqs, quick ? 10_000 : 50_000, 1));
        const row = { ...summarize("scale", 8, 1, m, server), keys };
        rows.push(row);
        emit(row);
      } finally {
        await client.close();
      }
    } finally {
      await stopServer(server);
    }
  }
  return rows;
}

function collectGarbage(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

/** Heap bytes per key of a heap ValueState<long, long>, measured in this process. */
function heapPerKey(): { keys: number; bytesPerKey: number; gc: boolean } {
  const keys = quick ? 100_000 : 1_000_000;
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === "function" || runtime === "bun";
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const backend = new HeapKeyedStateBackend({ keySerializer: longSerializer, keyGroupRange: computeKeyGroupRangeForOperatorIndex(128, 1, 0), numberOfKeyGroups: 128 });
  const s = backend.getState(valueState("v", longSerializer, { queryable: "v" }));
  for (let k = 0; k < keys; k++) {
    backend.setCurrentKey(BigInt(k));
    s.update(BigInt(k));
  }
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  if (backend.size("v") !== keys) throw new Error("heap test lost keys");
  return { keys, bytesPerKey: Math.round((after - before) / keys), gc: hasGc };
}

// ------------------------------------------------------------------ --target

async function targetLoad(): Promise<void> {
  const [host, portText] = opt("target")!.split(/:(?=\d+$)/);
  const stateId = KvStateID.fromHex(opt("state-id") ?? new KvStateID(1n, 2n).toString());
  const keys = Number(opt("keys", "1000"));
  const address = { hostname: host.replace(/^\[|\]$/g, ""), port: Number(portText) };
  const reqs = Array.from({ length: keys }, (_, k) => new KvStateInternalRequest(stateId, keyBytes(k)));
  const check = (i: number, res: KvStateResponse) => {
    const got = deserializeValue(res.content, stringSerializer);
    if (got !== `value-${i % keys}`) throw new Error(`key ${i % keys}: expected value-${i % keys}, got ${JSON.stringify(got)}`);
  };
  const rows: Row[] = [];
  for (const c of concurrencies) {
    const client = new Client("bench", KvStateResponse.decode);
    try {
      await loadClient(client, address, reqs, Math.min(20_000, requestsFor(8)), c, check);
      const m = await metered(undefined, () => loadClient(client, address, reqs, requestsFor(8), c, check));
      const row = { ...summarize("target", 0, c, m, undefined), rssMB: NaN };
      rows.push(row);
      emit(row);
    } finally {
      await client.close();
    }
  }
  if (!json) printTable(rows, []);
  finish(rows);
}

// ------------------------------------------------------------------ report

/** Every JSON line of this run: printed with --json, written to the --save file. */
const emitted: string[] = [];

function emit(row: object): void {
  const line = JSON.stringify(row);
  emitted.push(line);
  if (json) console.log(line);
}

/** Writes --save, prints --compare (to stderr with --json, so stdout stays JSON lines). */
function finish(rows: Row[]): void {
  if (saveFile) writeFileSync(saveFile, emitted.join("\n") + "\n");
  if (compareFile) {
    const table = compareTable(readFileSync(compareFile, "utf8"), rows);
    if (json) console.error(table);
    else console.log(`\ncompared with ${compareFile}:\n${table}`);
  }
}

type Saved = Partial<Row> & { mode: string };

/** The points of this run beside the same points of a saved run (same runtime, mode, size, concurrency, connections, keys). */
function compareTable(saved: string, rows: Row[]): string {
  const old: Saved[] = saved.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l) as Saved);
  const same = (o: Saved, r: Row) =>
    o.runtime === r.runtime && o.mode === r.mode && o.valueBytes === r.valueBytes && o.concurrency === r.concurrency &&
    (o.connections ?? 1) === r.connections && o.keys === r.keys;
  const ratio = (a: number | null | undefined, b: number) => (typeof a === "number" && a > 0 && Number.isFinite(b) ? `${(b / a).toFixed(2)}x` : "-");
  const num = (n: number | null | undefined, d: number) => (typeof n === "number" ? f(n, d) : "-");
  const header = ["runtime", "mode", "value", "conc", "conns", "req/s was", "req/s now", "ratio", "CPU µs/req was", "now", "ratio", "client was", "now", "server was", "now", "p99 ms was", "now"];
  const lines = [header];
  for (const r of rows) {
    const o = old.find((x) => same(x, r));
    lines.push([
      r.runtime, r.mode, `${r.valueBytes} B`, String(r.concurrency), String(r.connections),
      o?.rps != null ? String(o.rps) : "-", String(r.rps), ratio(o?.rps, r.rps),
      num(o?.cpuUsPerReq, 2), f(r.cpuUsPerReq, 2), ratio(o?.cpuUsPerReq, r.cpuUsPerReq),
      num(o?.clientCpuUsPerReq, 2), f(r.clientCpuUsPerReq, 2),
      num(o?.serverCpuUsPerReq, 2), f(r.serverCpuUsPerReq, 2),
      num(o?.p99Ms, 3), f(r.p99Ms, 3),
    ]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => c.padStart(widths[i])).join("  ")).join("\n");
}

const f = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : "-");

function printTable(rows: Row[], scale: Row[]): void {
  const find = (mode: string, r: Row) => rows.find((x) => x.mode === mode && x.valueBytes === r.valueBytes && x.concurrency === r.concurrency);
  const header = ["runtime", "mode", "value", "conc", "conns", "requests", "req/s", "CPU µs/req", "client", "server", "p50 ms", "p99 ms", "p99.9 ms", "srv RSS MB", "cli RSS MB", "vs raw", "proxy/direct"];
  const lines = [header, ...rows.map((r) => {
    const raw = find("raw", r), direct = find("direct", r);
    return [
      r.runtime, r.mode, `${r.valueBytes} B`, String(r.concurrency), String(r.connections), String(r.requests), String(r.rps),
      f(r.cpuUsPerReq, 2), f(r.clientCpuUsPerReq, 2), f(r.serverCpuUsPerReq, 2),
      f(r.p50Ms), f(r.p99Ms), f(r.p999Ms), f(r.rssMB, 0), f(r.clientRssMB, 0),
      raw && r.mode !== "raw" ? `${((r.rps / raw.rps) * 100).toFixed(0)}%` : "",
      direct && r.mode.startsWith("proxy") ? `${((r.rps / direct.rps) * 100).toFixed(0)}%` : "",
    ];
  })];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(l.map((c, i) => c.padStart(widths[i])).join("  "));
  if (scale.length > 0) {
    console.log("\nlatency vs. keys in state (direct, ValueState<long>, concurrency 1):");
    for (const r of scale) console.log(`  ${String(r.keys).padStart(9)} keys: p50 ${f(r.p50Ms)} ms, p99 ${f(r.p99Ms)} ms, ${r.rps} req/s`);
  }
}

async function main(): Promise<void> {
  if (opt("target")) return targetLoad();
  if (!json) console.error(`benchmark on ${runtime} (${quick ? "quick" : `${runs} run(s) per point, medians`}); progress on stderr`);
  const rows = await throughputPoints();
  if (throughputOnly) {
    if (!json) printTable(rows, []);
    finish(rows);
    return;
  }
  const scale = await scalePoints();
  const heap = heapPerKey();
  emit({ runtime, mode: "heap", keys: heap.keys, bytesPerKey: heap.bytesPerKey, gc: heap.gc });
  if (!json) {
    printTable(rows, scale);
    console.log(`\nheap per key, ValueState<long, long>: ${heap.bytesPerKey} bytes (${heap.keys} keys${heap.gc ? "" : ", no gc hook: rough"})`);
  }
  finish([...rows, ...scale]);
}

await main();
process.exit(0);
