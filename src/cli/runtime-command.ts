/** The command line that runs the qstate CLI script on a given runtime (for the supervisor and tests). */
import { existsSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { detectRuntime } from "../transport/detect.ts";

export const RUNTIMES = ["node", "deno", "bun"] as const;
export type CliRuntime = typeof RUNTIMES[number];

function binary(name: CliRuntime): string {
  if (detectRuntime() === name) return process.execPath;
  const local = join(process.cwd(), "node_modules", ".bin", name);
  return existsSync(local) ? local : name;
}

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
