#!/usr/bin/env node
// `npm run test:faults`: the fault suite (scripts/faults/run.ts) under a hard time limit. It starts its
// own processes (task managers on Node, Deno and Bun, proxies, a coordinator, a 3-member etcd on loopback)
// and kills them when it ends; if it overruns, it is killed with its whole process group and the run
// counts as failed. Ends with the suite's "N passed, M failed" line.
import { spawn } from "node:child_process";

const LIMIT_MS = Number(process.env.QSTATE_FAULTS_LIMIT_MS ?? 360_000);
const child = spawn(process.execPath, ["--import", "tsx", "scripts/faults/run.ts"], { stdio: "inherit", detached: true });
const timer = setTimeout(() => {
  console.log(`fault suite: still running after ${LIMIT_MS / 1000} s; killing it.`);
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}, LIMIT_MS);
const stop = () => {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    // gone
  }
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
child.on("exit", (code, signal) => {
  clearTimeout(timer);
  if (signal !== null) console.log("0 passed, 1 failed");
  process.exit(code ?? 1);
});
