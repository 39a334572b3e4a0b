/**
 * Soak test against a KvState server on loopback (issue 11). Runs on the current runtime:
 *   npx tsx scripts/soak.ts | deno run -A scripts/soak.ts | bun scripts/soak.ts   [--frames N] [--seed S]
 * Attacks: mutated frames (≥ 1M by default), RST flood, connection flood, slowloris, pipelining without
 * reading. After each, a well-behaved client must still get right answers. Prints per attack: survived,
 * crashes (uncaught errors), wrong answers, stalls (good queries without an answer in 10 s), max RSS,
 * open fds before and after.
 */
import { readdirSync } from "node:fs";
import * as net from "node:net";
import { encodeRequestFrame } from "../protocol.ts";
import { keyRequest, newClient, startFixtureServer, valueOf } from "../tests/helpers/fixture.ts";
import { Rng } from "../tests/helpers/random.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const FRAMES = opt("frames", 1_000_000);
const rng = new Rng(opt("seed", 11));
const runtime = (globalThis as { Deno?: unknown }).Deno ? "deno" : (globalThis as { Bun?: unknown }).Bun ? "bun" : "node";

let crashes = 0;
process.on("uncaughtException", () => crashes++);
process.on("unhandledRejection", () => crashes++);

const fds = () => {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return -1;
  }
};
let maxRss = 0;
const sampler = setInterval(() => (maxRss = Math.max(maxRss, process.memoryUsage().rss)), 50);

const server = await startFixtureServer(100, { frameTimeoutMs: 2000, maxConnections: 5000 });
const port = server.address!.port;
const client = newClient();
let wrong = 0, stalls = 0;

async function check(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) {
    const key = rng.int(0, 99);
    try {
      const r = await client.sendRequest(server.address!, keyRequest(key), { timeoutMs: 10_000 });
      if (valueOf(r) !== `value-${key}`) wrong++;
    } catch (e) {
      if ((e as { code?: string }).code === "TIMEOUT") stalls++;
      else wrong++;
    }
  }
}

function mutate(f: Uint8Array): Uint8Array {
  const b = f.slice();
  const v = new DataView(b.buffer);
  switch (rng.int(0, 5)) {
    case 0:
      for (let i = rng.int(1, 4); i > 0; i--) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
      return b;
    case 1:
      v.setInt32(0, rng.pick([0, 7, 8, b.length - 4 + rng.int(-3, 3), rng.int32()]));
      return b;
    case 2:
      v.setInt32(4, rng.int32());
      return b;
    case 3:
      v.setInt32(8, rng.pick([-1, 0, 2, 3, 4, rng.int32()]));
      return b;
    case 4:
      return b.subarray(0, rng.int(0, b.length - 1));
    default:
      return rng.bytes(rng.int(1, 64));
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

/** Writes, half-closes, reads everything until the server closes (or `ms` passed). */
function blast(bytes: Uint8Array, ms = 15_000): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true }, () => s.end(bytes));
    const t = setTimeout(() => s.destroy(), ms);
    s.on("data", () => {});
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function pool(n: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await job(next++);
  }));
}

const attacks: Record<string, () => Promise<string>> = {
  async "mutated frames"() {
    const perConn = 2000;
    const conns = Math.ceil(FRAMES / perConn);
    const good = encodeRequestFrame(1n, keyRequest(1));
    await pool(conns, 8, async (i) => {
      const parts: Uint8Array[] = [];
      for (let k = 0; k < perConn; k++) parts.push(rng.next() < 0.2 ? good : mutate(good));
      await blast(concat(parts));
      if (i % 50 === 0) await check(1);
    });
    return `${conns * perConn} frames on ${conns} connections`;
  },
  async "RST flood"() {
    const n = 3000;
    await pool(n, 50, () =>
      new Promise<void>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => {
          const r = s as net.Socket & { resetAndDestroy?: () => void };
          if (typeof r.resetAndDestroy === "function") r.resetAndDestroy();
          else s.destroy();
          resolve();
        });
        s.on("error", () => resolve());
      }));
    return `${n} connect-then-reset`;
  },
  async "connection flood"() {
    const n = 2000;
    const socks: net.Socket[] = [];
    await pool(n, 100, () =>
      new Promise<void>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port }, () => resolve());
        s.on("error", () => resolve());
        socks.push(s);
      }));
    await check(10);
    for (const s of socks) s.destroy();
    return `${n} idle connections held`;
  },
  async slowloris() {
    const n = 200;
    let cut = 0;
    await Promise.all(Array.from({ length: n }, () =>
      new Promise<void>((resolve) => {
        const s = net.connect({ host: "127.0.0.1", port });
        const head = new Uint8Array(4);
        new DataView(head.buffer).setInt32(0, 60 * 1024 * 1024);
        s.on("connect", () => s.write(head));
        const t = setInterval(() => s.writable && s.write(new Uint8Array([rng.int(0, 255)])), 200);
        const giveUp = setTimeout(() => s.destroy(), 8000);
        s.on("error", () => {});
        s.on("data", () => {});
        s.on("close", () => {
          clearInterval(t);
          clearTimeout(giveUp);
          cut++;
          resolve();
        });
      })));
    await check(5);
    return `${n} trickling a 60 MiB frame; cut by the server: ${server.connectionStats().timedOutConnections}`;
  },
  async "pipelining without reading"() {
    const frames = concat(Array.from({ length: 20_000 }, (_, i) => encodeRequestFrame(BigInt(i), keyRequest(i % 100))));
    const socks = Array.from({ length: 4 }, () => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.on("error", () => {});
      s.pause(); // never read
      s.on("connect", () => {
        for (let k = 0; k < 10; k++) s.write(frames);
      });
      return s;
    });
    await new Promise((r) => setTimeout(r, 4000));
    await check(10);
    for (const s of socks) s.destroy();
    return `4 connections × 200k requests written, answers never read`;
  },
};

console.log(`soak on ${runtime}: attack | survived | crashes | wrong answers | stalls | max RSS MB | fds before→after | detail`);
for (const [name, run] of Object.entries(attacks)) {
  const c0 = crashes, w0 = wrong, s0 = stalls;
  maxRss = process.memoryUsage().rss;
  const before = fds();
  const started = performance.now();
  const detail = await run();
  await check(5);
  await new Promise((r) => setTimeout(r, 500)); // let closes settle before counting fds
  const after = fds();
  console.log(
    `${runtime} | ${name} | yes | ${crashes - c0} | ${wrong - w0} | ${stalls - s0} | ${(maxRss / 2 ** 20).toFixed(0)} | ` +
      `${before}→${after} | ${detail} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
}
clearInterval(sampler);
await client.close();
await server.close({ timeoutMs: 500 });
process.exit(0);
