#!/usr/bin/env node
/** qstate: the command-line tool (Node, Deno and Bun). */
import process from "node:process";
import { QueryableStateError } from "../core/errors.ts";
import { explainQuery } from "./explain.ts";
import { toJsonValue, toText } from "./format.ts";
import { runGet } from "./get.ts";
import { runDemo, runLocal } from "./local.ts";
import { runCoordinator, runTaskManager } from "./roles.ts";
import { type CliRuntime, RUNTIMES } from "./runtime-command.ts";
import { runCluster } from "./supervisor.ts";
import { TYPE_NAMES } from "./types.ts";

const USAGE = `qstate — Flink-compatible queryable state

Usage:
  qstate local [--task-managers N] [--host H] [--json] [--duration SEC]
      Start an embedded cluster (coordinator + N task managers, each a state server and a
      proxy) running a demo job that counts events per user; serve until Ctrl-C.
      --json prints one line: {"jobId","proxies","states","keys"}.
  qstate demo [--task-managers N] [--duration SEC]
      The same cluster, plus a live table of query results (what 'npm start' runs).
  qstate cluster [--task-managers N] [--runtimes node,deno,bun] [--etcd URL] [--host H] [--token T]
                 [--heartbeat-timeout MS] [--heartbeat-interval MS] [--restart-delay MS] [--json]
      Start a coordinator and N task-manager processes (runtimes round-robin) running the
      demo job, subtask i on task manager i; restart any child that dies. --json prints one
      line {"jobId","coordinator","coordinatorPid","proxies","taskManagers","states"}, then a
      line {"event":"restarted","role",...} per restart. Ctrl-C / SIGTERM stop every child.
  qstate coordinator [--host H] [--port SPEC] [--token T] [--heartbeat-timeout MS]
                     [--etcd URL] [--json]
      Run the networked coordinator (default port 6124). Registrations need --token when
      set; lookups are open. A task manager silent for the heartbeat timeout (default
      10000 ms) loses its registrations. With --etcd (e.g. http://10.0.0.9:2379) it serves
      lookups from etcd: run as many as you like; task managers register in etcd.
  qstate taskmanager (--coordinator HOST:PORT[,HOST:PORT] | --etcd URL) --job HEX [--subtask I] [--parallelism N]
                     [--max-parallelism N] [--task-managers N] [--host H] [--advertised-host H]
                     [--server-port SPEC] [--proxy-port SPEC] [--token T]
                     [--heartbeat-interval MS] [--json]
      Join a coordinator (or etcd: entries under a lease that dies with the process) and serve subtask I of N of the demo job (its source produces only
      the users of its own key groups); a state server and a proxy on this host.
  qstate get --proxy HOST:PORT[,HOST:PORT...] --job HEX --state NAME --key VALUE --key-type T --value-type T
             [--kind value|list|map] [--map-key-type T] [--namespace VALUE --namespace-type T]
             [--timeout MS] [--json]
      Query one key through a proxy (ours or a Flink cluster's); with several, one that
      cannot be reached is skipped within the same --timeout. Reducing, aggregating and
      folding states read as --kind value. Prints the value ({"value": ...} with --json);
      on failure prints the error code and exits with 1.
  qstate explain [--job HEX] [--state NAME] [--key VALUE] [--key-type T]
                 [--max-parallelism N] [--parallelism N] [--json]
      Show how a query for KEY is routed and the exact request frame it sends.
  qstate help

Types: ${TYPE_NAMES.join(", ")} (bytes as hex).
`;

type Flags = Record<string, string | true>;

class UsageError extends Error {}

function parseFlags(args: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new UsageError(`Unexpected argument '${a}'.`);
    const eq = a.indexOf("=");
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && (!args[i + 1].startsWith("--") || /^--?\d/.test(args[i + 1]))) flags[a.slice(2)] = args[++i];
    else flags[a.slice(2)] = true;
  }
  return flags;
}

function str(flags: Flags, name: string, fallback?: string): string {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value.`);
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required.`);
    return fallback;
  }
  return v;
}

function optional(flags: Flags, name: string): string | undefined {
  return flags[name] === undefined ? undefined : str(flags, name);
}

