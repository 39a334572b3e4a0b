// Two "hosts": two network namespaces joined by a veth pair, each with its own address (made and
// removed by this test; skipped, saying so, where `ip netns` is not allowed — it needs root).
// A coordinator and task manager 0 on host A, task manager 1 on host B; queries from each host go
// through the other host's proxy. Every child is killed and both namespaces removed in `after`.
import assert from "node:assert/strict";
import process from "node:process";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { detectRuntime, JobID } from "../../mod.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const main = `${root}src/cli/main.ts`;
const runtime = detectRuntime();
const qstate: string[] = runtime === "deno"
  ? [`${root}node_modules/.bin/deno`, "run", "-A", "--no-check", main]
  : runtime === "bun"
  ? [`${root}node_modules/.bin/bun`, main]
  : ["node", "--import", "tsx", main];

const tag = `${process.pid % 100000}`;
const nsA = `qsA${tag}`, nsB = `qsB${tag}`;
const subnet = `10.77.${process.pid % 250}`;
const ipA = `${subnet}.1`, ipB = `${subnet}.2`;

function ip(...args: string[]): boolean {
  return spawnSync("ip", args, { stdio: "ignore" }).status === 0;
}

function netnsAllowed(): boolean {
  const probe = `qsP${tag}`;
  if (!ip("netns", "add", probe)) return false;
  ip("netns", "del", probe);
  return true;
}

const skip = process.platform !== "linux" || !netnsAllowed()
  ? "ip netns is not available here (needs Linux, iproute2 and root); the two-host test cannot make its hosts"
  : false;

function startIn(ns: string, args: string[], children: ChildProcess[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const child = spawn("ip", ["netns", "exec", ns, ...qstate, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "", err = "";
    const timer = setTimeout(() => reject(new Error(`${args[0]} in ${ns} printed nothing in 60 s: ${err}`)), 60_000);
    child.stderr!.on("data", (d) => (err += d));
    child.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, nl)));
      }
    });
    child.on("exit", (code) => reject(new Error(`${args[0]} in ${ns} exited with ${code}: ${err}`)));
  });
}

function getIn(ns: string, proxy: string, job: string, key: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("ip", ["netns", "exec", ns, ...qstate, "get", "--proxy", proxy, "--job", job, "--state", "event-counts", "--key", key, "--key-type", "string", "--value-type", "long", "--json", "--timeout", "10000"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe(`two hosts (network namespaces), CLI on ${runtime}`, { skip }, () => {
  const children: ChildProcess[] = [];
  const jobId = JobID.random().toString();
  let tm0: Record<string, unknown>, tm1: Record<string, unknown>;

  before(async () => {
    const vA = `qa${tag}`, vB = `qb${tag}`;
    for (const step of [
      ["netns", "add", nsA], ["netns", "add", nsB],
      ["link", "add", vA, "type", "veth", "peer", "name", vB],
      ["link", "set", vA, "netns", nsA], ["link", "set", vB, "netns", nsB],
      ["-n", nsA, "addr", "add", `${ipA}/24`, "dev", vA], ["-n", nsB, "addr", "add", `${ipB}/24`, "dev", vB],
      ["-n", nsA, "link", "set", vA, "up"], ["-n", nsB, "link", "set", vB, "up"],
      ["-n", nsA, "link", "set", "lo", "up"], ["-n", nsB, "link", "set", "lo", "up"],
    ]) assert.ok(ip(...step), `ip ${step.join(" ")} failed`);
    const coordinator = await startIn(nsA, ["coordinator", "--host", ipA, "--port", "0", "--heartbeat-timeout", "5000", "--json"], children);
    // No token given: the coordinator made one and showed it once; the task managers get it in their environment.
    assert.match(String(coordinator.token), /^[\w-]{43}$/);
    const env = { QSTATE_TOKEN: String(coordinator.token) };
    const common = ["--coordinator", String(coordinator.coordinator), "--job", jobId, "--parallelism", "2", "--task-managers", "2", "--json"];
    [tm0, tm1] = await Promise.all([
      startIn(nsA, ["taskmanager", ...common, "--subtask", "0", "--host", ipA], children, env),
      startIn(nsB, ["taskmanager", ...common, "--subtask", "1", "--host", ipB], children, env),
    ]);
  });

  after(() => {
    for (const c of children) c.kill("SIGKILL");
    ip("netns", "del", nsA); // removes the veth pair with it
    ip("netns", "del", nsB);
  });

  test("each host's keys answer through the other host's proxy", () => {
    assert.match(String(tm0.server), new RegExp(`^${ipA.replaceAll(".", "\\.")}:`));
    assert.match(String(tm1.server), new RegExp(`^${ipB.replaceAll(".", "\\.")}:`));
    const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [[nsB, tm0, tm1], [nsA, tm1, tm0]];
    for (const [clientNs, viaTm, ownerTm] of cases) {
      for (const key of (ownerTm.keys as string[]).slice(0, 3)) {
        const r = getIn(clientNs, String(viaTm.proxy), jobId, key);
        assert.equal(r.code, 0, r.stderr);
        assert.ok(JSON.parse(r.stdout).value > 0, r.stdout);
      }
    }
  });
});
