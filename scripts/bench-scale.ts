/**
 * State size benchmark: a heap ValueState<long, long> with 1k / 1M / 10M keys, each size in its own process of
 * the runtime: heap bytes per key (after a forced GC), in-process lookups per second (the KvState's
 * getSerializedValue on random keys, every answer checked) and direct queries per second over loopback
 * (a KvStateServer in that process, our Client in this one, 128 requests in flight, random keys, checked).
 *
 *   node --import tsx scripts/bench-scale.ts [--keys 1000,1000000,10000000] [--json] [--seconds 2] [--heap-mb 6144]
 *   deno run -A scripts/bench-scale.ts ...        bun scripts/bench-scale.ts ...
 *
 * The machine may be shared: next to each rate the script prints CPU time per lookup (the steadier figure).
 */
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  computeKeyGroupRangeForOperatorIndex,
  detectRuntime,
  HeapKeyedStateBackend,
  KvStateID,
  KvStateServer,
  longSerializer,
  serializeKeyAndNamespace,
  valueState,
  VoidNamespace,
  voidNamespaceSerializer,
} from "../mod.ts";
import { Client, KvStateInternalRequest, KvStateResponse } from "../protocol.ts";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const runtime = detectRuntime();
const seconds = Number(opt("seconds", "2"));
const SAMPLE = 200_000;

/** A deterministic generator (xorshift32), so runs pick the same keys. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function collectGarbage(): boolean {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else if (g.gc) g.gc();
  else return false;
  return true;
}

function keyBytes(k: number): Uint8Array {
  return serializeKeyAndNamespace(BigInt(k), longSerializer, VoidNamespace, voidNamespaceSerializer);
}

function readLong(b: Uint8Array): bigint {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getBigInt64(0);
}

// ------------------------------------------------------------------ child: one state size

async function child(keys: number): Promise<void> {
  const gc = collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const backend = new HeapKeyedStateBackend({ keySerializer: longSerializer, keyGroupRange: computeKeyGroupRangeForOperatorIndex(128, 1, 0), numberOfKeyGroups: 128 });
  const s = backend.getState(valueState("v", longSerializer, { queryable: "v" }));
  const t0 = performance.now();
  for (let k = 0; k < keys; k++) {
    backend.setCurrentKey(BigInt(k));
    s.update(BigInt(k) * 7n);
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  if (backend.size("v") !== keys) throw new Error("lost keys");
  const kv = backend.queryableStates()[0].kvState;
  // The heap backend answers synchronously.
  const lookup = kv.getSerializedValue as (bytes: Uint8Array) => Uint8Array | null;

  // Random keys, serialized up front (as they arrive in requests).
  const next = rng(keys);
  const picked = new Float64Array(SAMPLE);
  const requests = Array.from({ length: SAMPLE }, (_, i) => keyBytes(picked[i] = Math.floor(next() * keys)));
  for (let i = 0; i < SAMPLE; i++) {
    const v = lookup(requests[i]);
    if (v === null || readLong(v) !== BigInt(picked[i]) * 7n) throw new Error(`key ${picked[i]}: wrong answer`);
  }
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let sink = 0;
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 10_000; i++) sink += lookup(requests[(n + i) % SAMPLE])!.length;
    n += 10_000;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (sink !== n * 8) throw new Error("wrong answer sizes");

  const server = new KvStateServer();
  const id = server.registry.register(kv, { name: "v" });
  const addr = await server.start();
  console.log(JSON.stringify({
    keys,
    bytesPerKey: Math.round((after - before) / keys),
    gc,
    fillSeconds: Math.round(fillSeconds * 100) / 100,
    lookupsPerSec: Math.round(n / elapsed),
    cpuNsPerLookup: Math.round(((cpu.user + cpu.system) * 1000) / n),
    port: addr.port,
    stateId: id.toString(),
  }));
  // "cpu" on stdin: print this process's CPU time so far (µs), to charge the direct queries to the server.
  let input = "";
  process.stdin.on("data", (d) => {
    input += d;
    for (let i; (i = input.indexOf("\n")) >= 0; input = input.slice(i + 1)) {
      const c = process.cpuUsage();
      if (input.slice(0, i) === "cpu") console.log(`CPU ${c.user + c.system}`);
    }
  });
  process.stdin.on("close", () => process.exit(0));
  process.stdin.resume();
}

// ------------------------------------------------------------------ parent

function childCommand(keys: number): [string, string[]] {
  const script = fileURLToPath(import.meta.url);
  const heapMb = opt("heap-mb", String(Math.max(2048, Math.ceil(keys / 1_000_000) * 400)));
  const childArgs = ["--child", String(keys), "--seconds", String(seconds)];
  if (runtime === "deno") return [process.execPath, ["run", "-A", "--no-check", `--v8-flags=--expose-gc,--max-old-space-size=${heapMb}`, script, ...childArgs]];
  if (runtime === "bun") return [process.execPath, [script, ...childArgs]];
  return [process.execPath, [`--max-old-space-size=${heapMb}`, "--expose-gc", "--import", "tsx", script, ...childArgs]];
}

interface Point {
  keys: number;
  bytesPerKey: number;
  gc: boolean;
  fillSeconds: number;
  lookupsPerSec: number;
  cpuNsPerLookup: number;
  port: number;
  stateId: string;
}

/** The server process's CPU time so far (µs). */
function serverCpu(proc: ReturnType<typeof spawn>): Promise<number> {
  return new Promise((resolve) => {
    let out = "";
    const onData = (d: Uint8Array) => {
      out += new TextDecoder().decode(d);
      const m = /CPU (\d+)/.exec(out);
      if (m) {
        proc.stdout!.off("data", onData);
        resolve(Number(m[1]));
      }
    };
    proc.stdout!.on("data", onData);
    proc.stdin!.write("cpu\n");
  });
}

