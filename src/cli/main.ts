#!/usr/bin/env node
/** qstate: the command-line tool (Node, Deno and Bun). */
import process from "node:process";
import { QueryableStateError } from "../core/errors.ts";
import { explainQuery } from "./explain.ts";
import { toJsonValue, toText } from "./format.ts";
import { runGet } from "./get.ts";
import { runDemo, runLocal } from "./local.ts";
import { TYPE_NAMES } from "./types.ts";

const USAGE = `qstate — Flink-compatible queryable state

Usage:
  qstate local [--task-managers N] [--host H] [--json] [--duration SEC]
      Start an embedded cluster (coordinator + N task managers, each a state server and a
      proxy) running a demo job that counts events per user; serve until Ctrl-C.
      --json prints one line: {"jobId","proxies","states","keys"}.
  qstate demo [--task-managers N] [--duration SEC]
      The same cluster, plus a live table of query results (what 'npm start' runs).
  qstate get --proxy HOST:PORT --job HEX --state NAME --key VALUE --key-type T --value-type T
             [--kind value|list|map] [--map-key-type T] [--namespace VALUE --namespace-type T]
             [--timeout MS] [--json]
      Query one key through a proxy (ours or a Flink cluster's). Reducing, aggregating and
      folding states read as --kind value. Prints the value ({"value": ...} with --json);
      on failure prints the error code and exits with 1.
  qstate explain [--job HEX] [--state NAME] [--key VALUE] [--key-type T]
                 [--max-parallelism N] [--parallelism N] [--json]
      Show how a query for KEY is routed and the exact request frame it sends.
  qstate help

Types: type expressions (README, "Type mapping"): ${TYPE_NAMES.join(", ")}, decimal, instant,
  tuple<string,long>, list<long>, map<string,double>, row<id:long,name:string>, pojo<com.acme.Stats>{count:long},
  long[], nullable<long>, enum<RED,GREEN>, … Keys on the command line: the simple names, decimal, biginteger.
  --json prints values losslessly: 64-bit integers and decimals as strings, dates ISO-8601, bytes as hex.
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
