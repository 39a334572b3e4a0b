// The fault suite (`npm run test:faults`): separate processes on Node, Deno and Bun, a 3-member etcd on
// loopback, bounded client load, and one fault at a time: kill -9 and SIGSTOP of a task manager, a proxy,
// the coordinator, one etcd member (quorum kept), all etcd members; a stranger's hijack attempt on each
// registry. Every answer is checked against the one right value of its key. Prints per fault: requests,
// failures by code, wrong answers, recovery time; then "N passed, M failed" (one check per target).
// Every process it starts runs in its own process group and is killed when the suite ends.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  CoordinatorClient,
  EtcdGateway,
  KeyGroupRange,
  KvStateServer,
  longSerializer,
  QueryableStateClient,
  reducingState,
  serializeValue,
  stringSerializer,
} from "../../mod.ts";
import { etcdBinary, startEtcdCluster, type TestEtcdCluster } from "../../tests/helpers/etcd.ts";
import { freePort } from "../../tests/helpers/free-port.ts";
import { FAULT_JOB, keysOf, valueOf, valueState } from "./role.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const roleScript = fileURLToPath(new URL("./role.ts", import.meta.url));
const TOKEN = `faults-${crypto.randomUUID()}`;
const KEYS = keysOf(60);
const WORKERS = 4;
const PACE_MS = 2;
const REQUEST_TIMEOUT_MS = 3000;
const started = Date.now();
/** Debugging: run only the faults whose name contains this; write every process's log into this directory. */
const ONLY = process.env.QSTATE_FAULTS_ONLY ?? "";
const LOGS = process.env.QSTATE_FAULTS_LOGS ?? "";
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------- processes

