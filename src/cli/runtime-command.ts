/** The command line that runs the qstate CLI script on a given runtime (for the supervisor and tests). */
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { detectRuntime } from "../transport/detect.ts";

export const RUNTIMES = ["node", "deno", "bun"] as const;
export type CliRuntime = typeof RUNTIMES[number];

function binary(name: CliRuntime): string {
  return findRuntime(name) ?? name;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Where the `runtime` binary is: this process's own when it runs on it, else `node_modules/.bin` of the
 * working directory, else the first executable on PATH; undefined when there is none.
 */
export function findRuntime(runtime: CliRuntime): string | undefined {
  if (detectRuntime() === runtime) return process.execPath;
  const local = join(process.cwd(), "node_modules", ".bin", runtime);
  if (existsSync(local)) return local;
  const names = process.platform === "win32" ? [`${runtime}.exe`, `${runtime}.cmd`] : [runtime];
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    for (const n of names) if (executable(join(dir, n))) return join(dir, n);
  }
  return undefined;
}

/** How to install each runtime, for the error that names a missing one. */
export const RUNTIME_INSTALL: Readonly<Record<CliRuntime, string>> = {
  node: "install Node.js 20 or later (https://nodejs.org)",
  deno: "`npm install deno` in this directory, or install Deno (https://deno.com)",
  bun: "`npm install bun` in this directory, or install Bun (https://bun.sh)",
};

/** `[command, args]` running `script` (a .ts source or the built .js) on `runtime`. */
export function runtimeCommand(runtime: CliRuntime, script: string): [string, string[]] {
  switch (runtime) {
    case "node":
      return [binary("node"), script.endsWith(".ts") ? ["--import", "tsx", script] : [script]];
    case "deno":
      return [binary("deno"), ["run", "-A", "--no-check", script]];
    case "bun":
      return [binary("bun"), [script]];
  }
}
