/**
 * A LocalCluster running the "shop" job, with one queryable state of every kind keyed by user name, an "orders"
 * job keyed by long, two running jobs both named "twin" (for ambiguity), and a window state ("window-sums",
 * timewindow namespaces) served by a state server of its own registered at the cluster's coordinator. Plus the
 * catalog describing them all. Used by the catalog, CLI and gateway tests.
 */
import {
  aggregatingState, type CatalogDocument, computeKeyGroupRangeForOperatorIndex, Decimal, foldingState, JobID, KvStateServer, listState,
  LocalCluster, longSerializer, mapState, parseTypeExpression, reducingState, serializeKeyAndNamespace,
  serializeValue, stringSerializer, type TimeWindow, timeWindowSerializer, toHex, valueState,
} from "../../mod.ts";

export interface Visit {
  user: string;
  page: string;
  price: bigint;
}

const PROFILE = "pojo<com.acme.Profile>{id:long,score:decimal,tags:list<string>}";
const profileSerializer = parseTypeExpression(PROFILE);

export const lastPage = valueState("last-page", stringSerializer, { queryable: "last-page" });
export const pages = listState("pages", stringSerializer, { queryable: "pages" });
export const pageCounts = mapState("page-counts", stringSerializer, longSerializer, { queryable: "page-counts" });
export const clicks = reducingState("clicks", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "clicks" });
/** The accumulator is [sum, count]; queries read the accumulator. */
export const avgPrice = aggregatingState(
  "avg-price",
  {
    createAccumulator: (): [bigint, bigint] => [0n, 0n],
    add: (v: bigint, [sum, count]: [bigint, bigint]): [bigint, bigint] => [sum + v, count + 1n],
    getResult: ([sum, count]: [bigint, bigint]) => (count === 0n ? 0n : sum / count),
  },
  parseTypeExpression("tuple<long,long>"),
  { queryable: "avg-price" },
);
export const trail = foldingState("trail", "" as string | null, (acc: string | null, page: string) => (acc === "" ? page : `${acc}>${page}`), stringSerializer, {
  queryable: "trail",
});
export const profile = valueState("profile-state", profileSerializer, { queryable: "profile" });
export const lastPrice = valueState("last-price", longSerializer, { queryable: "last-price" });
export const money = valueState("money", longSerializer, { queryable: "money" });

export const VISITS: readonly Visit[] = [
  { user: "ada", page: "/", price: 10n },
  { user: "bob", page: "/docs", price: 3n },
  { user: "ada", page: "/cart", price: 20n },
  { user: "ada", page: "/cart", price: 30n },
];

/** 2^53 + 1: a long that a JSON number cannot hold. */
export const BIG = 9007199254740993n;

/** The catalog of the cluster's jobs (the window job's id is fixed; the others are resolved by name). */
export function shopCatalog(windowJob: JobID): CatalogDocument {
  return {
    catalogVersion: 1,
    generatedBy: "tests/helpers/shop-cluster.ts",
    jobs: [
      {
        name: "shop",
        states: [
          { name: "last-page", kind: "value", key: "string", value: "string", maxParallelism: 128, operator: "visits" },
          { name: "pages", kind: "list", key: "string", value: "string" },
          { name: "page-counts", kind: "map", key: "string", userKey: "string", value: "long" },
          { name: "clicks", kind: "reducing", key: "string", value: "long", aliases: ["click-count"] },
          { name: "avg-price", kind: "aggregating", key: "string", value: "tuple<long,long>" },
          { name: "trail", kind: "folding", key: "string", value: "string" },
          { name: "profile-state", queryableName: "profile", kind: "value", key: "string", value: PROFILE },
          // The job keeps a long here: the catalog's string is wrong on purpose.
          { name: "last-price", kind: "value", key: "string", value: "string" },
          { name: "money", kind: "value", key: "string", value: { serializer: "com.acme.MoneySerializer", reason: "a custom serializer" } },
        ],
      },
      { name: "orders", states: [{ name: "order-total", kind: "value", key: "long", value: "long" }] },
      { name: "twin", states: [{ name: "twin-count", kind: "reducing", key: "string", value: "long" }] },
      {
        name: "windows",
        jobId: windowJob.toString(),
        states: [{ name: "window-sums", kind: "reducing", key: "string", namespace: "timewindow", value: "long" }],
      },
    ],
  };
}