function int(flags: Flags, name: string, fallback: number): number {
  const v = str(flags, name, String(fallback));
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--${name} must be a positive integer, got '${v}'.`);
  return Number(v);
}

function seconds(flags: Flags): number | undefined {
  const v = optional(flags, "duration");
  if (v === undefined) return undefined;
  if (!(Number(v) > 0)) throw new UsageError(`--duration must be a positive number of seconds, got '${v}'.`);
  return Number(v);
}

function known(flags: Flags, names: string[]): void {
  for (const f of Object.keys(flags)) if (!names.includes(f)) throw new UsageError(`Unknown option --${f}.`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return 0;
      case "local": {
        const flags = parseFlags(rest);
        known(flags, ["task-managers", "host", "json", "duration"]);
        await runLocal({ taskManagers: int(flags, "task-managers", 2), host: str(flags, "host", "127.0.0.1"), json: flags.json === true, seconds: seconds(flags) });
        return 0;
      }
      case "demo": {
        const flags = parseFlags(rest);
        known(flags, ["task-managers", "host", "duration"]);
        await runDemo({ taskManagers: int(flags, "task-managers", 2), host: str(flags, "host", "127.0.0.1"), seconds: seconds(flags) });
        return 0;
      }
      case "coordinator": {
        const flags = parseFlags(rest);
        known(flags, ["host", "port", "token", "heartbeat-timeout", "etcd", "json"]);
        await runCoordinator({
          host: str(flags, "host", "127.0.0.1"),
          port: str(flags, "port", "6124"),
          token: optional(flags, "token"),
          heartbeatTimeoutMs: int(flags, "heartbeat-timeout", 10_000),
          etcd: optional(flags, "etcd"),
          json: flags.json === true,
        });
        return 0;
      }
      case "taskmanager": {
        const flags = parseFlags(rest);
        known(flags, ["coordinator", "job", "subtask", "parallelism", "max-parallelism", "task-managers", "host", "advertised-host", "server-port", "proxy-port", "token", "heartbeat-interval", "etcd", "json"]);
        const parallelism = int(flags, "parallelism", 1);
        const subtask = Number(str(flags, "subtask", "0"));
        if (!Number.isInteger(subtask) || subtask < 0 || subtask >= parallelism) throw new UsageError(`--subtask must be in [0, ${parallelism}).`);
        await runTaskManager({
          coordinator: flags.etcd === undefined ? str(flags, "coordinator") : optional(flags, "coordinator"),
          etcd: optional(flags, "etcd"),
          job: str(flags, "job"),
          subtask,
          parallelism,
          maxParallelism: flags["max-parallelism"] === undefined ? undefined : int(flags, "max-parallelism", 128),
          taskManagers: int(flags, "task-managers", parallelism),
          host: str(flags, "host", "127.0.0.1"),
          advertisedHost: optional(flags, "advertised-host"),
          serverPort: str(flags, "server-port", "0"),
          proxyPort: str(flags, "proxy-port", "0"),
          token: optional(flags, "token"),
          heartbeatIntervalMs: int(flags, "heartbeat-interval", 1000),
          json: flags.json === true,
        });
        return 0;
      }
      case "cluster": {
        const flags = parseFlags(rest);
        known(flags, ["task-managers", "runtimes", "host", "token", "heartbeat-timeout", "heartbeat-interval", "restart-delay", "etcd", "json"]);
        const runtimes = str(flags, "runtimes", "node").split(",").map((r) => r.trim());
        for (const r of runtimes) if (!(RUNTIMES as readonly string[]).includes(r)) throw new UsageError(`Unknown runtime '${r}' in --runtimes: use ${RUNTIMES.join(", ")}.`);
        await runCluster({
          taskManagers: int(flags, "task-managers", 2),
          runtimes: runtimes as CliRuntime[],
          host: str(flags, "host", "127.0.0.1"),
          token: optional(flags, "token"),
          heartbeatTimeoutMs: int(flags, "heartbeat-timeout", 3000),
          heartbeatIntervalMs: int(flags, "heartbeat-interval", 500),
          etcd: optional(flags, "etcd"),
          restartDelayMs: flags["restart-delay"] === undefined ? 0 : int(flags, "restart-delay", 1),
          json: flags.json === true,
        });
        return 0;
      }
      case "get": {
        const flags = parseFlags(rest);
        known(flags, ["proxy", "job", "state", "key", "key-type", "value-type", "kind", "map-key-type", "namespace", "namespace-type", "timeout", "json"]);
        const value = await runGet({
          proxy: str(flags, "proxy"),
          job: str(flags, "job"),
          state: str(flags, "state"),
          key: str(flags, "key"),
          keyType: str(flags, "key-type"),
          valueType: str(flags, "value-type"),
          kind: str(flags, "kind", "value"),
          mapKeyType: str(flags, "map-key-type", "string"),
          namespace: optional(flags, "namespace"),
          namespaceType: optional(flags, "namespace-type"),
          timeoutMs: int(flags, "timeout", 5000),
        });
        process.stdout.write((flags.json ? JSON.stringify({ value: toJsonValue(value) }) : toText(value)) + "\n");
        return 0;
      }
      case "explain": {
        const flags = parseFlags(rest);
        known(flags, ["job", "state", "key", "key-type", "max-parallelism", "parallelism", "json"]);
        const report = explainQuery({
          job: str(flags, "job", "0102030405060708090a0b0c0d0e0f10"),
          state: str(flags, "state", "query-name"),
          key: str(flags, "key", "42"),
          keyType: str(flags, "key-type", "long"),
          maxParallelism: int(flags, "max-parallelism", 128),
          parallelism: int(flags, "parallelism", 4),
        });
        if (flags.json) process.stdout.write(JSON.stringify(report) + "\n");
        else {
          const width = Math.max(...Object.keys(report).map((k) => k.length));
          for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
        }
        return 0;
      }
      default:
        throw new UsageError(`Unknown command '${cmd}'.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`qstate: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof QueryableStateError) {
      process.stderr.write(`qstate: ${e.code}: ${e.message.split("\n")[0]}\n`);
      return 1;
    }
    throw e;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e) => {
  process.stderr.write(`qstate: unexpected error: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 70;
});
