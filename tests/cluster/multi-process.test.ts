// `qstate cluster`: a coordinator and three task managers as separate OS processes on Node,
// Deno and Bun (supervised from the runtime running this test), queried over loopback; then
// kill -9 of a task manager and of the coordinator. Every process is killed in `after`, also
// when a test fails. Bounded: every wait has a deadline.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import {
  listState,
  QueryableStateClient,
  QueryableStateError,
  reducingState,
  longSerializer,
  stringSerializer,
} from "../../mod.ts";
import { eventually as retryUntil } from "../helpers/eventually.ts";
import { command, root, run, runtime } from "../helpers/cli.ts";

const eventCounts = reducingState("event-counts", (a: bigint, b: bigint) => a + b, longSerializer);
const recentEvents = listState("recent-events", stringSerializer);
/** Children stay down this long after they die, so the outage can be observed (proxy deadline: 5 s). */
const RESTART_DELAY_MS = 8000;

interface TmInfo { index: number; pid: number; runtime: string; proxy: string; server: string; keyGroups: [number, number]; keys: string[] }
interface ClusterInfo { jobId: string; coordinator: string; coordinatorPid: number; proxies: string[]; taskManagers: TmInfo[] }

const eventually = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> => retryUntil(what, fn, timeoutMs, 500);

function killQuietly(pid: number | undefined, signal: NodeJS.Signals = "SIGKILL"): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** The registration secret, handed to the supervisor in its environment. */
const TOKEN = "multi-process-secret-0f3a";

