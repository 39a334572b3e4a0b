/**
 * Direction flink-client, our side: a LocalCluster (2 task managers) running the peer's input
 * through jobs of ours with the same queryable states (names, kinds, types) as the Flink job.
 * Runs unchanged on Node, Deno and Bun:
 *
 *   <runtime> compat/ts/serve-ours.ts
 *
 * Prints one JSON line `{jobs: {user, id}, proxies: ["host:port", ...]}` once every record is
 * processed, then serves until SIGINT/SIGTERM or until standard input closes (its parent died).
 */
import process from "node:process";
import {
  aggregatingState,
  listState,
  LocalCluster,
  longSerializer,
  mapState,
  reducingState,
  stringSerializer,
  valueState,
} from "../../mod.ts";
import { type CompatEvent, events } from "./input.ts";

const last = valueState("last", longSerializer, { queryable: "value" });
const values = listState("values", longSerializer, { queryable: "list" });
const categories = mapState("categories", stringSerializer, longSerializer, { queryable: "map" });
const sum = reducingState("sum", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "reducing" });
const max = aggregatingState("max", {
  createAccumulator: () => -(2n ** 63n),
  add: (v: bigint, acc: bigint) => (v > acc ? v : acc),
  getResult: (acc: bigint) => acc,
}, longSerializer, { queryable: "aggregating" });
const lastSeen = valueState("last-seen", stringSerializer, { queryable: "last-seen" });

const cluster = await LocalCluster.start({ taskManagers: 2 });
const perUser = cluster.submit({
  name: "per-user",
  parallelism: 4,
  sources: [() => events()],
  keyBy: (e: CompatEvent) => e.user,
  keyType: stringSerializer,
  steps: [{
    name: "per-user",
    states: [last, values, categories, sum, max],
    process: (e, ctx) => {
      ctx.state(last).update(e.value);
      ctx.state(values).add(e.value);
      const m = ctx.state(categories);
      m.put(e.category, (m.get(e.category) ?? 0n) + 1n);
      ctx.state(sum).add(e.value);
      ctx.state(max).add(e.value);
    },
  }],
});
const perId = cluster.submit({
  name: "per-id",
  parallelism: 4,
  sources: [() => events()],
  keyBy: (e: CompatEvent & { index: number }) => e.id,
  keyType: longSerializer,
  steps: [{
    name: "per-id",
    states: [lastSeen],
    process: (e, ctx) => ctx.state(lastSeen).update(`${e.category}#${e.index}`),
  }],
});
await Promise.all([perUser.sourcesDone, perId.sourcesDone]);

const proxies = cluster.proxyAddresses.map((a) => `${a.hostname}:${a.port}`);
console.log(JSON.stringify({ jobs: { user: perUser.jobId.toString(), id: perId.jobId.toString() }, proxies }));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await cluster.close();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
