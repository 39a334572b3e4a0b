/**
 * A supervised child (QSTATE_SUPERVISED=1) ends itself when its supervisor is gone, even after
 * `kill -9` of the supervisor: its stdin (a pipe the supervisor holds) reaches end of file, or
 * its parent pid changes (it was re-parented). Either way no process is left behind.
 */
import process from "node:process";

export function exitWithParent(stop: () => Promise<void> | void): void {
  if (process.env.QSTATE_SUPERVISED !== "1") return;
  let stopping = false;
  const bye = () => {
    if (stopping) return;
    stopping = true;
    const hard = setTimeout(() => process.exit(0), 3000);
    Promise.resolve(stop()).finally(() => {
      clearTimeout(hard);
      process.exit(0);
    });
  };
  const parent = process.ppid;
  process.stdin.on("end", bye);
  process.stdin.on("close", bye);
  process.stdin.on("error", bye);
  process.stdin.resume();
  setInterval(() => {
    if (process.ppid !== parent) bye();
  }, 500);
}