describe(`qstate cluster (supervisor on ${runtime}; task managers on node, deno, bun)`, () => {
  let supervisor: ChildProcess;
  let info: ClusterInfo;
  const pids = new Set<number>();
  const events: Record<string, unknown>[] = [];
  const clients: QueryableStateClient[] = [];
  let stderr = "";

  const client = (proxy: string) => {
    const c = new QueryableStateClient(proxy, { requestTimeoutMs: 15_000 });
    clients.push(c);
    return c;
  };

  before(async () => {
    supervisor = spawn(command[0], [
      ...command[1], "cluster", "--task-managers", "3", "--runtimes", "node,deno,bun", "--json",
      "--heartbeat-timeout", "2000", "--heartbeat-interval", "300", "--restart-delay", String(RESTART_DELAY_MS),
    ], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, QSTATE_TOKEN: TOKEN } });
    supervisor.stderr!.on("data", (d) => (stderr += d));
    info = await new Promise<ClusterInfo>((resolve, reject) => {
      let out = "";
      let first = true;
      const timer = setTimeout(() => reject(new Error(`qstate cluster printed nothing in 120 s: ${stderr}`)), 120_000);
      supervisor.stdout!.on("data", (d) => {
        out += d;
        for (let nl = out.indexOf("\n"); nl >= 0; nl = out.indexOf("\n")) {
          const line = JSON.parse(out.slice(0, nl));
          out = out.slice(nl + 1);
          if (first) {
            first = false;
            clearTimeout(timer);
            pids.add(line.coordinatorPid);
            for (const tm of line.taskManagers) pids.add(tm.pid);
            resolve(line);
          } else {
            events.push(line);
            pids.add(line.pid);
          }
        }
      });
      supervisor.on("exit", (code) => reject(new Error(`qstate cluster exited with ${code}: ${stderr}`)));
    });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (supervisor.exitCode === null && supervisor.signalCode === null) {
      const exited = new Promise((r) => supervisor.once("exit", r));
      supervisor.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      killQuietly(supervisor.pid);
    }
    for (const pid of pids) killQuietly(pid);
  });

  test("the token reaches the children in their environment, never on a command line (ps shows argv)", () => {
    for (const pid of [info.coordinatorPid, ...info.taskManagers.map((t) => t.pid)]) {
      // What any user of the machine sees: ps's command line of the process (POSIX `ps -o args=`).
      const argv = execFileSync("ps", ["-o", "args=", "-p", String(pid)], { encoding: "utf8" });
      assert.ok(argv.includes("--json"), `pid ${pid} is one of ours: ${argv}`);
      assert.ok(!argv.includes(TOKEN), `pid ${pid} shows the token in argv`);
    }
  });

  test("qstate states lists the demo job's states at the cluster's coordinator", async () => {
    const r = await run(["states", "--coordinator", info.coordinator, "--job", info.jobId, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const [job] = JSON.parse(r.stdout);
    assert.equal(job.jobId, info.jobId);
    assert.deepEqual(job.states.map((s: { name: string }) => s.name).sort(), ["event-counts", "events-by-type", "last-event", "recent-events"]);
    for (const s of job.states) assert.equal(s.registeredKeyGroups, s.numKeyGroups, JSON.stringify(s));
  });

  const restarted = (role: string, after: number) => eventually(`${role} restart`, () => {
    const e = events.slice(after).find((x) => x.role === role);
    if (e === undefined) throw new Error("not yet");
    return e;
  }, 120_000);

  test("the first line describes the cluster; every key answers through every proxy", async () => {
    assert.match(info.jobId, /^[0-9a-f]{32}$/);
    assert.deepEqual(info.taskManagers.map((t) => t.runtime), ["node", "deno", "bun"]);
    assert.equal(info.proxies.length, 3);
    const covered = info.taskManagers.flatMap((t) => t.keys);
    assert.ok(covered.length >= 16 && new Set(covered).size === covered.length);
    for (const proxy of info.proxies) {
      const c = client(proxy);
      for (const key of covered) {
        const count = await eventually(`${key} via ${proxy}`, () => c.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts));
        assert.ok(count.get()! > 0n);
      }
    }
  });

  test("kill -9 of a task manager: its keys fail with a typed error, the others answer; the replacement serves them again", async () => {
    const victim = info.taskManagers.find((t) => t.keys.length > 0 && t.index !== 0) ?? info.taskManagers[1];
    const others = info.taskManagers.filter((t) => t !== victim).flatMap((t) => t.keys);
    const via = client(info.taskManagers.find((t) => t !== victim)!.proxy);
    const seen = events.length;
    process.kill(victim.pid, "SIGKILL");
    if (victim.keys.length > 0) {
      await assert.rejects(via.getKvState(info.jobId, "event-counts", victim.keys[0], stringSerializer, eventCounts), (e: unknown) => {
        assert.ok(e instanceof QueryableStateError, String(e));
        // Refused or cut connections to its server, or (after heartbeat expiry) no server for the key group.
        assert.ok(["SERVER_UNREACHABLE", "UNKNOWN_KEY_GROUP_LOCATION"].includes(e.code), `${e.code}: ${e.message}`);
        return true;
      });
    }
    for (const key of others) assert.ok((await via.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts)).get()! > 0n);
    const replacement = await restarted(`taskmanager-${victim.index}`, seen);
    for (const key of victim.keys) {
      await eventually(`${key} served again`, () => via.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts));
    }
    // Through the replacement's own proxy too (normally on the same port as before).
    const again = client(String(replacement.proxy));
    for (const key of [...victim.keys, ...others]) {
      await eventually(`${key} via the replacement`, () => again.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts));
    }
  });

  test("kill -9 of the coordinator: cached lookups keep working; cold lookups work again once it is back", async () => {
    const proxies = info.taskManagers.map((t) => t.proxy);
    const all = info.taskManagers.flatMap((t) => t.keys);
    const warm = client(proxies.join(","));
    for (const key of all) await eventually(`${key} warm`, () => warm.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts));
    const seen = events.length;
    process.kill(info.coordinatorPid, "SIGKILL");
    await eventually("the coordinator gone", () => assert.throws(() => process.kill(info.coordinatorPid, 0)));
    for (const key of all) assert.ok((await warm.getKvState(info.jobId, "event-counts", key, stringSerializer, eventCounts)).get()! > 0n);
    // "recent-events" was never looked up: it needs the coordinator.
    await assert.rejects(warm.getKvState(info.jobId, "recent-events", all[0], stringSerializer, recentEvents), QueryableStateError);
    const replacement = await restarted("coordinator", seen);
    assert.equal(replacement.coordinator, info.coordinator, "the coordinator came back on its port");
    for (const key of all) {
      const recent = await eventually(`${key} cold lookup`, () => warm.getKvState(info.jobId, "recent-events", key, stringSerializer, recentEvents));
      assert.ok([...recent.get()].length > 0);
    }
  });
});
