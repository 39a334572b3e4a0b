/**
 * `qstate cluster`: a supervisor that starts a coordinator and N task-manager OS processes
 * (runtimes round-robin), runs the demo job with subtask i on task manager i, and restarts
 * any child that dies — on the same ports when it can, so clients' proxy lists stay valid.
 * Children hold a stdin pipe from us and end themselves when it closes (see watch-parent.ts),
 * so nothing is left behind even if the supervisor is killed with -9.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { JobID } from "../core/ids.ts";
import { DEMO_STATES, demoStateLines } from "./demo-job.ts";
import { type CliRuntime, runtimeCommand } from "./runtime-command.ts";
import { untilStopped } from "./until-stopped.ts";

export interface ClusterOptions {
  taskManagers: number;
  runtimes: CliRuntime[];
  host: string;
  json: boolean;
  token?: string;
  /** The token was made by the supervisor: shown once in what it prints. */
  tokenGenerated?: boolean;
  /** TLS flags handed to every task manager as they were given (file paths, not secrets). */
  tlsArgs?: string[];
  /** The server TLS flags among them, for the coordinator. */
  coordinatorTlsArgs?: string[];
  heartbeatTimeoutMs: number;
  heartbeatIntervalMs: number;
  /** Register locations in etcd (its URL) instead of the coordinator; the coordinator serves lookups from it. */
  etcd?: string;
  /** The etcd credential and TLS flags to hand to every child (the password stays in the environment). */
  etcdArgs?: string[];
  /** Wait this long before restarting a child that died (tests use it to watch the outage). @default 0 */
  restartDelayMs?: number;
  /** Give up when a child does not report ready in this long. @default 60000 */
  startTimeoutMs?: number;
}

type Info = Record<string, unknown>;

interface Role {
  readonly name: string;
  readonly runtime: CliRuntime;
  /** The CLI arguments for a (re)start; `info` is what the last run reported. */
  readonly args: (info: Info | undefined) => string[];
  child?: ChildProcess;
  info?: Info;
}

/**
 * Starts one child and resolves with the JSON line it prints once ready. The token goes in the child's
 * environment (QSTATE_TOKEN), never on its command line, which any user of the machine can read in `ps`.
 */
function start(role: Role, script: string, timeoutMs: number, token: string | undefined): Promise<Info> {
  const [cmd, base] = runtimeCommand(role.runtime, script);
  const env: Record<string, string | undefined> = { ...process.env, QSTATE_SUPERVISED: "1", NO_COLOR: "1" };
  if (token === undefined) delete env.QSTATE_TOKEN;
  else env.QSTATE_TOKEN = token;
  const child = spawn(cmd, [...base, ...role.args(role.info)], { stdio: ["pipe", "pipe", "pipe"], env });
  role.child = child;
  return new Promise((resolve, reject) => {
    let out = "";
    let ready = false;
    const timer = setTimeout(() => fail(new Error(`${role.name} did not report ready within ${timeoutMs} ms.`)), timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      if (!ready) child.kill("SIGKILL");
      reject(e);
    };
    child.stderr!.on("data", (d) => process.stderr.write(`[${role.name}] ${d}`));
    child.stdout!.on("data", (d) => {
      if (ready) return;
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      ready = true;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch (e) {
        reject(new Error(`${role.name} printed no JSON line: ${out.slice(0, nl)}`, { cause: e }));
      }
    });
    child.on("error", (e) => fail(e));
    child.on("exit", (code, signal) => {
      if (!ready) fail(new Error(`${role.name} exited with ${signal ?? code} before it was ready.`));
    });
  });
}

