// Batch get across runtimes (issue 23): `qstate cluster` runs three task managers (a proxy and a state server each)
// on Node, Deno and Bun; this test's client (on whichever runtime runs it) reads every key of the demo job in one
// getKvStates call through each proxy of another runtime, whose batch goes to its own server in-process and as
// BATCH_GET_INTERNAL over TCP to the servers on the two other runtimes: client, proxy and server each on a runtime of
// its own; key listings, map scans and watches the same way. Every process is killed in `after`.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { longSerializer, mapState, QueryableStateClient, reducingState, stringSerializer, UnknownKeyOrNamespaceError } from "../../mod.ts";
import { qstate, runtime } from "../helpers/cli.ts";
import { eventually } from "../helpers/eventually.ts";

const eventCounts = reducingState("event-counts", (a: bigint, b: bigint) => a + b, longSerializer);
const eventsByType = mapState("events-by-type", stringSerializer, longSerializer);
const TOKEN = "batch-cross-runtime-7c1d";

interface TmInfo { index: number; pid: number; runtime: string; proxy: string; keys: string[] }
interface ClusterInfo { jobId: string; coordinatorPid: number; taskManagers: TmInfo[] }

describe(`batch get and watch across runtimes (client on ${runtime})`, () => {
  let supervisor: ChildProcess;
  let info: ClusterInfo;
  let stderr = "";

  before(async () => {
    supervisor = qstate(["cluster", "--task-managers", "3", "--runtimes", "node,deno,bun", "--json"], { ...process.env, QSTATE_TOKEN: TOKEN });
    supervisor.stderr!.on("data", (d) => (stderr += d));
    info = await new Promise<ClusterInfo>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`qstate cluster printed nothing in 120 s: ${stderr}`)), 120_000);
      supervisor.stdout!.on("data", (d) => {
        out += d;
        const nl = out.indexOf("\n");
        if (nl < 0) return;
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)));
      });
      supervisor.on("exit", (code) => reject(new Error(`qstate cluster exited with ${code}: ${stderr}`)));
    });
  });

  after(async () => {
    if (supervisor.exitCode === null && supervisor.signalCode === null) {
      const exited = new Promise((r) => supervisor.once("exit", r));
      supervisor.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
    for (const pid of [supervisor.pid, info?.coordinatorPid, ...(info?.taskManagers ?? []).map((t) => t.pid)]) {
      try {
        if (pid !== undefined) process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    }
  });

  test("every key in one call through each proxy of another runtime; values as single queries give them", async () => {
    const keys = info.taskManagers.flatMap((t) => t.keys);
    const runtimesHolding = new Set(info.taskManagers.filter((t) => t.keys.length > 0).map((t) => t.runtime));
    assert.equal(runtimesHolding.size, 3, "keys on every runtime's server");
    for (const tm of info.taskManagers.filter((t) => t.runtime !== runtime)) {
      await using client = new QueryableStateClient(tm.proxy, { requestTimeoutMs: 15_000 });
      // Single queries first (they also wait for every subtask to have processed its keys)...
      const before = new Map<string, bigint>();
      for (const key of keys) {
        const s = await eventually(`${key} via ${tm.runtime}`, () => client.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts));
        before.set(key, s.get()!);
      }
      // ...then one batch: every value at least what the single query saw (the job keeps counting).
      const peer = await client.peerExtensions();
      assert.equal(peer?.extensions.get("batch-get"), 1, `the ${tm.runtime} proxy offers batch-get`);
      const all = [...keys, "nobody"];
      const results = await client.getKvStates(info.jobId, "event-counts", all, stringSerializer, eventCounts);
      const servers = new Set<string>();
      results.forEach((r, i) => {
        assert.equal(r.key, all[i]);
        if (i === keys.length) return assert.ok(!r.ok && r.error instanceof UnknownKeyOrNamespaceError);
        assert.ok(r.ok, `${all[i]} via ${tm.runtime}: ${r.ok ? "" : r.error.message}`);
        assert.ok(r.state.get()! >= before.get(all[i])!, `${all[i]}: ${r.state.get()} < ${before.get(all[i])}`);
        // Freshness from every runtime's state server: written, and the subtask keeps up with its paced source.
        assert.ok(r.freshness !== undefined && r.freshness.version > 0n && r.freshness.lastUpdateMs !== null, JSON.stringify(r.freshness, (_k, v) => typeof v === "bigint" ? String(v) : v));
        servers.add(r.freshness.node);
      });
      assert.equal(servers.size, 3, `answers from the three state servers: ${[...servers]}`);
      // Read-your-writes across processes: a version seen once is met again.
      const seen = results[0].freshness!.version;
      const again = await client.getKvStateWithFreshness(info.jobId, "event-counts", keys[0], stringSerializer, eventCounts, { minVersion: seen, maxStalenessMs: 60_000 });
      assert.ok(again.freshness!.version >= seen);
      const maps = await client.getKvStates(info.jobId, "events-by-type", keys, stringSerializer, eventsByType);
      for (const r of maps) assert.ok(r.ok && [...r.state.values()].reduce((a: bigint, b) => a + (b ?? 0n), 0n) > 0n);
      // Key listing and a map scan across runtimes: pages from every runtime's state server, in order.
      const listed: (string | null)[] = [];
      for await (const k of client.keys(info.jobId, "event-counts", stringSerializer, { pageSize: 5 })) listed.push(k);
      assert.deepEqual([...listed].sort(), [...keys].sort(), `keys via ${tm.runtime}`);
      for (const key of [keys[0], keys[keys.length - 1]]) {
        const scanned: (string | null)[] = [];
        for await (const [type] of client.scanMap(info.jobId, "events-by-type", key, stringSerializer, eventsByType, { pageSize: 2 })) scanned.push(type);
        assert.ok(scanned.length > 0 && scanned.every((t, i) => i === 0 || scanned[i - 1]! < t!), `${key}: ${scanned}`);
      }
    }
  });

  test("a watch of keys on every runtime's server through a proxy of another runtime: each key's changes, values only growing", async () => {
    const keys = info.taskManagers.flatMap((t) => t.keys);
    for (const tm of info.taskManagers.filter((t) => t.runtime !== runtime)) {
      await using client = new QueryableStateClient(tm.proxy, { requestTimeoutMs: 15_000 });
      assert.equal((await client.peerExtensions())?.extensions.get("watch"), 1, `the ${tm.runtime} proxy offers watch`);
      const last = new Map<string, bigint>();
      const deliveries = new Map<string, number>();
      const nodes = new Set<string>();
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 60_000);
      try {
        // The demo job keeps counting: every key changes again and again. Watch until each was delivered twice.
        for await (const e of client.watch(info.jobId, "event-counts", keys, stringSerializer, eventCounts, { signal: ac.signal, waitMs: 5000 })) {
          const v = e.state!.get()!;
          const before = last.get(e.key!);
          assert.ok(before === undefined || v > before, `${e.key}: ${v} after ${before}`);
          last.set(e.key!, v);
          deliveries.set(e.key!, (deliveries.get(e.key!) ?? 0) + 1);
          nodes.add(e.node);
          if (keys.every((k) => (deliveries.get(k) ?? 0) >= 2)) break;
        }
      } finally {
        clearTimeout(timer);
      }
      assert.ok(keys.every((k) => (deliveries.get(k) ?? 0) >= 2), `via ${tm.runtime}: ${JSON.stringify([...deliveries])}`);
      assert.equal(nodes.size, 3, `changes from the three state servers: ${[...nodes]}`);
    }
  });
});
