#!/usr/bin/env node
/** qstate: the command-line tool. */
import process from "node:process";
import { QueryableStateError } from "../core/errors.ts";
import { explainQuery } from "./explain.ts";
import { TYPE_NAMES } from "./types.ts";

const USAGE = `qstate — Flink-compatible queryable state

Usage:
  qstate explain [--job HEX] [--state NAME] [--key VALUE] [--key-type T]
                 [--max-parallelism N] [--parallelism N] [--json]
      Show how a query for KEY is routed (Java hashCode, murmur hash, key group, operator
      index) and the exact request frame it sends to a proxy.
  qstate help
      Show this text.

Types: ${TYPE_NAMES.join(", ")}.
Coming next: 'qstate local' (embedded cluster with a demo job) and 'qstate get' (query a proxy).
`;

type Flags = Record<string, string | true>;

function parseFlags(args: string[]): Flags {
  const flags: Flags = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new UsageError(`Unexpected argument '${a}'.`);
    const eq = a.indexOf("=");
    if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
    else if (i + 1 < args.length && !args[i + 1].startsWith("--")) flags[a.slice(2)] = args[++i];
    else flags[a.slice(2)] = true;
  }
  return flags;
}

class UsageError extends Error {}

function str(flags: Flags, name: string, fallback: string): string {
  const v = flags[name];
  if (v === true) throw new UsageError(`--${name} needs a value.`);
  return v ?? fallback;
}

function int(flags: Flags, name: string, fallback: number): number {
  const v = str(flags, name, String(fallback));
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a positive integer, got '${v}'.`);
  return Number(v);
}

function explain(flags: Flags): void {
  const report = explainQuery({
    job: str(flags, "job", "0102030405060708090a0b0c0d0e0f10"),
    state: str(flags, "state", "query-name"),
    key: str(flags, "key", "42"),
    keyType: str(flags, "key-type", "long"),
    maxParallelism: int(flags, "max-parallelism", 128),
    parallelism: int(flags, "parallelism", 4),
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify(report) + "\n");
    return;
  }
  const width = Math.max(...Object.keys(report).map((k) => k.length));
  for (const [k, v] of Object.entries(report)) process.stdout.write(`${k.padEnd(width)}  ${v}\n`);
}

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return 0;
      case "explain":
        explain(parseFlags(rest));
        return 0;
      default:
        throw new UsageError(`Unknown command '${cmd}'.`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`qstate: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof QueryableStateError) {
      process.stderr.write(`qstate: ${e.code}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