export interface ShopCluster {
  cluster: LocalCluster;
  shopJob: JobID;
  ordersJob: JobID;
  twinJobs: JobID[];
  windowJob: JobID;
  catalog: CatalogDocument;
  /** `host:port` of every proxy. */
  proxies: string;
  close(): Promise<void>;
}

/** Starts the cluster and waits until every job has processed its records. */
export async function startShopCluster(): Promise<ShopCluster> {
  const cluster = await LocalCluster.start({ taskManagers: 2 });
  const shop = cluster.submit({
    name: "shop",
    maxParallelism: 128,
    sources: [VISITS],
    keyBy: (v: Visit) => v.user,
    keyType: stringSerializer,
    steps: [{
      name: "visits",
      states: [lastPage, pages, pageCounts, clicks, avgPrice, trail, profile, lastPrice, money],
      process(v, ctx) {
        ctx.state(lastPage).update(v.page);
        ctx.state(pages).add(v.page);
        const counts = ctx.state(pageCounts);
        counts.put(v.page, (counts.get(v.page) ?? 0n) + 1n);
        ctx.state(clicks).add(1n);
        ctx.state(avgPrice).add(v.price);
        ctx.state(trail).add(v.page);
        ctx.state(lastPrice).update(v.price);
        ctx.state(money).update(v.price * 100n);
        if (v.user === "ada") ctx.state(profile).update({ id: BIG, score: Decimal.parse("12.50"), tags: ["vip", "early"] });
      },
    }],
  });
  const orderTotal = valueState("order-total", longSerializer, { queryable: "order-total" });
  const orders = cluster.submit({
    name: "orders",
    sources: [[[7n, 100n], [8n, BIG]] as [bigint, bigint][]],
    keyBy: ([id]: [bigint, bigint]) => id,
    keyType: longSerializer,
    steps: [{ name: "totals", states: [orderTotal], process: ([, total], ctx) => ctx.state(orderTotal).update(total) }],
  });
  const twinCount = reducingState("twin-count", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "twin-count" });
  const twins = [0, 1].map(() =>
    cluster.submit({
      name: "twin",
      sources: [["ada"]],
      keyBy: (u: string) => u,
      keyType: stringSerializer,
      steps: [{ name: "count", states: [twinCount], process: (_u, ctx) => ctx.state(twinCount).add(1n) }],
    })
  );
  await Promise.all([shop.sourcesDone, orders.sourcesDone, ...twins.map((t) => t.sourcesDone)]);

  // A window state: ada's sums for two windows, served by a state server of its own.
  const windowJob = JobID.random();
  const table = new Map<string, Uint8Array>();
  const put = (user: string, w: TimeWindow, sum: bigint) =>
    table.set(toHex(serializeKeyAndNamespace(user, stringSerializer, w, timeWindowSerializer)), serializeValue(sum, longSerializer)!);
  put("ada", { start: 0n, end: 60000n }, 5n);
  put("ada", { start: 60000n, end: 120000n }, BIG);
  const server = new KvStateServer({ host: "127.0.0.1", port: 0 });
  await server.start();
  const id = server.registry.register({ getSerializedValue: (kn) => table.get(toHex(kn)) ?? null });
  cluster.coordinator.registerJob(windowJob, new Map([["window", 128]]));
  cluster.coordinator.notifyKvStateRegistered(windowJob, "window", computeKeyGroupRangeForOperatorIndex(128, 1, 0), "window-sums", id, server.address!);

  return {
    cluster,
    shopJob: shop.jobId,
    ordersJob: orders.jobId,
    twinJobs: twins.map((t) => t.jobId),
    windowJob,
    catalog: shopCatalog(windowJob),
    proxies: cluster.proxyAddresses.map((a) => `${a.hostname}:${a.port}`).join(","),
    async close() {
      await cluster.close();
      await server.close();
    },
  };
}
