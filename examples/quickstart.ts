// Quickstart: an embedded cluster, a keyed job with queryable state, and a typed query.
// Run from a checkout with any runtime:
//   npx tsx examples/quickstart.ts      deno run -A examples/quickstart.ts      bun examples/quickstart.ts
// (With the npm package installed, import from "queryable-state" instead of "../mod.ts".)
import {
  LocalCluster,
  longSerializer,
  QueryableStateClient,
  reducingState,
  stringSerializer,
  UnknownKeyOrNamespaceError,
} from "../mod.ts";

// A queryable state: clicks per user, summed.
const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });

await using cluster = await LocalCluster.start({ taskManagers: 2 });
const job = cluster.submit({
  sources: [[{ user: "ada", n: 3n }, { user: "bob", n: 1n }, { user: "ada", n: 2n }]],
  keyBy: (e: { user: string; n: bigint }) => e.user,
  keyType: stringSerializer,
  steps: [{ name: "count", states: [clicks], process: (e, ctx) => ctx.state(clicks).add(e.n) }],
});
await job.sourcesDone;

const { hostname, port } = cluster.proxyAddresses[0];
await using client = new QueryableStateClient(hostname, port);
const ada = await client.getKvState(job.jobId, "clicks", "ada", stringSerializer, clicks);
console.log(`ada clicked ${ada.get()} times`); // ada clicked 5 times

try {
  await client.getKvState(job.jobId, "clicks", "eve", stringSerializer, clicks);
} catch (e) {
  if (e instanceof UnknownKeyOrNamespaceError) console.log(`eve: ${e.code}`); // eve: UNKNOWN_KEY_OR_NAMESPACE
  else throw e;
}