/** Resolves once `child` has exited. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function runCluster(o: ClusterOptions): Promise<void> {
  const script = process.argv[1];
  const timeoutMs = o.startTimeoutMs ?? 60_000;
  const jobId = JobID.random().toString();
  const etcd = o.etcd === undefined ? [] : ["--etcd", o.etcd, ...(o.etcdArgs ?? [])];
  const tls = o.tlsArgs ?? [];
  let stopping = false;
  const emit = (line: Info) => {
    if (o.json) process.stdout.write(JSON.stringify(line) + "\n");
  };

  const coordinator: Role = {
    name: "coordinator",
    runtime: "node",
    // A restart takes the same port when it is free (task managers know it), else any port.
    args: (info) => [
      "coordinator", "--json", "--host", o.host, "--heartbeat-timeout", String(o.heartbeatTimeoutMs), ...etcd, ...(o.coordinatorTlsArgs ?? []), ...(o.token === undefined ? ["--insecure"] : []),
      "--port", info === undefined ? "0" : `${String(info.coordinator).split(":").pop()},0`,
    ],
  };
  const taskManagers: Role[] = Array.from({ length: o.taskManagers }, (_, i) => ({
    name: `taskmanager-${i}`,
    runtime: o.runtimes[i % o.runtimes.length],
    args: (info) => [
      "taskmanager", "--json", ...(o.etcd === undefined ? ["--coordinator", String(coordinator.info!.coordinator)] : etcd), "--host", o.host, ...tls,
      "--job", jobId, "--subtask", String(i), "--parallelism", String(o.taskManagers), "--task-managers", String(o.taskManagers),
      "--heartbeat-interval", String(o.heartbeatIntervalMs),
      "--proxy-port", info === undefined ? "0" : `${String(info.proxy).split(":").pop()},0`,
      "--server-port", info === undefined ? "0" : `${String(info.server).split(":").pop()},0`,
    ],
  }));

  const all = [coordinator, ...taskManagers];
  const stopAll = async () => {
    stopping = true;
    const children = all.map((r) => r.child).filter((c): c is ChildProcess => c !== undefined);
    for (const c of children) c.kill("SIGTERM");
    const hard = setTimeout(() => children.forEach((c) => c.kill("SIGKILL")), 5000);
    await Promise.all(children.map(exited));
    clearTimeout(hard);
  };

  /** Keeps `role` running: when its process ends (and we are not stopping), starts it again. */
  const supervise = (role: Role) => {
    void exited(role.child!).then(async () => {
      if (!stopping) process.stderr.write(`[supervisor] ${role.name} (pid ${role.child!.pid}) ended; restarting it${o.restartDelayMs ? ` in ${o.restartDelayMs} ms` : ""}.\n`);
      if (o.restartDelayMs) await new Promise((r) => setTimeout(r, o.restartDelayMs));
      for (let attempt = 1; !stopping; attempt++) {
        try {
          role.info = await start(role, script, timeoutMs, o.token);
          emit({ event: "restarted", role: role.name, ...role.info });
          supervise(role);
          return;
        } catch (e) {
          process.stderr.write(`[supervisor] restarting ${role.name} failed (attempt ${attempt}): ${(e as Error).message}\n`);
          await new Promise((r) => setTimeout(r, Math.min(5000, 200 * attempt)));
        }
      }
    });
  };

  try {
    coordinator.info = await start(coordinator, script, timeoutMs, o.token);
    await Promise.all(taskManagers.map(async (r) => (r.info = await start(r, script, timeoutMs, o.token))));
  } catch (e) {
    await stopAll();
    throw e;
  }
  for (const r of all) supervise(r);
  const tms = taskManagers.map((r, index) => ({
    index,
    pid: r.info!.pid,
    runtime: r.runtime,
    proxy: r.info!.proxy,
    server: r.info!.server,
    keyGroups: r.info!.keyGroups,
    keys: r.info!.keys,
  }));
  const summary = {
    jobId,
    coordinator: coordinator.info.coordinator,
    coordinatorPid: coordinator.info.pid,
    proxies: tms.map((t) => t.proxy),
    taskManagers: tms,
    states: DEMO_STATES,
  };
  if (o.json) emit(o.tokenGenerated ? { ...summary, token: o.token } : summary);
  else {
    process.stdout.write(
      `Cluster: coordinator ${summary.coordinator} (pid ${summary.coordinatorPid}), ${tms.length} task manager process(es) running job ${jobId}\n` +
        tms.map((t) => `  #${t.index} ${t.runtime} pid ${t.pid}: proxy ${t.proxy}, key groups ${(t.keyGroups as number[]).join("-")}\n`).join("") +
        `Its queryable states, each queryable through any proxy, e.g.:\n` +
        demoStateLines(summary.proxies.join(","), jobId, String((tms[0].keys as string[])[0] ?? "user-0")) +
        (o.tokenGenerated
          ? `Registration token (made now, shown once; more task managers need it as QSTATE_TOKEN):\n  ${o.token}\n`
          : o.token === undefined
          ? "Registrations are OPEN (--insecure): anyone who reaches the coordinator can redirect a state.\n"
          : "") +
        `Children that die are restarted. Stop with Ctrl-C.\n`,
    );
  }
  await untilStopped();
  await stopAll();
}
