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

/** Starts a long-running `qstate ARGS --json` role and resolves with it and the JSON line it prints once ready. */
export function startRole(args: string[], env?: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ child: ChildProcess; info: Record<string, unknown>; stderr: () => string }> {
  const child = qstate(args, env);
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`qstate ${args[0]} printed nothing in ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      try {
        resolve({ child, info: JSON.parse(out.slice(0, nl)), stderr: () => err });
      } catch (e) {
        child.kill("SIGKILL");
        reject(e);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`qstate ${args[0]} exited with ${code}: ${err}`));
    });
  });
}

/** Stops a role started with {@link startRole} and waits for it to end. */
export async function stopRole(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const hard = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(hard);
}
