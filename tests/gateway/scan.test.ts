// The gateway's key listing (GET …/keys) and map scans (GET …/scan) over real HTTP on the runtime running this test,
// in front of a LocalCluster of two task managers: every key once across both of them, page after page by the
// `cursor` and by the `Link: rel="next"` header; key-group ranges; a scan with a prefix and with a range; bad cursors,
// bad query parameters and page sizes above the limit as 400 problems with their codes; a Flink-like proxy as 501;
// and every answer checked against the gateway's own OpenAPI document.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  type CatalogDocument, computeKeyGroupForKeyHash, detectRuntime, LocalCluster, longSerializer, mapState, reducingState, stringSerializer,
} from "../../mod.ts";
import { type ServedGateway, serveGateway } from "../../gateway.ts";
import { type Deployment, startDeployment } from "../helpers/batch-setup.ts";
import { OpenApiChecker } from "../helpers/openapi.ts";

const runtime = detectRuntime();
const MAX_PAGE = 400;
const USERS = Array.from({ length: 700 }, (_, i) => `user-${i}`);
const PATHS = Array.from({ length: 240 }, (_, i) => (i % 3 === 0 ? `/docs/${i}` : i % 3 === 1 ? `/blog/${i}` : `/shop/${i}`));
const NUMBERS = [-5n, 3n, -100n, 42n, 0n, 7n, 2n ** 40n, -(2n ** 40n)];

const visits = reducingState("visits", (a: bigint, b: bigint) => a + b, longSerializer, { queryable: "visits" });
const pages = mapState("pages", stringSerializer, longSerializer, { queryable: "pages" });
const byNumber = mapState("by-number", longSerializer, stringSerializer, { queryable: "by-number" });

function catalogOf(plainJob: string): CatalogDocument {
  return {
    catalogVersion: 1,
    jobs: [
      {
        name: "feed",
        states: [
          { name: "visits", kind: "reducing", key: "string", value: "long" },
          { name: "pages", kind: "map", key: "string", userKey: "string", value: "long" },
          { name: "by-number", kind: "map", key: "string", userKey: "long", value: "string" },
        ],
      },
      {
        // A Flink-like proxy (no protocol extensions) in front of states "counts" and "plain" (string → long).
        name: "plain",
        jobId: plainJob,
        states: [
          { name: "counts", kind: "reducing", key: "string", value: "long" },
          // Its state "plain" said to be a map, for a scan (which the proxy refuses before anything is decoded).
          { name: "plain", kind: "map", key: "string", userKey: "string", value: "long" },
        ],
      },
    ],
  };
}

