// Node, ES modules, with the npm package installed (`npm install queryable-state`):  node examples/node-esm.mjs
// An embedded cluster, a job counting page views per page, a typed query, metrics and diagnostics.
import { LocalCluster, longSerializer, QueryableStateClient, reducingState, stringSerializer, toPrometheus } from "queryable-state";

const views = reducingState("views", (a, b) => a + b, longSerializer, { queryable: "views" });
const cluster = await LocalCluster.start({ taskManagers: 2 });
const job = cluster.submit({
  sources: [[{ page: "/home" }, { page: "/docs" }, { page: "/home" }]],
  keyBy: (e) => e.page,
  keyType: stringSerializer,
  steps: [{ name: "count", states: [views], process: (_e, ctx) => ctx.state(views).add(1n) }],
});
await job.sourcesDone;

const events = [];
const { hostname, port } = cluster.proxyAddresses[0];
const client = new QueryableStateClient(hostname, port, { diagnostics: (e) => events.push(e.type) });
const home = await client.getKvState(job.jobId, "views", "/home", stringSerializer, views);
console.log(`/home: ${home.get()} views`); // /home: 2 views
console.log(`diagnostics: ${events.join(",")}`); // diagnostics: connected
const metrics = toPrometheus(cluster.metrics());
console.log(`metrics: ${metrics.includes('qstate_requests_total{role="proxy",name="tm-0"} 1')}`); // metrics: true
await client.close();
await cluster.close();
