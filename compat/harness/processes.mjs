// Child processes of the live-Flink suite: each in its own process group, all killed when the
// suite ends (normally, on a failure, or on SIGINT/SIGTERM), and each reading its stdin from us
// so it can notice when we die.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

const live = new Set();

function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    try { child.kill("SIGKILL"); } catch { /* already gone */ }
  }
}

export function killAll() {
  for (const c of live) killGroup(c);
  live.clear();
}

process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/**
 * Starts `cmd args` in a new process group. Returns the child, a promise of its first stdout
 * line that parses as JSON (rejects on exit or after `timeoutMs`), and its collected stderr.
 */
export function start(label, cmd, args, { cwd, env, timeoutMs = 240_000 } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  live.add(child);
  let stderr = "";
  child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-20_000); });
  child.on("exit", () => live.delete(child));
  const lines = createInterface({ input: child.stdout });
  const first = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: no JSON line within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    lines.on("line", (l) => {
      if (!l.startsWith("{")) return;
      clearTimeout(timer);
      try { resolve(JSON.parse(l)); } catch (e) { reject(new Error(`${label}: bad JSON line ${l}: ${e}`)); }
    });
    child.on("exit", (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${label}: exited (${code ?? sig}) before its JSON line\n${stderr}`));
    });
  });
  first.catch(() => {});
  return { child, first, stop: () => killGroup(child), stderr: () => stderr };
}

/** Runs to completion; stdin gets `input`. Resolves to { code, stdout, stderr }; killed after `timeoutMs`. */
export function run(cmd, args, { cwd, input = "", timeoutMs = 300_000, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, detached: true, stdio: ["pipe", "pipe", "pipe"] });
    live.add(child);
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => { stdout += d; });
    child.stderr.on("data", (d) => { stderr += d; });
    const timer = setTimeout(() => killGroup(child), timeoutMs);
    child.on("close", (code, sig) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code: code ?? (sig ? 128 : 1), stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}