describe(`gateway key listing and map scans over HTTP, on ${runtime}`, () => {
  let cluster: LocalCluster, flinkLike: Deployment, served: ServedGateway, flinkGateway: ServedGateway, openapi: OpenApiChecker;

  before(async () => {
    cluster = await LocalCluster.start({ taskManagers: 2 });
    const job = cluster.submit({
      name: "feed",
      parallelism: 2,
      maxParallelism: 128,
      sources: [USERS],
      keyBy: (u: string) => u,
      keyType: stringSerializer,
      steps: [{
        name: "feed",
        states: [visits, pages, byNumber],
        process: (u, ctx) => {
          ctx.state(visits).add(1n);
          if (u !== "user-0") return;
          PATHS.forEach((p, i) => ctx.state(pages).put(p, BigInt(i)));
          ctx.state(pages).put("/null", null as unknown as bigint);
          for (const n of NUMBERS) ctx.state(byNumber).put(n, `n${n}`);
        },
      }],
    });
    await job.sourcesDone;
    flinkLike = await startDeployment(5, { extensions: false });
    const catalog = catalogOf(flinkLike.jobId.toString());
    const proxies = cluster.proxyAddresses.map((a) => `${a.hostname}:${a.port}`).join(",");
    served = await serveGateway({ proxies, catalog, coordinator: cluster.coordinator, port: 0, limits: { maxPageSize: MAX_PAGE } });
    flinkGateway = await serveGateway({ proxies: `${flinkLike.proxyAddress.hostname}:${flinkLike.proxyAddress.port}`, catalog, port: 0 });
    openapi = new OpenApiChecker(await (await fetch(`${served.url}/openapi.json`)).json());
  });
  after(async () => {
    await served?.close();
    await flinkGateway?.close();
    await flinkLike?.close();
    await cluster?.close();
  });

  /** A GET, its answer checked against the OpenAPI document. */
  async function call(path: string, base: ServedGateway = served, method = "GET") {
    const res = await fetch(`${base.url}${path}`, { method });
    const text = await res.text();
    openapi.check(method, `${base.url}${path}`, res.status, res.headers.get("content-type") ?? "", text);
    return { status: res.status, headers: res.headers, body: JSON.parse(text) };
  }
  const problem = async (path: string, status: number, code: string, base: ServedGateway = served) => {
    const r = await call(path, base);
    assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal(r.body.code, code, path);
    assert.equal(r.body.status, status);
    return r.body as { detail: string };
  };
  /** Every page from `first` on, following the Link header; the cursor in each body must match it. */
  async function allPages(first: string): Promise<{ pages: Record<string, unknown>[]; links: string[] }> {
    const out: Record<string, unknown>[] = [];
    const links: string[] = [];
    let path: string | undefined = first;
    while (path !== undefined) {
      const r = await call(path);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      out.push(r.body);
      const link = r.headers.get("link");
      if (r.body.cursor === null) {
        assert.equal(link, null, "no Link header after the last page");
        path = undefined;
      } else {
        const m = /^<([^>]+)>; rel="next"$/.exec(link ?? "");
        assert.ok(m, `a Link header: ${link}`);
        assert.equal(new URL(m[1], served.url).searchParams.get("cursor"), r.body.cursor);
        links.push(m[1]);
        path = m[1];
      }
      assert.ok(out.length < 100, "the listing ends");
    }
    return { pages: out, links };
  }

  test("every key once, in key-group order, across both task managers, by the Link header", async () => {
    const { pages: got, links } = await allPages("/v1/jobs/feed/states/visits/keys?pageSize=90");
    const keys = got.flatMap((p) => p.keys as string[]);
    assert.equal(keys.length, USERS.length);
    assert.deepEqual([...keys].sort(), [...USERS].sort());
    for (const p of got) assert.ok((p.keys as string[]).length <= 90);
    assert.ok(got.length >= 8, `pages: ${got.length}`);
    const groups = keys.map((k) => computeKeyGroupForKeyHash(stringSerializer.hashCode(k), 128));
    assert.deepEqual(groups, [...groups].sort((a, b) => a - b), "key-group order");
    assert.ok(groups[0] < 64 && groups[groups.length - 1] >= 64, "both subtasks' key groups (one per task manager) are listed");
    assert.deepEqual(got[0].job, { id: (got[0].job as { id: string }).id, name: "feed" });
    assert.equal(got[0].state, "visits");
    assert.match(links[0], /^\/v1\/jobs\/feed\/states\/visits\/keys\?pageSize=90&cursor=[A-Za-z0-9_-]+$/);
  });

  test("a key-group range; the default page size, capped at the limit", async () => {
    const { pages: low } = await allPages("/v1/jobs/feed/states/visits/keys?keyGroups=0-63&pageSize=100");
    const lowKeys = low.flatMap((p) => p.keys as string[]);
    const expected = USERS.filter((u) => computeKeyGroupForKeyHash(stringSerializer.hashCode(u), 128) <= 63);
    assert.deepEqual([...lowKeys].sort(), expected.sort());
    const byDefault = await call("/v1/jobs/feed/states/visits/keys");
    assert.equal(byDefault.status, 200);
    // 1000 a page by default, but no more than the limit (a page may hold fewer when the proxy's page time is up).
    assert.ok(byDefault.body.keys.length > 0 && byDefault.body.keys.length <= MAX_PAGE, `${byDefault.body.keys.length} keys`);
    assert.match(byDefault.body.cursor, /^[A-Za-z0-9_-]+$/);
    const { pages: rest } = await allPages(`/v1/jobs/feed/states/visits/keys?pageSize=${MAX_PAGE}&cursor=${byDefault.body.cursor}`);
    assert.equal(byDefault.body.keys.length + rest.flatMap((p) => p.keys as string[]).length, USERS.length);
  });

  test("a map scan with a prefix, a page at a time; a range of long map keys in numeric order; null values", async () => {
    const { pages: got } = await allPages("/v1/jobs/feed/states/pages/scan?key=user-0&prefix=%2Fdocs%2F&pageSize=7");
    const entries = got.flatMap((p) => p.entries as { userKey: string; value: string }[]);
    const docs = PATHS.map((p, i) => [p, i] as const).filter(([p]) => p.startsWith("/docs/")).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(entries, docs.map(([p, i]) => ({ userKey: p, value: String(i) })));
    assert.equal(got[0].key, "user-0");
    assert.equal(got[0].state, "pages");
    const all = await call("/v1/jobs/feed/states/pages/scan?key=user-0");
    assert.equal(all.body.entries.length, PATHS.length + 1);
    assert.deepEqual(all.body.entries.find((e: { userKey: string }) => e.userKey === "/null"), { userKey: "/null", value: null });
    const range = await call(`/v1/jobs/feed/states/by-number/scan?key=user-0&from=-100&to=${2n ** 40n}`);
    assert.equal(range.status, 200, JSON.stringify(range.body));
    assert.deepEqual(range.body.entries, [-100n, -5n, 0n, 3n, 7n, 42n].map((n) => ({ userKey: String(n), value: `n${n}` })));
    assert.equal(range.body.cursor, null);
    await problem("/v1/jobs/feed/states/pages/scan?key=nobody", 404, "UNKNOWN_KEY_OR_NAMESPACE");
  });

  test("cursors: garbage and a cursor of another listing or scan are 400 INVALID_CURSOR", async () => {
    for (const bad of ["!!!", "a", "%2F%2F"]) {
      await problem(`/v1/jobs/feed/states/visits/keys?cursor=${bad}`, 400, "INVALID_CURSOR");
      await problem(`/v1/jobs/feed/states/pages/scan?key=user-0&cursor=${bad}`, 400, "INVALID_CURSOR");
    }
    const first = await call("/v1/jobs/feed/states/visits/keys?pageSize=5");
    // The same cursor for other key groups is another listing.
    const detail = (await problem(`/v1/jobs/feed/states/visits/keys?pageSize=5&keyGroups=0-10&cursor=${first.body.cursor}`, 400, "INVALID_CURSOR")).detail;
    assert.match(detail, /cursor/i);
    const scan = await call("/v1/jobs/feed/states/pages/scan?key=user-0&pageSize=5");
    await problem(`/v1/jobs/feed/states/pages/scan?key=user-0&pageSize=5&prefix=%2Fblog&cursor=${scan.body.cursor}`, 400, "INVALID_CURSOR");
    await problem(`/v1/jobs/feed/states/pages/scan?key=user-0&pageSize=5&cursor=${first.body.cursor}`, 400, "INVALID_CURSOR");
  });

  test("bad query parameters are 400 INVALID_ARGUMENT saying what to give; a page size over the limit too", async () => {
    const cases: [string, RegExp][] = [
      ["/v1/jobs/feed/states/visits/keys?pageSize=0", /pageSize must be a whole number from 1 to 400/],
      ["/v1/jobs/feed/states/visits/keys?pageSize=ten", /pageSize must be a whole number/],
      [`/v1/jobs/feed/states/visits/keys?pageSize=${MAX_PAGE + 1}`, /above the gateway's limit of 400/],
      ["/v1/jobs/feed/states/pages/scan?key=user-0&pageSize=100000", /above the gateway's limit of 400/],
      ["/v1/jobs/feed/states/visits/keys?keyGroups=9-2", /keyGroups must be FROM-TO/],
      ["/v1/jobs/feed/states/visits/keys?keyGroups=low", /keyGroups must be FROM-TO/],
      ["/v1/jobs/feed/states/visits/keys?namespace=1", /has no namespace/],
      ["/v1/jobs/feed/states/pages/scan", /Give the key to read/],
      ["/v1/jobs/feed/states/visits/scan?key=user-0", /reducing state: only map states scan/],
      ["/v1/jobs/feed/states/pages/scan?key=user-0&prefix=%2Fd&from=%2Fa", /not both/],
      ["/v1/jobs/feed/states/by-number/scan?key=user-0&prefix=4", /"prefix" needs string map keys/],
      ["/v1/jobs/feed/states/by-number/scan?key=user-0&from=seven", /Cannot read the from "seven" as long/],
    ];
    for (const [path, message] of cases) assert.match((await problem(path, 400, "INVALID_ARGUMENT")).detail, message, path);
    await problem("/v1/jobs/feed/states/nothing/keys", 404, "NOT_IN_CATALOG");
    const post = await fetch(`${served.url}/v1/jobs/feed/states/visits/keys`, { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET");
    await post.body?.cancel();
  });

  test("through a Flink-like proxy: 501 UNSUPPORTED_BY_PEER, saying what to do instead", async () => {
    const keys = await problem("/v1/jobs/plain/states/counts/keys", 501, "UNSUPPORTED_BY_PEER", flinkGateway);
    assert.match(keys.detail, /Flink cannot list a state's keys/);
    const scan = await problem("/v1/jobs/plain/states/plain/scan?key=user-1", 501, "UNSUPPORTED_BY_PEER", flinkGateway);
    assert.match(scan.detail, /read the whole map with getKvState/);
    const value = await call("/v1/jobs/plain/states/counts?key=user-1", flinkGateway);
    assert.equal(value.body.value, "7", "plain gets still work there");
  });

  test("the OpenAPI document: valid schemas, every reference resolves, and it covers every answer seen", async () => {
    const doc = (await call("/openapi.json")).body;
    assert.equal(doc.openapi, "3.1.0");
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema(doc, "openapi.json");
    for (const name of Object.keys(doc.components.schemas)) assert.ok(ajv.getSchema(`openapi.json#/components/schemas/${name}`), name);
    const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
    for (const r of refs) {
      const path = r.slice(8, -1).replace(/^#\//, "").split("/");
      assert.notEqual(path.reduce((o: Record<string, unknown> | undefined, k) => o?.[k] as Record<string, unknown> | undefined, doc), undefined, r);
    }
    const operationIds = new Set<string>();
    for (const [template, methods] of Object.entries(doc.paths as Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[] }>>)) {
      for (const op of Object.values(methods)) {
        assert.ok(!operationIds.has(op.operationId), op.operationId);
        operationIds.add(op.operationId);
        const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name).sort();
        assert.deepEqual(declared, [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort(), template);
      }
    }
    const keysOp = doc.paths["/v1/jobs/{job}/states/{state}/keys"].get;
    assert.equal(keysOp.parameters.find((p: { name: string }) => p.name === "pageSize").schema.maximum, MAX_PAGE);
    for (
      const s of [
        "GET /v1/jobs/{job}/states/{state}/keys 200",
        "GET /v1/jobs/{job}/states/{state}/keys 400",
        "GET /v1/jobs/{job}/states/{state}/keys 501",
        "GET /v1/jobs/{job}/states/{state}/scan 200",
        "GET /v1/jobs/{job}/states/{state}/scan 400",
        "GET /v1/jobs/{job}/states/{state}/scan 404",
        "GET /v1/jobs/{job}/states/{state}/scan 501",
      ]
    ) assert.ok(openapi.seen.has(s), `${s} was checked`);
  });
});
