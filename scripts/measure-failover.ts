// Measures what a client sees when a task manager or the coordinator of `qstate cluster` is
// killed with -9 (numbers for the README's deployment guide; not a test: timing is never asserted).
// Run: node --import tsx scripts/measure-failover.ts [--restart-delay MS]
import { spawn } from "node:child_process";
import { QueryableStateClient, reducingState, longSerializer, stringSerializer } from "../mod.ts";

const counts = reducingState("event-counts", (a: bigint, b: bigint) => a + b, longSerializer);
const child = spawn("node", ["--import", "tsx", "src/cli/main.ts", "cluster", "--task-managers", "3", "--runtimes", "node,deno,bun", "--json", ...process.argv.slice(2)], { stdio: ["ignore", "pipe", "inherit"] });
// deno-lint-ignore no-explicit-any
const lines: Record<string, any>[] = [];
let buf = "";
child.stdout.on("data", (d) => {
  buf += d;
  for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
    lines.push(JSON.parse(buf.slice(0, nl)));
    buf = buf.slice(nl + 1);
  }
});
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
while (lines.length === 0) await wait(50);
const info = lines[0];
const victim = info.taskManagers[1];
const client = new QueryableStateClient(info.taskManagers[0].proxy, { requestTimeoutMs: 30_000 });
const ask = (key: string) => client.getKvState(info.jobId, "event-counts", key, stringSerializer, counts);
for (const t of info.taskManagers) for (const k of t.keys) await ask(k);
let t0 = performance.now();
process.kill(victim.pid, "SIGKILL");
await wait(100); // let the kernel deliver the signal
try {
  await ask(victim.keys[0]);
  console.log("victim key answered?!");
} catch (e) {
  console.log(`task manager kill -9: its key failed with ${(e as { code: string }).code} after ${(performance.now() - t0).toFixed(0)} ms`);
}
for (;;) {
  try {
    await ask(victim.keys[0]);
    break;
  } catch {
    await wait(20);
  }
}
console.log(`task manager kill -9: its key answered again (replacement on ${victim.runtime}) ${(performance.now() - t0).toFixed(0)} ms after the kill`);
t0 = performance.now();
process.kill(info.coordinatorPid, "SIGKILL");
await ask(info.taskManagers[2].keys[0]);
console.log(`coordinator kill -9: a cached lookup answered ${(performance.now() - t0).toFixed(0)} ms after the kill`);
const fresh = new QueryableStateClient(info.taskManagers[2].proxy, { requestTimeoutMs: 30_000 });
for (;;) {
  try {
    await fresh.getKvState(info.jobId, "recent-events", info.taskManagers[0].keys[0], stringSerializer, reducingState("recent-events", (a: bigint) => a, longSerializer) as never);
    break;
  } catch (e) {
    if ((e as { code?: string }).code === "SERIALIZATION") break; // answered (we read it with the wrong descriptor on purpose)
    await wait(20);
  }
}
console.log(`coordinator kill -9: a cold lookup answered ${(performance.now() - t0).toFixed(0)} ms after the kill`);
await client.close();
await fresh.close();
child.kill("SIGTERM");
