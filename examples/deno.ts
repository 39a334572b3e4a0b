// Deno, from a checkout (or from a URL of a tagged mod.ts):  deno run -A examples/deno.ts
// Queries a cluster through the Deno transport, with `await using` for cleanup.
import { LocalCluster, longSerializer, mapState, QueryableStateClient, stringSerializer } from "../mod.ts";

const byPage = mapState("by-page", stringSerializer, longSerializer, { queryable: "by-page" });
await using cluster = await LocalCluster.start({ taskManagers: 2 });
const job = cluster.submit({
  sources: [[{ user: "ada", page: "/home" }, { user: "ada", page: "/docs" }, { user: "ada", page: "/home" }]],
  keyBy: (e: { user: string; page: string }) => e.user,
  keyType: stringSerializer,
  steps: [{
    name: "pages",
    states: [byPage],
    process: (e, ctx) => {
      const m = ctx.state(byPage);
      m.put(e.page, (m.get(e.page) ?? 0n) + 1n);
    },
  }],
});
await job.sourcesDone;

const { hostname, port } = cluster.proxyAddresses[0];
await using client = new QueryableStateClient(hostname, port);
const pages = await client.getKvState(job.jobId, "by-page", "ada", stringSerializer, byPage);
console.log([...pages].map(([page, n]) => `${page}=${n}`).sort().join(" ")); // /docs=1 /home=2
