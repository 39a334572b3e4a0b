/** The qstate commands for deployments across processes: coordinator, taskmanager, cluster. */
import { asUsage, type Flags, optionalString, positiveInt, UsageError } from "./args.ts";
import { JobID } from "../core/ids.ts";
import type { Command } from "./commands.ts";
import { runCoordinator, runTaskManager } from "./roles.ts";
import { type CliRuntime, findRuntime, RUNTIME_INSTALL, RUNTIMES } from "./runtime-command.ts";
import { runCluster } from "./supervisor.ts";
import { CLIENT_TLS_FLAGS, clientTlsOf, generateToken, INSECURE_FLAG, readToken, SERVER_TLS_FLAGS, serverTlsOf, tlsArgs, TOKEN_FLAGS } from "./security.ts";
import { ETCD_FLAGS, etcdFlagArgs, etcdOptionsFromFlags } from "./etcd-flags.ts";

const json = { name: "json", help: "print one JSON line once ready (errors too, as {\"error\": ...})" } as const;

function nonNegative(flags: Flags, name: string, command: string): number {
  const v = flags[name];
  if (typeof v !== "string" || !/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer, got '${String(v)}'.`, command);
  return Number(v);
}

/** The cluster's token: the one given, else (unless --insecure) a new one the supervisor shows once. */
function clusterToken(f: Flags): { token?: string; tokenGenerated: boolean } {
  const given = readToken(f, "cluster");
  if (f.insecure === true) {
    if (given !== undefined) throw new UsageError("--insecure runs without a token, yet a token was given: drop one of them.", "cluster");
    return { tokenGenerated: false };
  }
  return given === undefined ? { token: generateToken(), tokenGenerated: true } : { token: given, tokenGenerated: false };
}

const coordinator: Command = {
  name: "coordinator",
  summary: "run the networked coordinator (the location registry) for task managers in other processes",
  details: "Registrations need the token (QSTATE_TOKEN or --token-file; without either, one is made and shown once;\n" +
    "--insecure runs open); lookups are open. A task manager silent for the heartbeat\n" +
    "timeout loses its registrations. With --etcd it serves lookups from etcd: run as many as you like.",
  flags: [
    { name: "host", value: "HOST", help: "address to listen on", default: "127.0.0.1" },
    { name: "port", value: "SPEC", help: "port, list or range (first free wins)", default: "6124" },
    ...TOKEN_FLAGS,
    INSECURE_FLAG,
    { name: "heartbeat-timeout", value: "MS", help: "drop a silent task manager's registrations after this long", default: "10000" },
    ...ETCD_FLAGS,
    ...SERVER_TLS_FLAGS,
    json,
  ],
  examples: [
    "# the token from the environment (never on the command line: argv is visible in ps)\n" +
    "QSTATE_TOKEN=\"$(cat /run/secrets/qstate-token)\" qstate coordinator --host 0.0.0.0 --port 6124",
  ],
  async run(f) {
    const given = readToken(f, "coordinator");
    const insecure = f.insecure === true;
    if (insecure && given !== undefined) throw new UsageError("--insecure runs without a token, yet a token was given: drop one of them.", "coordinator");
    await runCoordinator({
      host: f.host as string,
      port: f.port as string,
      token: given ?? (insecure ? undefined : generateToken()),
      tokenGenerated: given === undefined && !insecure,
      tls: serverTlsOf(f, "coordinator"),
      heartbeatTimeoutMs: positiveInt(f, "heartbeat-timeout", "coordinator"),
      etcd: optionalString(f, "etcd"),
      etcdOptions: await etcdOptionsFromFlags(f, "coordinator"),
      json: f.json === true,
    });
    return 0;
  },
};

const taskmanager: Command = {
  name: "taskmanager",
  summary: "join a coordinator (or etcd) and serve one subtask of the demo job: a state server and a proxy",
  details: "The subtask's source produces only the users of its own key groups. Give --coordinator or --etcd.",
  flags: [
    { name: "coordinator", value: "HOST:PORT[,HOST:PORT]", help: "the coordinator(s) to join", env: "QSTATE_COORDINATOR" },
    ...ETCD_FLAGS,
    { name: "job", value: "HEX", help: "the job id", env: "QSTATE_JOB", required: true },
    { name: "subtask", value: "I", help: "the subtask to serve (0-based)", default: "0" },
    { name: "parallelism", value: "N", help: "the job's parallelism", default: "1" },
    { name: "max-parallelism", value: "N", help: "the job's max parallelism (default: Flink's for the parallelism)" },
    { name: "task-managers", value: "N", help: "task managers of the deployment (default: the parallelism)" },
    { name: "host", value: "HOST", help: "address to listen on", default: "127.0.0.1" },
    { name: "advertised-host", value: "HOST", help: "the address other processes reach this one at" },
    { name: "server-port", value: "SPEC", help: "the state server's port spec", default: "0" },
    { name: "proxy-port", value: "SPEC", help: "the proxy's port spec", default: "0" },
    ...TOKEN_FLAGS,
    { name: "heartbeat-interval", value: "MS", help: "how often to heartbeat the coordinator", default: "1000" },
    ...SERVER_TLS_FLAGS,
    ...CLIENT_TLS_FLAGS,
    json,
  ],
  examples: [
    "# subtask 0 of 2, listening on every interface, reached by others at 10.0.0.7\n" +
    "QSTATE_TOKEN=… qstate taskmanager --coordinator 10.0.0.5:6124 --job 379d0a… --subtask 0 --parallelism 2 \\\n" +
    "  --host 0.0.0.0 --advertised-host 10.0.0.7 --proxy-port 9069",
  ],
  async run(f) {
    const parallelism = positiveInt(f, "parallelism", "taskmanager");
    const subtask = nonNegative(f, "subtask", "taskmanager");
    if (subtask >= parallelism) throw new UsageError(`--subtask must be in [0, ${parallelism}).`, "taskmanager");
    if (f.coordinator === undefined && f.etcd === undefined) throw new UsageError("give --coordinator HOST:PORT or --etcd URL.", "taskmanager");
    asUsage("taskmanager", () => JobID.fromHex(f.job as string));
    await runTaskManager({
      coordinator: optionalString(f, "coordinator"),
      etcd: optionalString(f, "etcd"),
      etcdOptions: await etcdOptionsFromFlags(f, "taskmanager"),
      job: f.job as string,
      subtask,
      parallelism,
      maxParallelism: f["max-parallelism"] === undefined ? undefined : positiveInt(f, "max-parallelism", "taskmanager"),
      taskManagers: f["task-managers"] === undefined ? parallelism : positiveInt(f, "task-managers", "taskmanager"),
      host: f.host as string,
      advertisedHost: optionalString(f, "advertised-host"),
      serverPort: f["server-port"] as string,
      proxyPort: f["proxy-port"] as string,
      token: readToken(f, "taskmanager"),
      heartbeatIntervalMs: positiveInt(f, "heartbeat-interval", "taskmanager"),
      tls: serverTlsOf(f, "taskmanager"),
      clientTls: clientTlsOf(f, "taskmanager"),
      json: f.json === true,
    });
    return 0;
  },
};

const cluster: Command = {
  name: "cluster",
  summary: "start a coordinator and N task-manager processes running the demo job; restart any that dies",
  details: "Subtask i runs on task manager i; runtimes go round-robin from --runtimes. --json prints one line\n" +
    "{\"jobId\",\"coordinator\",\"coordinatorPid\",\"proxies\",\"taskManagers\",\"states\"}, then a line\n" +
    "{\"event\":\"restarted\",...} per restart. Ctrl-C / SIGTERM stop every child.",
  flags: [
    { name: "task-managers", value: "N", help: "task-manager processes", default: "2" },
    { name: "runtimes", value: "LIST", help: `runtimes of the task managers (${RUNTIMES.join(", ")})`, default: "node" },
    { name: "host", value: "HOST", help: "address every process listens on", default: "127.0.0.1" },
    ...TOKEN_FLAGS,
    INSECURE_FLAG,
    { name: "heartbeat-timeout", value: "MS", help: "the coordinator's heartbeat timeout", default: "3000" },
    { name: "heartbeat-interval", value: "MS", help: "the task managers' heartbeat interval", default: "500" },
    { name: "restart-delay", value: "MS", help: "wait this long before restarting a child that died", default: "0" },
    ...ETCD_FLAGS,
    ...SERVER_TLS_FLAGS,
    ...CLIENT_TLS_FLAGS,
    json,
  ],
  examples: [
    "# three task managers, one per runtime; prints the proxies and a query to try on each state\n" +
    "qstate cluster --task-managers 3 --runtimes node,deno,bun",
  ],
  async run(f) {
    const runtimes = (f.runtimes as string).split(",").map((r) => r.trim());
    for (const r of runtimes) {
      if (!(RUNTIMES as readonly string[]).includes(r)) throw new UsageError(`unknown runtime '${r}' in --runtimes: use ${RUNTIMES.join(", ")}.`, "cluster");
      if (findRuntime(r as CliRuntime) === undefined) {
        throw new UsageError(
          `--runtimes names ${r}, which is not installed here (no '${r}' in ./node_modules/.bin or on PATH): ` +
            `${RUNTIME_INSTALL[r as CliRuntime]}, or leave ${r} out of --runtimes.`,
          "cluster",
          { code: "RUNTIME_NOT_FOUND" },
        );
      }
    }
    await runCluster({
      taskManagers: positiveInt(f, "task-managers", "cluster"),
      runtimes: runtimes as CliRuntime[],
      host: f.host as string,
      ...clusterToken(f),
      // Read once here, so a bad file fails before any child starts; the children get the same flags.
      tlsArgs: (serverTlsOf(f, "cluster"), clientTlsOf(f, "cluster"), tlsArgs(f)),
      coordinatorTlsArgs: tlsArgs(f, SERVER_TLS_FLAGS),
      heartbeatTimeoutMs: positiveInt(f, "heartbeat-timeout", "cluster"),
      heartbeatIntervalMs: positiveInt(f, "heartbeat-interval", "cluster"),
      etcd: optionalString(f, "etcd"),
      etcdArgs: f.etcd === undefined ? [] : await checkedEtcdArgs(f),
      restartDelayMs: nonNegative(f, "restart-delay", "cluster"),
      json: f.json === true,
    });
    return 0;
  },
};

/** The etcd flags for the children, once they are known to be usable (files readable, a user's password set). */
async function checkedEtcdArgs(f: Flags): Promise<string[]> {
  await etcdOptionsFromFlags(f, "cluster");
  return etcdFlagArgs(f);
}

/** The commands that run one role of a multi-process deployment. */
export const CLUSTER_COMMANDS: readonly Command[] = [cluster, coordinator, taskmanager];
