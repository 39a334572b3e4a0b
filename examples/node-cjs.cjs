// Node, CommonJS, with the npm package installed:  node examples/node-cjs.cjs
const { LocalCluster, longSerializer, QueryableStateClient, reducingState, stringSerializer, UnknownKeyOrNamespaceError } = require("queryable-state");

async function main() {
  const views = reducingState("views", (a, b) => a + b, longSerializer, { queryable: "views" });
  const cluster = await LocalCluster.start({ taskManagers: 2 });
  try {
    const job = cluster.submit({
      sources: [[{ page: "/home" }, { page: "/docs" }, { page: "/home" }]],
      keyBy: (e) => e.page,
      keyType: stringSerializer,
      steps: [{ name: "count", states: [views], process: (_e, ctx) => ctx.state(views).add(1n) }],
    });
    await job.sourcesDone;
    const { hostname, port } = cluster.proxyAddresses[1];
    const client = new QueryableStateClient(hostname, port);
    const docs = await client.getKvState(job.jobId, "views", "/docs", stringSerializer, views);
    console.log(`/docs: ${docs.get()} views`); // /docs: 1 views
    try {
      await client.getKvState(job.jobId, "views", "/blog", stringSerializer, views);
    } catch (e) {
      console.log(`/blog: ${e instanceof UnknownKeyOrNamespaceError ? e.code : e}`); // /blog: UNKNOWN_KEY_OR_NAMESPACE
    }
    await client.close();
  } finally {
    await cluster.close();
  }
}

main();