type Runtime = "node" | "deno" | "bun";
const RUNTIME_COMMAND: Record<Runtime, [string, string[]]> = {
  node: [process.execPath, ["--import", "tsx", roleScript]],
  deno: [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", roleScript]],
  bun: [`${root}node_modules/.bin/bun`, [roleScript]],
};

class Proc {
  child: ChildProcess | undefined;
  info: Record<string, unknown> = {};
  log = "";
  readonly name: string;
  readonly runtime: Runtime;
  readonly args: string[];
  constructor(name: string, runtime: Runtime, args: string[]) {
    this.name = name;
    this.runtime = runtime;
    this.args = args;
  }

  /** Starts it (again) and resolves with the JSON line it prints once ready. */
  start(timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const [cmd, base] = RUNTIME_COMMAND[this.runtime];
    const child = spawn(cmd, [...base, ...this.args], {
      cwd: root,
      detached: true, // its own process group: signals reach it and nothing else
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, QSTATE_SUPERVISED: "1", QSTATE_TOKEN: TOKEN, NO_COLOR: "1" },
    });
    this.child = child;
    child.stderr!.on("data", (d) => (this.log = (this.log + d).slice(-200_000)));
    return new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`${this.name} did not report ready within ${timeoutMs} ms: ${this.log.slice(-2000)}`)), timeoutMs);
      child.stdout!.on("data", (d) => {
        out += d;
        const nl = out.indexOf("\n");
        if (nl < 0) return;
        clearTimeout(timer);
        this.info = JSON.parse(out.slice(0, nl));
        resolve(this.info);
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (${signal ?? code}) before it was ready: ${this.log.slice(-2000)}`));
      });
    });
  }

  #signal(sig: NodeJS.Signals): void {
    const c = this.child;
    if (c?.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
    try {
      process.kill(-c.pid, sig);
    } catch {
      // gone meanwhile
    }
  }

  async kill(): Promise<void> {
    const c = this.child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once("exit", r));
    this.#signal("SIGCONT");
    this.#signal("SIGKILL");
    await gone;
  }

  pause(): void {
    this.#signal("SIGSTOP");
  }

  resume(): void {
    this.#signal("SIGCONT");
  }
}


// ---------------------------------------------------------------------------------------------- load

interface Sample {
  readonly t: number;
  readonly ok: boolean;
}

interface LoadResult {
  requests: number;
  ok: number;
  wrong: number;
  failures: Map<string, number>;
  /** The first message of each failure code. */
  examples: Map<string, string>;
  samples: Sample[];
}

/**
 * `WORKERS` clients querying keys through `proxies` until `stop` resolves: each at most one request per
 * `PACE_MS` (about 2,000 a second in all, whatever the machine), and 40,000 requests at most.
 */
async function load(proxies: string[], stop: Promise<void>): Promise<LoadResult> {
  const result: LoadResult = { requests: 0, ok: 0, wrong: 0, failures: new Map(), examples: new Map(), samples: [] };
  let done = false;
  void stop.then(() => (done = true));
  const worker = async (w: number) => {
    const client = new QueryableStateClient(proxies.join(","), { requestTimeoutMs: REQUEST_TIMEOUT_MS });
    try {
      for (let i = 0, last = 0; !done && result.requests < 40_000; i++) {
        const wait = last + PACE_MS - Date.now();
        if (wait > 0) await sleep(wait);
        last = Date.now();
        const key = KEYS[(i * 7 + w * 13) % KEYS.length];
        result.requests++;
        try {
          const state = await client.getKvState(FAULT_JOB, "value", key, stringSerializer, valueState);
          if (state.get() === valueOf(key)) result.ok++;
          else {
            result.wrong++;
            console.log(`WRONG ANSWER: ${key} = ${state.get()} (expected ${valueOf(key)})`);
          }
          result.samples.push({ t: Date.now(), ok: true });
        } catch (e) {
          const code = (e as { code?: string }).code ?? "UNTYPED";
          if (!result.failures.has(code)) result.examples.set(code, String((e as Error)?.message ?? e).slice(0, 300));
          result.failures.set(code, (result.failures.get(code) ?? 0) + 1);
          result.samples.push({ t: Date.now(), ok: false });
          await sleep(20); // a failing path must not spin
        }
      }
    } finally {
      await client.close();
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  return result;
}

/** Until every key answers its right value through `proxies` (between faults; not measured). */
async function settle(proxies: string[], what: string): Promise<void> {
  const client = new QueryableStateClient(proxies.join(","), { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const until = Date.now() + 40_000;
  try {
    for (const key of KEYS) {
      for (;;) {
        try {
          if ((await client.getKvState(FAULT_JOB, "value", key, stringSerializer, valueState)).get() === valueOf(key)) break;
        } catch (e) {
          if (Date.now() > until) throw new Error(`${what}: key ${key} still fails after 40 s: ${(e as Error).message}`);
        }
        await sleep(100);
      }
    }
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------------------------------------- faults

interface Row {
  fault: string;
  load: LoadResult;
  recoveryMs: number;
  checks: { what: string; ok: boolean | "skip"; detail?: string }[];
}
const rows: Row[] = [];
let passed = 0, failed = 0;

/**
 * One fault under load: 1 s of load, `inject`, `heal` after `healAfterMs`, load until `durationMs`;
 * recovery = from the injection to the last failed request (0 when none failed).
 */
async function fault(
  name: string,
  proxies: string[],
  o: { inject: () => Promise<void> | void; heal?: () => Promise<void> | void; healAfterMs?: number; durationMs?: number },
  checks: (r: LoadResult, recoveryMs: number) => Promise<Row["checks"]> | Row["checks"],
): Promise<void> {
  if (ONLY !== "" && !name.includes(ONLY)) return;
  const durationMs = o.durationMs ?? 6000;
  for (const p of procs) p.log += `\n===== ${new Date().toISOString()} fault: ${name}\n`;
  let end!: () => void;
  const stopped = new Promise<void>((r) => (end = r));
  const running = load(proxies, stopped);
  await sleep(1000);
  const injectedAt = Date.now();
  await o.inject();
  if (o.heal) {
    await sleep(o.healAfterMs ?? 2000);
    await o.heal();
  }
  await sleep(Math.max(0, durationMs - (Date.now() - injectedAt) - 1000));
  end();
  const r = await running;
  const lastFailure = r.samples.filter((s) => !s.ok && s.t >= injectedAt).reduce((m, s) => Math.max(m, s.t), 0);
  const recoveryMs = lastFailure === 0 ? 0 : lastFailure - injectedAt;
  const list = [{ what: "0 wrong answers", ok: r.wrong === 0, detail: `${r.wrong} wrong` }, ...await checks(r, recoveryMs)];
  rows.push({ fault: name, load: r, recoveryMs, checks: list });
  for (const c of list) {
    if (c.ok === "skip") console.log(`  SKIP ${name}: ${c.what}${c.detail ? ` (${c.detail})` : ""}`);
    else if (c.ok) passed++;
    else {
      failed++;
      console.log(`  FAIL ${name}: ${c.what}${c.detail ? ` (${c.detail})` : ""}`);
    }
  }
  const failures = [...r.failures].map(([c, n]) => `${c}=${n}`).join(" ") || "-";
  console.log(`[${elapsed()}] ${name}: ${r.requests} requests, failures ${failures}, ${r.wrong} wrong, recovery ${recoveryMs} ms`);
  for (const [code, message] of r.examples) console.log(`    e.g. ${code}: ${message.replaceAll("\n", " ")}`);
}

const failRate = (r: LoadResult) => (r.requests === 0 ? 1 : (r.requests - r.ok - r.wrong) / r.requests);
const percent = (x: number) => `${(x * 100).toFixed(2)} %`;

// ---------------------------------------------------------------------------------------------- deployments

const procs: Proc[] = [];
let etcd: TestEtcdCluster | undefined;

async function etcdDeployment(): Promise<void> {
  etcd = await startEtcdCluster(3);
  const urls = etcd.url;
  console.log(`[${elapsed()}] etcd: 3 members ${urls}`);
  const runtimes: Runtime[] = ["node", "deno", "bun"];
  const tms = await Promise.all(runtimes.map(async (runtime, i) =>
    new Proc(`taskmanager-${i} (${runtime})`, runtime, [
      "taskmanager", "--index", String(i), "--parallelism", "3", "--keys", String(KEYS.length), "--etcd", urls,
      "--server-port", String(await freePort()), "--proxy-port", String(await freePort()),
    ])
  ));
  const proxy = new Proc("proxy (node)", "node", ["proxy", "--etcd", urls, "--port", String(await freePort())]);
  procs.push(...tms, proxy);
  await Promise.all([...tms, proxy].map((p) => p.start()));
  // The standalone proxy is every client's preferred one; the task managers' proxies follow.
  const proxies = [String(proxy.info.proxy), ...tms.map((t) => String(t.info.proxy))];
  console.log(`[${elapsed()}] etcd deployment up: ${tms.map((t) => `${t.name} pid ${t.info.pid}`).join(", ")}, ${proxy.name} pid ${proxy.info.pid}`);
  await settle(proxies, "start");
  const restart = (p: Proc) => async () => void await p.start();

  await fault("task manager kill -9 (bun), restarted after 3 s", proxies, { inject: () => tms[2].kill(), heal: restart(tms[2]), healAfterMs: 3000 }, () => []);
  await settle(proxies, "task manager kill");
  await fault("task manager SIGSTOP 3 s (deno)", proxies, { inject: () => tms[1].pause(), heal: () => tms[1].resume(), healAfterMs: 3000 }, () => []);
  await settle(proxies, "task manager stop");
  await fault("proxy kill -9 (preferred), restarted after 1 s", proxies, { inject: () => proxy.kill(), heal: restart(proxy), healAfterMs: 1000 }, () => []);
  await settle(proxies, "proxy kill");
  const perAttempt = readFileSync(`${root}src/client/queryable-state-client.ts`, "utf8").includes("attemptTimeoutMs");
  await fault("proxy SIGSTOP 3 s (preferred)", proxies, { inject: () => proxy.pause(), heal: () => proxy.resume(), healAfterMs: 3000 }, (r) => [{
    what: "healthy keys keep answering within one attempt deadline (< 1 % failed)",
    ok: perAttempt ? failRate(r) < 0.01 : "skip",
    detail: perAttempt
      ? `${percent(failRate(r))} failed`
      : `${percent(failRate(r))} failed; QueryableStateClient has no per-attempt deadline yet, so a frozen preferred proxy costs whole request timeouts`,
  }]);
  await settle(proxies, "proxy stop");

  // The leader: the harder case (an election follows); a follower is the other one.
  const leader = async () => {
    const status = await Promise.all(etcd!.members.map(async (m) => {
      const res = await fetch(`${m.url}/v3/maintenance/status`, { method: "POST", body: "{}", signal: AbortSignal.timeout(2000) });
      const json = await res.json() as { header: { member_id: string }; leader: string };
      return { m, isLeader: json.header.member_id === json.leader };
    }));
    return status.find((s) => s.isLeader)?.m ?? etcd!.members[0];
  };
  let victim = await leader();
  await fault("one etcd member (the leader) kill -9, quorum kept, restarted after 3 s", proxies, {
    inject: () => victim.kill(),
    heal: () => victim.start(),
    healAfterMs: 3000,
  }, (r) => [{ what: "< 1 % failed queries", ok: failRate(r) < 0.01, detail: `${percent(failRate(r))} failed` }]);
  await settle(proxies, "etcd member kill");
  victim = await leader();
  await fault("one etcd member (the leader) SIGSTOP 3 s, quorum kept", proxies, {
    inject: () => victim.pause(),
    heal: () => victim.resume(),
    healAfterMs: 3000,
  }, (r) => [{ what: "< 1 % failed queries", ok: failRate(r) < 0.01, detail: `${percent(failRate(r))} failed` }]);
  await settle(proxies, "etcd member stop");

  let cold = "";
  await fault("all etcd members kill -9 for 4 s", proxies, {
    inject: async () => {
      await Promise.all(etcd!.members.map((m) => m.kill()));
      // A lookup no proxy has cached needs etcd: the client must get the typed error.
      const client = new QueryableStateClient(proxies[1], { requestTimeoutMs: REQUEST_TIMEOUT_MS });
      try {
        await client.getKvState(FAULT_JOB, "never-registered", KEYS[0], stringSerializer, reducingState("x", (a: bigint) => a, longSerializer));
        cold = "answered?!";
      } catch (e) {
        cold = (e as { code?: string }).code ?? "UNTYPED";
      } finally {
        await client.close();
      }
    },
    heal: () => Promise.all(etcd!.members.map((m) => m.start())).then(() => {}),
    healAfterMs: 4000,
    durationMs: 8000,
  }, (r) => [
    { what: "cached keys keep answering (< 1 % failed)", ok: failRate(r) < 0.01, detail: `${percent(failRate(r))} failed` },
    { what: "an uncached lookup fails with ETCD_UNAVAILABLE", ok: cold === "ETCD_UNAVAILABLE", detail: cold },
  ]);
  await settle(proxies, "all etcd down");

  // A stranger who can write to etcd (auth off here) points task manager 0's entry at its own server,
  // which answers 999 for every key, and copies task manager 1's signed entry to a key of its own.
  const stranger = new KvStateServer();
  const forgedId = stranger.registry.register({ getSerializedValue: () => serializeValue(999n, longSerializer) });
  const at = await stranger.start();
  const gateway = new EtcdGateway(etcd.urls);
  const dir = `/queryable-state/loc/${FAULT_JOB}/value/`;
  let restored = false;
  try {
    await fault("etcd hijack: a stranger's forged PUT and a replayed entry", proxies, {
      inject: async () => {
        const { kvs } = await gateway.rangePrefix(dir);
        const real = kvs.map((kv) => ({ kv, e: JSON.parse(kv.value) })).sort((a, b) => a.e.range[0] - b.e.range[0]);
        const forged = { vertex: real[0].e.vertex, numKeyGroups: 128, range: [0, 127], kvStateId: forgedId.toString(), address: [at.hostname, at.port], tm: "stranger" };
        await gateway.put(real[0].kv.key, JSON.stringify(forged));
        await gateway.put(`${dir}0x`, real[1].kv.value);
        // The preferred proxy restarts cold while the forged entries are there: it must refuse them too.
        await proxy.kill();
        await proxy.start();
      },
      durationMs: 6000,
    }, async () => {
      const { kvs } = await gateway.rangePrefix(dir);
      restored = kvs.every((kv) => JSON.parse(kv.value).tm !== "stranger");
      const logged = procs.some((p) => p.log.includes("Rejected etcd entry"));
      return [
        { what: "forged entries refused and logged", ok: logged, detail: logged ? "logged" : "no 'Rejected etcd entry' in any log" },
        { what: "the task manager put its entry back", ok: restored },
      ];
    });
  } finally {
    await gateway.delete(`${dir}0x`).catch(() => {});
    await stranger.close();
  }
  await settle(proxies, "etcd hijack");
  for (const p of [...tms, proxy]) await p.kill();
}

async function coordinatorDeployment(): Promise<void> {
  const port = await freePort();
  const coordinator = new Proc("coordinator (node)", "node", ["coordinator", "--port", String(port)]);
  procs.push(coordinator);
  await coordinator.start();
  const runtimes: Runtime[] = ["bun", "node", "deno"];
  const tms = await Promise.all(runtimes.map(async (runtime, i) =>
    new Proc(`taskmanager-${i} (${runtime})`, runtime, [
      "taskmanager", "--index", String(i), "--parallelism", "3", "--keys", String(KEYS.length), "--coordinator", `127.0.0.1:${port}`,
      "--server-port", String(await freePort()), "--proxy-port", String(await freePort()),
    ])
  ));
  procs.push(...tms);
  await Promise.all(tms.map((t) => t.start()));
  const proxies = tms.map((t) => String(t.info.proxy));
  console.log(`[${elapsed()}] coordinator deployment up: coordinator pid ${coordinator.info.pid}, ${tms.map((t) => `${t.name} pid ${t.info.pid}`).join(", ")}`);
  await settle(proxies, "start");

  await fault("coordinator kill -9, restarted after 1 s", proxies, {
    inject: () => coordinator.kill(),
    heal: async () => void await coordinator.start(),
    healAfterMs: 1000,
  }, () => []);
  await settle(proxies, "coordinator kill");
  await fault("coordinator SIGSTOP 3 s", proxies, { inject: () => coordinator.pause(), heal: () => coordinator.resume(), healAfterMs: 3000 }, () => []);
  await settle(proxies, "coordinator stop");

  // A stranger registers its own server for the job's state over every key group, without the token and
  // with a wrong one, and tries to unregister the job.
  const stranger = new KvStateServer();
  const forgedId = stranger.registry.register({ getSerializedValue: () => serializeValue(999n, longSerializer) });
  const at = await stranger.start();
  const outcomes: string[] = [];
  try {
    await fault("coordinator hijack: registrations without the token", proxies, {
      inject: async () => {
        const reader = new CoordinatorClient({ hostname: "127.0.0.1", port });
        const vertex = (await reader.listStates(FAULT_JOB))[0].states[0].vertex;
        await reader.close();
        for (const token of [undefined, "wrong-token"]) {
          const c = new CoordinatorClient({ hostname: "127.0.0.1", port }, token === undefined ? {} : { token });
          try {
            await c.registerJob("stranger", FAULT_JOB, new Map([[vertex, 128]]));
            await c.registerState("stranger", FAULT_JOB, vertex, new KeyGroupRange(0, 127), "value", forgedId, at);
            outcomes.push("accepted");
          } catch (e) {
            outcomes.push((e as { code?: string }).code ?? "UNTYPED");
          }
          try {
            await c.unregisterJob(FAULT_JOB);
            outcomes.push("unregistered");
          } catch (e) {
            outcomes.push((e as { code?: string }).code ?? "UNTYPED");
          }
          await c.close();
        }
      },
    }, () => {
      const refused = outcomes.length === 4 && outcomes.every((o) => o === "COORDINATOR_UNAUTHORIZED");
      const logged = coordinator.log.includes("refused operation");
      return [
        { what: "refused (COORDINATOR_UNAUTHORIZED)", ok: refused, detail: outcomes.join(", ") },
        { what: "logged by the coordinator", ok: logged },
      ];
    });
  } finally {
    await stranger.close();
  }
  for (const p of [coordinator, ...tms]) await p.kill();
}

// ---------------------------------------------------------------------------------------------- main

async function main(): Promise<number> {
  if (etcdBinary() === undefined) {
    console.log("etcd is not installed (apt-get install -y etcd-server): the fault suite needs it.");
    console.log("0 passed, 1 failed");
    return 1;
  }
  try {
    await etcdDeployment();
    await coordinatorDeployment();
  } catch (e) {
    failed++;
    console.log(`FAIL: the suite stopped: ${(e as Error)?.stack ?? e}`);
  } finally {
    for (const p of procs) await p.kill().catch(() => {});
    await etcd?.stop().catch(() => {});
    if (LOGS !== "") {
      mkdirSync(LOGS, { recursive: true });
      for (const p of procs) writeFileSync(`${LOGS}/${p.name.replace(/\W+/g, "-")}.log`, p.log);
    }
  }
  console.log("\n| fault | requests | failed | failures by code | wrong | recovery | targets |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  for (const r of rows) {
    const codes = [...r.load.failures].map(([c, n]) => `${c} ${n}`).join(", ") || "—";
    const targets = r.checks.map((c) => `${c.what}: ${c.ok === "skip" ? "skipped" : c.ok ? "ok" : "FAILED"}${c.detail ? ` (${c.detail})` : ""}`).join("; ");
    console.log(`| ${r.fault} | ${r.load.requests} | ${percent(failRate(r.load))} | ${codes} | ${r.load.wrong} | ${r.recoveryMs} ms | ${targets} |`);
  }
  console.log(`\nfault suite took ${elapsed()}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
