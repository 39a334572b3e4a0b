#!/usr/bin/env node
/** qstate: the command-line tool (Node, Deno and Bun). */
import process from "node:process";
import { QueryableStateError } from "../core/errors.ts";
import { VERSION } from "../version.ts";
import { helpFor, parseArgs, suggest, UsageError } from "./args.ts";
import { COMMANDS } from "./commands.ts";
import { forCommandLine } from "./format.ts";

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `qstate ${VERSION} — Flink-compatible queryable state\n\nUsage: qstate COMMAND [flags]\n\nCommands:\n` +
    COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n") +
    `\n\nRun 'qstate COMMAND --help' for a command's flags; 'qstate --version' prints the version.\n`;
}

/** The error as one JSON object (with --json) or as a `qstate: CODE: message` line (and where to get help). */
function report(code: string, message: string, asJson: boolean, helpFor?: string): void {
  message = forCommandLine(message);
  if (asJson) process.stdout.write(JSON.stringify({ error: { code, message } }) + "\n");
  else {
    process.stderr.write(`qstate: ${code === "USAGE" ? "" : `${code}: `}${message}\n`);
    if (helpFor !== undefined) process.stderr.write(`see 'qstate ${helpFor}${helpFor ? " " : ""}--help'\n`);
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const asJson = rest.includes("--json");
  try {
    if (name === undefined || name === "help" && rest.length === 0 || name === "--help" || name === "-h") {
      process.stdout.write(usage());
      return 0;
    }
    if (name === "--version" || name === "-V" || name === "version") {
      process.stdout.write(`qstate ${VERSION}\n`);
      return 0;
    }
    const wanted = name === "help" ? rest[0] : name;
    const command = COMMANDS.find((c) => c.name === wanted);
    if (command === undefined) {
      const guess = suggest(wanted, COMMANDS.map((c) => c.name));
      throw new UsageError(`unknown command '${wanted}'${guess ? ` (did you mean '${guess}'?)` : ""}.`);
    }
    if (name === "help" || rest.includes("--help") || rest.includes("-h")) {
      process.stdout.write(helpFor(command));
      return 0;
    }
    return await command.run(parseArgs(command, rest, process.env));
  } catch (e) {
    if (e instanceof UsageError) {
      report(e.code, e.message, asJson, e.command ?? "");
      return 2;
    }
    if (e instanceof QueryableStateError) {
      report(e.code, e.message, asJson);
      return 1;
    }
    // A bug of ours: one line (the stack trace with QSTATE_DEBUG=1), JSON under --json, exit code 70.
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    report("UNEXPECTED", `${text}. This is a bug in qstate: please report it with the command line${process.env.QSTATE_DEBUG ? "" : " (QSTATE_DEBUG=1 prints the stack trace)"}.`, asJson);
    if (process.env.QSTATE_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 70;
  }
}

// `qstate explain | head`: a reader that goes away is no error of ours.
process.stdout.on("error", (e: { code?: string }) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
}, (e) => {
  process.stderr.write(`qstate: unexpected error: ${(e as Error)?.stack ?? e}\n`);
  process.exitCode = 70;
});