async function point(keys: number): Promise<Point & { directRps: number; directCpuUsPerRequest: number; serverCpuUsPerRequest: number }> {
  const [cmd, args] = childCommand(keys);
  const proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] });
  const p = await new Promise<Point>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined && out.includes("\n")) resolve(JSON.parse(line));
    });
    proc.on("exit", (code) => reject(new Error(`the ${keys}-key process exited with ${code}`)));
  });
  try {
    const address = { hostname: "127.0.0.1", port: p.port };
    const stateId = KvStateID.fromHex(p.stateId);
    const next = rng(keys + 1);
    const picked = Array.from({ length: 20_000 }, () => Math.floor(next() * keys));
    const reqs = picked.map((k) => new KvStateInternalRequest(stateId, keyBytes(k)));
    const client = new Client("bench-scale", KvStateResponse.decode);
    try {
      const run = async (total: number) => {
        let issued = 0;
        await Promise.all(Array.from({ length: 128 }, async () => {
          while (issued < total) {
            const i = issued++ % reqs.length;
            const res = await client.sendRequest(address, reqs[i]);
            if (readLong(res.content) !== BigInt(picked[i]) * 7n) throw new Error(`key ${picked[i]}: wrong answer`);
          }
        }));
      };
      await run(20_000);
      const server0 = await serverCpu(proc);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const total = 100_000;
      await run(total);
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const server1 = await serverCpu(proc);
      return {
        ...p,
        directRps: Math.round(total / elapsed),
        directCpuUsPerRequest: Math.round(((cpu.user + cpu.system) / total) * 10) / 10,
        serverCpuUsPerRequest: Math.round(((server1 - server0) / total) * 100) / 100,
      };
    } finally {
      await client.close();
    }
  } finally {
    proc.kill("SIGTERM");
    proc.stdin!.end();
  }
}

const childKeys = opt("child", "");
if (childKeys !== "") await child(Number(childKeys));
else {
  const sizes = opt("keys", "1000,1000000,10000000").split(",").map(Number);
  const rows = [];
  for (const keys of sizes) {
    const r = await point(keys);
    rows.push(r);
    if (argv.includes("--json")) console.log(JSON.stringify({ runtime, ...r, port: undefined, stateId: undefined }));
    else {
      console.log(
        `${runtime} ${String(keys).padStart(9)} keys: ${r.bytesPerKey} B/key${r.gc ? "" : " (no gc hook: rough)"}, filled in ${r.fillSeconds} s; ` +
          `in-process ${r.lookupsPerSec.toLocaleString("en")} lookups/s (${r.cpuNsPerLookup} ns CPU each); ` +
          `direct c=128 ${r.directRps.toLocaleString("en")} req/s (server ${r.serverCpuUsPerRequest} µs CPU each, client ${r.directCpuUsPerRequest})`,
      );
    }
  }
  if (rows.length > 1) {
    const first = rows[0];
    for (const r of rows.slice(1)) {
      const pct = (x: number) => `${Math.round(x * 100)}%`;
      console.log(
        `${r.keys} keys vs ${first.keys}: in-process ${pct(r.lookupsPerSec / first.lookupsPerSec)} (by CPU ${pct(first.cpuNsPerLookup / r.cpuNsPerLookup)}), ` +
          `direct ${pct(r.directRps / first.directRps)} (by server CPU ${pct(first.serverCpuUsPerRequest / r.serverCpuUsPerRequest)})`,
      );
    }
  }
  process.exit(0);
}
