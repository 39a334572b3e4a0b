/**
 * Benchmark (not a test): entries per second of map scans and keys per second of key listings (issue 23), against
 * what a user of Flink's protocol has instead. The deployment, in a Node process of its own, is a LocalCluster of two
 * task managers running one job with
 *   - a MapState "map" whose key "big" holds 10,000 entries (item-00000 … item-09999 → long), and
 *   - a ValueState "value" with 10,000 keys (user-0 … user-9999 → long): the same entries, one key each.
 * The load comes from this process, whatever runtime runs it; one operation (a page, a map, 1000 keys) at a time,
 * every answer checked. Ways of reading all 10,000 entries, each run for `--seconds`:
 *   scan           scanMapState pages of 1000 (10 requests a pass; the map-scan extension)
 *   whole-map get  getKvState of "big": the whole map in one answer (all Flink's protocol offers for a map)
 *   single gets    getKvState of the ValueState's keys, 1000 at once (one request each, pipelined; Flink's protocol)
 *   batch gets     getKvStates of the ValueState's keys in batches of 1000 (the batch-get extension)
 *   key listing    listKeys of the ValueState in pages of 1000 (keys only, no values)
 *
 *   node --import tsx scripts/bench-scan.ts [--seconds 2]
 *   deno run -A scripts/bench-scan.ts …      bun scripts/bench-scan.ts …
 *
 * Prints one table: entries/s, the median time of one operation (a page, a whole map, 1000 keys), and CPU
 * milliseconds (the deployment's process plus this one) per 1000 entries, the steadier figure on a shared machine.
 * The README's "Map scans" and "Key listing" sections quote it.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("../", import.meta.url));
const ENTRIES = 10_000;
const PAGE = 1000;
const item = (i: number) => `item-${String(i).padStart(5, "0")}`;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

// ------------------------------------------------------------------------------------------------ server side

async function serve(): Promise<void> {
  const m = await import("../mod.ts");
  const map = m.mapState("map", m.stringSerializer, m.longSerializer, { queryable: "map" });
  const value = m.valueState("value", m.longSerializer, { queryable: "value" });
  const cluster = await m.LocalCluster.start({ taskManagers: 2 });
  const job = cluster.submit({
    name: "bench-scan",
    parallelism: 2,
    sources: [Array.from({ length: ENTRIES }, (_, i) => i)],
    keyBy: (i: number) => `user-${i}`,
    keyType: m.stringSerializer,
    steps: [{
      name: "set",
      states: [value],
      process: (i, ctx) => ctx.state(value).update(BigInt(i)),
    }],
  });
  const big = cluster.submit({
    name: "bench-map",
    sources: [Array.from({ length: ENTRIES }, (_, i) => i)],
    keyBy: () => "big",
    keyType: m.stringSerializer,
    steps: [{ name: "put", states: [map], process: (i, ctx) => ctx.state(map).put(item(i), BigInt(i)) }],
  });
  await Promise.all([job.sourcesDone, big.sourcesDone]);
  const proxy = cluster.proxyAddresses[0];
  process.stdout.write(JSON.stringify({ valueJob: job.jobId.toString(), mapJob: big.jobId.toString(), proxy: `${proxy.hostname}:${proxy.port}` }) + "\n");
  process.on("SIGINT", () => process.exit(0));
  await new Promise(() => {}); // until killed
}

// ------------------------------------------------------------------------------------------------ load side

/** CPU time of a process in ms (Linux' /proc; NaN elsewhere). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
  } catch {
    return NaN;
  }
}
const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Row { name: string; entriesPerSecond: number; p50: number; cpuPer1000: number }

async function measure(name: string, server: number, seconds: number, inFlight: number, op: () => Promise<number>): Promise<Row> {
  for (let i = 0; i < 3; i++) await op(); // warm-up
  const latencies: number[] = [];
  let entries = 0;
  const cpu0 = cpuOf(server) + ownCpu();
  const start = performance.now(), until = start + seconds * 1000;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < until) {
      const t = performance.now();
      entries += await op();
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = cpuOf(server) + ownCpu() - cpu0;
  latencies.sort((a, b) => a - b);
  return { name, entriesPerSecond: entries / elapsed, p50: latencies[Math.floor(latencies.length / 2)], cpuPer1000: (cpu / entries) * 1000 };
}

async function main(): Promise<void> {
  const seconds = Number(arg("seconds", "2"));
  const m = await import("../mod.ts");
  const child = spawn(process.platform === "win32" ? "node.exe" : "node", ["--import", "tsx", self, "--serve"], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
  const rows: Row[] = [];
  try {
    const info = await new Promise<{ valueJob: string; mapJob: string; proxy: string }>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const nl = out.indexOf("\n");
        if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
      });
      child.on("exit", (code) => reject(new Error(`the deployment exited with ${code}`)));
    });
    const server = child.pid!;
    const map = m.mapState("map", m.stringSerializer, m.longSerializer);
    const value = m.valueState("value", m.longSerializer);
    const client = new m.QueryableStateClient(info.proxy, { requestTimeoutMs: 30_000 });
    const plain = new m.QueryableStateClient(info.proxy, { requestTimeoutMs: 30_000, extensions: "off" });
    const fail = (what: string) => {
      throw new Error(`wrong answer: ${what}`);
    };
    try {
      // scan: a pass over the whole map in pages of 1000, one page an operation.
      let cursor: string | undefined, at = 0;
      rows.push(await measure("scan (scanMapState, pages of 1000)", server, seconds, 1, async () => {
        const page = await client.scanMapState(info.mapJob, "map", "big", m.stringSerializer, map, { pageSize: PAGE, cursor });
        for (const [k, v] of page.entries) if (k !== item(at) || v !== BigInt(at++)) fail(`${k} → ${v}`);
        cursor = page.cursor;
        if (cursor === undefined) {
          if (at !== ENTRIES) fail(`a pass of ${at} entries`);
          at = 0;
        }
        return page.entries.length;
      }));
      rows.push(await measure("whole-map get (getKvState of the map)", server, seconds, 1, async () => {
        const state = await plain.getKvState(info.mapJob, "map", "big", m.stringSerializer, map);
        let n = 0;
        for (const [k, v] of state.entries()) {
          if (v !== BigInt(k!.slice(5))) fail(`${k} → ${v}`);
          n++;
        }
        if (n !== ENTRIES) fail(`${n} entries`);
        return n;
      }));
      let next = 0;
      rows.push(await measure("single gets (1000 getKvState at once)", server, seconds, 1, async () => {
        const first = next;
        next += PAGE;
        const ids = Array.from({ length: PAGE }, (_, j) => (first + j) % ENTRIES);
        const states = await Promise.all(ids.map((i) => plain.getKvState(info.valueJob, "value", `user-${i}`, m.stringSerializer, value)));
        states.forEach((st, j) => {
          if (st.value() !== BigInt(ids[j])) fail(`user-${ids[j]}`);
        });
        return PAGE;
      }));
      rows.push(await measure("batch gets (getKvStates, 1000 keys)", server, seconds, 1, async () => {
        const first = next;
        next += PAGE;
        const ids = Array.from({ length: PAGE }, (_, j) => (first + j) % ENTRIES);
        const results = await client.getKvStates(info.valueJob, "value", ids.map((i) => `user-${i}`), m.stringSerializer, value);
        results.forEach((r, j) => {
          if (!r.ok || r.state.value() !== BigInt(ids[j])) fail(`user-${ids[j]}`);
        });
        return PAGE;
      }));
      let keysCursor: string | undefined, listed = 0;
      rows.push(await measure("key listing (listKeys, pages of 1000; keys/s)", server, seconds, 1, async () => {
        const page = await client.listKeys(info.valueJob, "value", m.stringSerializer, { pageSize: PAGE, cursor: keysCursor });
        listed += page.keys.length;
        keysCursor = page.cursor;
        if (keysCursor === undefined) {
          if (listed !== ENTRIES) fail(`a listing of ${listed} keys`);
          listed = 0;
        }
        return page.keys.length;
      }));
    } finally {
      await client.close();
      await plain.close();
    }
  } finally {
    child.kill("SIGKILL");
  }
  const runtime = m.detectRuntime();
  console.log(`| client runtime | reading 10,000 entries by | entries/s | p50 ms an operation | CPU ms / 1000 entries |`);
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(`| ${runtime} | ${r.name} | ${Math.round(r.entriesPerSecond)} | ${r.p50.toFixed(2)} | ${Number.isNaN(r.cpuPer1000) ? "–" : r.cpuPer1000.toFixed(1)} |`);
  }
}

if (process.argv.includes("--serve")) await serve();
else await main();
