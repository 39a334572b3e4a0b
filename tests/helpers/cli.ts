// Running the qstate CLI from its sources on the runtime running the test (Node through tsx, Deno, Bun).
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../../mod.ts";

/** The repository's root, with a trailing slash. */
export const root: string = fileURLToPath(new URL("../../", import.meta.url));
/** The CLI's entry (TypeScript source). */
export const main = `${root}src/cli/main.ts`;
/** The runtime running this test. */
export const runtime = detectRuntime();
/** `[binary, args]` that start the CLI on this runtime; append the qstate arguments. */
export const command: [string, string[]] = runtime === "deno"
  ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", main]]
  : runtime === "bun"
  ? [`${root}node_modules/.bin/bun`, [main]]
  : ["node", ["--import", "tsx", main]];

/** Starts `qstate ARGS` in the repository's root. */
export function qstate(args: string[], env?: Record<string, string | undefined>): ChildProcess {
  return spawn(command[0], [...command[1], ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: env ?? process.env });
}

/** Runs `qstate ARGS` to its end: exit code and everything it printed. */
export function run(args: string[], env?: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = qstate(args, env);
    let stdout = "", stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
