// The HTTP gateway over real HTTP on the runtime running this test (Deno.serve, Bun.serve, node:http), in front of a
// LocalCluster: every state kind, batches with found and missing keys, job names resolved (a listing, the
// coordinator, the catalog's jobId) and ambiguity, every error status as a problem document, limits, tokens, CORS,
// health, metrics, and every response checked against the gateway's own OpenAPI document.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { detectRuntime } from "../../mod.ts";
import { type ServedGateway, serveGateway } from "../../gateway.ts";
import { OpenApiChecker } from "../helpers/openapi.ts";
import { BIG, type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

const runtime = detectRuntime();
const TOKEN = "s3cret-token";

describe(`gateway over HTTP, on ${runtime}`, () => {
  let shop: ShopCluster, served: ServedGateway, open: ServedGateway, openapi: OpenApiChecker;

  before(async () => {
    shop = await startShopCluster();
    const jobs = () => Promise.resolve(shop.cluster.jobs.map((j) => ({ id: j.jobId.toString(), name: j.name, status: j.status })));
    served = await serveGateway({ proxies: shop.proxies, catalog: shop.catalog, jobs, port: 0, tokens: [TOKEN, "another"], cors: { origins: ["https://ops.example"] } });
    // Another gateway without tokens, resolving names through the coordinator's listing.
    open = await serveGateway({ proxies: shop.proxies, catalog: shop.catalog, coordinator: shop.cluster.coordinator, port: 0, limits: { maxBatchKeys: 3, maxBodyBytes: 200 } });
    openapi = new OpenApiChecker(await (await fetch(`${served.url}/openapi.json`)).json());
  });
  after(async () => {
    await served?.close();
    await open?.close();
    await shop?.close();
  });

  /** A request to `base` (with the token unless `auth` is false), its answer checked against the OpenAPI document. */
  async function call(path: string, init: RequestInit & { auth?: boolean; base?: ServedGateway } = {}) {
    const base = init.base ?? served;
    const headers = new Headers(init.headers);
    if (init.auth !== false && base === served) headers.set("authorization", `Bearer ${TOKEN}`);
    const res = await fetch(`${base.url}${path}`, { ...init, headers });
    const text = await res.text();
    openapi.check(init.method ?? "GET", `${base.url}${path}`, res.status, res.headers.get("content-type") ?? "", text);
    return { status: res.status, headers: res.headers, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text };
  }
  const value = async (job: string, state: string, key: string, extra = "") => {
    const r = await call(`/v1/jobs/${encodeURIComponent(job)}/states/${encodeURIComponent(state)}?key=${encodeURIComponent(key)}${extra}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  const problem = async (path: string, status: number, code: string, init: Parameters<typeof call>[1] = {}) => {
    const r = await call(path, init);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.match(r.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal(r.body.code, code);
    assert.equal(r.body.status, status);
    assert.equal(r.body.type, `urn:queryable-state:error:${code}`);
    return r.body;
  };

  test("every state kind by job name, values as lossless JSON", async () => {
    const job = { id: shop.shopJob.toString(), name: "shop" };
    assert.deepEqual(await value("shop", "last-page", "ada"), { job, state: "last-page", key: "ada", value: "/cart" });
    assert.deepEqual((await value("shop", "pages", "ada")).value, ["/", "/cart", "/cart"]);
    assert.deepEqual((await value("shop", "page-counts", "ada")).value, { "/": "1", "/cart": "2" });
    assert.equal((await value("shop", "clicks", "ada")).value, "3");
    assert.equal((await value("shop", "click-count", "bob")).value, "1");
    assert.deepEqual((await value("shop", "avg-price", "ada")).value, ["60", "3"]);
    assert.equal((await value("shop", "trail", "ada")).value, "/>/cart>/cart");
    const profile = await value("shop", "profile", "ada");
    assert.equal(profile.state, "profile-state");
    assert.deepEqual(profile.value, { id: "9007199254740993", score: "12.50", tags: ["vip", "early"] });
  });

  test("by job id; a long key as text; a window namespace as JSON", async () => {
    assert.equal((await value(shop.shopJob.toString(), "clicks", "ada")).value, "3");
    const order = await value("orders", "order-total", "8");
    assert.deepEqual(order.key, "8");
    assert.equal(order.value, BIG.toString());
    const w = await value("windows", "window-sums", "ada", `&namespace=${encodeURIComponent('{"start":60000,"end":120000}')}`);
    assert.deepEqual(w.namespace, { start: "60000", end: "120000" });
    assert.equal(w.value, BIG.toString());
    assert.equal(w.job.id, shop.windowJob.toString());
  });

  test("a batch: concurrent, in order, each key its value or its own error", async () => {
    const keys = ["bob", "eve", "ada", 42, "zed"];
    const r = await call("/v1/jobs/shop/states/clicks/batch", { method: "POST", body: JSON.stringify({ keys }), headers: { "content-type": "application/json" } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results.map((x: { key: unknown }) => x.key), keys);
    const { freshness: bobFresh, ...bob } = r.body.results[0];
    assert.deepEqual(bob, { key: "bob", value: "1" });
    assert.match(bobFresh.version, /^\d+$/, "our state servers say how fresh each answer is");
    assert.deepEqual({ ...r.body.results[2], freshness: undefined }, { key: "ada", value: "3", freshness: undefined });
    assert.equal(r.body.results[1].error.code, "UNKNOWN_KEY_OR_NAMESPACE");
    assert.equal(r.body.results[1].error.status, 404);
    assert.equal(r.body.results[3].error.code, "INVALID_ARGUMENT");
    assert.equal(r.body.results[3].error.status, 400);
    assert.match(r.body.results[3].error.detail, /Cannot read the key 42 as string/);
    assert.equal(r.body.results[4].error.code, "UNKNOWN_KEY_OR_NAMESPACE");
    const windows = await call("/v1/jobs/windows/states/window-sums/batch", {
      method: "POST",
      body: JSON.stringify({ keys: ["ada", "bob"], namespace: { start: 0, end: 60000 } }),
    });
    assert.deepEqual(windows.body.results[0], { key: "ada", value: "5" }, "a hand-made state gives no freshness");
    assert.equal(windows.body.results[1].error.code, "UNKNOWN_KEY_OR_NAMESPACE");
  });

  test("a batch with freshness bounds: the version seen reads back; a version ahead is 412 per key; bad bounds 400", async () => {
    const post = (body: unknown) => call("/v1/jobs/shop/states/clicks/batch", { method: "POST", body: JSON.stringify(body) });
    const first = await post({ keys: ["ada"] });
    const version: string = first.body.results[0].freshness.version;
    const back = await post({ keys: ["ada", "bob"], minVersion: version, maxStalenessMs: 60_000 });
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.equal(back.body.results[0].value, "3");
    const ahead = await post({ keys: ["ada"], minVersion: String(BigInt(version) + (1n << 40n)), waitMs: 20 });
    assert.equal(ahead.status, 200);
    assert.equal(ahead.body.results[0].error.code, "FRESHNESS_BOUND_NOT_MET");
    assert.equal(ahead.body.results[0].error.status, 412);
    assert.equal(ahead.body.results[0].freshness.version, version);
    await problem("/v1/jobs/shop/states/clicks/batch", 400, "INVALID_ARGUMENT", { method: "POST", body: '{"keys": ["a"], "minVersion": 5}' });
    await problem("/v1/jobs/shop/states/clicks/batch", 400, "INVALID_ARGUMENT", { method: "POST", body: '{"keys": ["a"], "waitMs": -1}' });
  });

  test("job names through the coordinator's listing (the job that registered the catalog job's states)", async () => {
    const r = await call("/v1/jobs/orders/states/order-total?key=7", { base: open });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.job, { id: shop.ordersJob.toString(), name: "orders" });
    assert.equal(r.body.value, "100");
    const twin = await problem("/v1/jobs/twin/states/twin-count?key=ada", 409, "AMBIGUOUS_JOB", { base: open });
    assert.deepEqual([...twin.candidates].sort(), shop.twinJobs.map(String).sort());
  });

  test("/v1/jobs lists the catalog with the running jobs each name resolves to", async () => {
    const r = await call("/v1/jobs");
    assert.equal(r.status, 200);
    assert.equal(r.body.resolvesNames, true);
    const byName = Object.fromEntries(r.body.jobs.map((j: { name: string }) => [j.name, j]));
    assert.deepEqual(byName.shop.running, [shop.shopJob.toString()]);
    assert.deepEqual([...byName.twin.running].sort(), shop.twinJobs.map(String).sort());
    assert.deepEqual(byName.windows.running, [shop.windowJob.toString()]);
    const profile = byName.shop.states.find((s: { name: string }) => s.name === "profile-state");
    assert.equal(profile.queryableName, "profile");
    assert.equal(byName.shop.states.find((s: { name: string }) => s.name === "clicks").kind, "reducing");
  });

  test("/route: the key's hash, key group, subtask and the server holding it", async () => {
    const r = await call("/v1/jobs/shop/states/last-page/route?key=ada", { base: open });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.javaHashCode, 96414); // "ada".hashCode() in Java
    assert.equal(r.body.maxParallelism, 128);
    assert.ok(r.body.keyGroup >= 0 && r.body.keyGroup < 128);
    const servers = shop.cluster.taskManagers.map((tm) => `${tm.serverAddress.hostname}:${tm.serverAddress.port}`);
    assert.ok(servers.includes(r.body.server), `${r.body.server} is one of ${servers}`);
    const withoutCoordinator = await call("/v1/jobs/shop/states/clicks/route?key=ada");
    assert.equal(withoutCoordinator.body.keyGroup, undefined);
    assert.match(withoutCoordinator.body.notes.join(" "), /add "maxParallelism" to the catalog entry/);
  });

  test("400: a key or namespace not of the state's type, a missing key, a bad body", async () => {
    assert.match((await problem("/v1/jobs/orders/states/order-total?key=eight", 400, "INVALID_ARGUMENT")).detail, /Cannot read the key "eight" as long/);
    assert.match((await problem("/v1/jobs/shop/states/clicks", 400, "INVALID_ARGUMENT")).detail, /Give the key to read: \?key=/);
    await problem("/v1/jobs/windows/states/window-sums?key=ada&namespace=7", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/shop/states/clicks?key=ada&namespace=7", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/windows/states/window-sums?key=ada", 400, "INVALID_ARGUMENT");
    await problem("/v1/jobs/shop/states/clicks/batch", 400, "INVALID_ARGUMENT", { method: "POST", body: "{not json" });
    await problem("/v1/jobs/shop/states/clicks/batch", 400, "INVALID_ARGUMENT", { method: "POST", body: '{"keys": []}' });
    await problem("/v1/jobs/shop/states/clicks/batch", 400, "INVALID_ARGUMENT", { method: "POST", body: '{"keys": ["a"], "nope": 1}' });
  });

  test("401: no token, a wrong one; the others open", async () => {
    const none = await call("/v1/jobs/shop/states/clicks?key=ada", { auth: false });
    assert.equal(none.status, 401);
    assert.equal(none.body.code, "UNAUTHORIZED");
    assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
    assert.equal((await call("/metrics", { auth: false })).status, 401);
    const wrong = await call("/v1/jobs", { auth: false, headers: { authorization: "Bearer s3cret-tokeN" } });
    assert.equal(wrong.status, 401);
    assert.equal((await call("/v1/jobs", { auth: false, headers: { authorization: "Bearer another" } })).status, 200);
    assert.equal((await call("/healthz", { auth: false })).status, 200);
    assert.equal((await call("/openapi.json", { auth: false })).status, 200);
  });

  test("404: an unknown job name, a state not in the catalog, a missing key, an unknown path", async () => {
    assert.match((await problem("/v1/jobs/nope/states/clicks?key=ada", 404, "UNKNOWN_JOB_NAME")).detail, /No running job is named "nope" \(running: .*"shop"/);
    assert.match((await problem("/v1/jobs/shop/states/nope?key=ada", 404, "NOT_IN_CATALOG")).detail, /no state "nope" in job "shop"/);
    await problem("/v1/jobs/shop/states/clicks?key=eve", 404, "UNKNOWN_KEY_OR_NAMESPACE");
    await problem("/v1/jobs/ffffffffffffffffffffffffffffffff/states/clicks?key=ada", 404, "UNKNOWN_JOB");
    const r = await fetch(`${served.url}/v2/nothing`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(r.status, 404);
    assert.equal((await r.json()).code, "ROUTE_NOT_FOUND");
  });

  test("405, 409, 413, 422, 502", async () => {
    // (A method the document does not describe for a path cannot be checked against it: plain fetch.)
    const auth = { authorization: `Bearer ${TOKEN}` };
    const r = await fetch(`${served.url}/v1/jobs/shop/states/clicks?key=ada`, { method: "POST", body: "{}", headers: auth });
    assert.equal(r.status, 405);
    assert.equal((await r.json()).code, "METHOD_NOT_ALLOWED");
    assert.equal(r.headers.get("allow"), "GET");
    const get = await fetch(`${served.url}/v1/jobs/shop/states/clicks/batch`, { headers: auth });
    assert.equal(get.status, 405);
    assert.match(get.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal(get.headers.get("allow"), "POST");
    await get.body?.cancel();
    assert.match((await problem("/v1/jobs/twin/states/twin-count?key=ada", 409, "AMBIGUOUS_JOB")).detail, /2 running jobs are named "twin"/);
    await problem("/v1/jobs/shop/states/clicks/batch", 413, "REQUEST_TOO_LARGE", { base: open, method: "POST", body: JSON.stringify({ keys: ["a", "b", "c", "d"] }) });
    await problem("/v1/jobs/shop/states/clicks/batch", 413, "REQUEST_TOO_LARGE", { base: open, method: "POST", body: JSON.stringify({ keys: ["x".repeat(300)] }) });
    assert.match((await problem("/v1/jobs/shop/states/money?key=ada", 422, "UNSUPPORTED_TYPE")).detail, /com\.acme\.MoneySerializer could not be mapped \(a custom serializer\)/);
    assert.match((await problem("/v1/jobs/shop/states/last-price?key=ada", 502, "SERIALIZATION")).detail, /The catalog's state "last-price" of job "shop"/);
  });

  test("503 and 504: a proxy that is down, one that never answers; /readyz says so", async () => {
    const silent = await silentServer();
    const down = await serveGateway({ proxies: "127.0.0.1:1", catalog: shop.catalog, port: 0, limits: { timeoutMs: 2000 } });
    const slow = await serveGateway({ proxies: `127.0.0.1:${silent.port}`, catalog: shop.catalog, port: 0, limits: { timeoutMs: 300 } });
    try {
      const job = shop.windowJob.toString();
      const unreachable = await problem(`/v1/jobs/${job}/states/window-sums?key=ada&namespace=${encodeURIComponent('{"start":0,"end":60000}')}`, 503, "CONNECT_FAILED", { base: down });
      assert.match(unreachable.detail, /127\.0\.0\.1:1/);
      const ready = await call("/readyz", { base: down });
      assert.equal(ready.status, 503);
      assert.match(ready.body.reason, /no proxy answers/);
      await problem(`/v1/jobs/${job}/states/window-sums?key=ada&namespace=${encodeURIComponent('{"start":0,"end":60000}')}`, 504, "TIMEOUT", { base: slow });
      assert.deepEqual((await call("/readyz", { base: open })).body, { status: "ready" });
    } finally {
      await down.close();
      await slow.close();
      await silent.close();
    }
  });

  test("CORS: the allowed origin gets its headers and a preflight answer; another origin none", async () => {
    const pre = await fetch(`${served.url}/v1/jobs`, {
      method: "OPTIONS",
      headers: { origin: "https://ops.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    await pre.body?.cancel();
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get("access-control-allow-origin"), "https://ops.example");
    assert.match(pre.headers.get("access-control-allow-headers") ?? "", /authorization/i);
    const ok = await call("/v1/jobs", { headers: { origin: "https://ops.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://ops.example");
    const other = await call("/v1/jobs", { headers: { origin: "https://evil.example" } });
    assert.equal(other.headers.get("access-control-allow-origin"), null);
    const none = await call("/v1/jobs", { base: open, headers: { origin: "https://ops.example" } });
    assert.equal(none.headers.get("access-control-allow-origin"), null);
  });

  test("/metrics: requests by route and status, latency histograms, the proxy client's figures; /v1/stats", async () => {
    await value("shop", "clicks", "ada");
    const m = await call("/metrics");
    assert.match(m.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(m.body, /^qstate_gateway_requests_total\{route="get",status="200"\} \d+$/m);
    assert.match(m.body, /^qstate_gateway_requests_total\{route="get",status="404"\} \d+$/m);
    assert.match(m.body, /^qstate_gateway_request_duration_seconds_bucket\{route="get",le="\+Inf"\} \d+$/m);
    assert.match(m.body, /^qstate_gateway_keys_total\{outcome="missing"\} [1-9]\d*$/m);
    assert.match(m.body, /^qstate_requests_total\{role="gateway_client",name="proxy"\} [1-9]\d*$/m);
    const s = await call("/v1/stats");
    assert.equal(s.body.series.length, 120);
    const total = s.body.series.reduce((n: number, x: { requests: number }) => n + x.requests, 0);
    assert.ok(total > 10, `requests in the series: ${total}`);
    assert.ok(s.body.series.some((x: { clientErrors: number }) => x.clientErrors > 0));
    assert.ok(s.body.series.some((x: { p99: number | null }) => x.p99 !== null && x.p99 > 0));
  });

  test("the OpenAPI document covers every answer seen (checked on each call)", async () => {
    const doc = (await call("/openapi.json", { auth: false })).body;
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(doc.components.securitySchemes, { bearer: { type: "http", scheme: "bearer" } });
    for (const s of ["GET /v1/jobs/{job}/states/{state} 200", "POST /v1/jobs/{job}/states/{state}/batch 200", "GET /v1/jobs/{job}/states/{state} 409"]) {
      assert.ok(openapi.seen.has(s), `${s} was checked`);
    }
  });
});

describe(`gateway over HTTPS, shutting down gracefully, on ${runtime}`, () => {
  test("TLS with a certificate; close() lets a request in flight finish, then refuses", async () => {
    const shop = await startShopCluster();
    const silent = await silentServer();
    const cert = readFileSync(new URL("../fixtures/tls/server.pem", import.meta.url), "utf8");
    const key = readFileSync(new URL("../fixtures/tls/server-key.pem", import.meta.url), "utf8");
    const tls = await serveGateway({ proxies: shop.proxies, catalog: shop.catalog, port: 0, tls: { cert, key } });
    try {
      assert.match(tls.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const { httpsGet } = await import("../helpers/https-get.ts");
      const r = await httpsGet(`${tls.url}/v1/jobs/${shop.windowJob}/states/window-sums?key=ada&namespace=${encodeURIComponent('{"start":0,"end":60000}')}`, readFileSync(new URL("../fixtures/tls/ca.pem", import.meta.url), "utf8"));
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).value, "5");
    } finally {
      await tls.close();
    }
    // A gateway whose proxy answers nothing: a request in flight when close() starts still gets its answer (504 at
    // its time limit, within the grace period), and the gateway is closed after it.
    const g = await serveGateway({ proxies: `127.0.0.1:${silent.port}`, catalog: shop.catalog, port: 0, limits: { timeoutMs: 500 }, shutdownGraceMs: 5000 });
    try {
      const inFlight = fetch(`${g.url}/v1/jobs/${shop.windowJob}/states/window-sums?key=ada&namespace=${encodeURIComponent('{"start":0,"end":60000}')}`);
      while (g.gateway.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
      const closed = g.close();
      const res = await inFlight;
      assert.equal(res.status, 504);
      assert.equal((await res.json()).code, "TIMEOUT");
      await closed;
      const after = await g.gateway.fetch(new Request("http://x/v1/jobs"));
      assert.equal(after.status, 503);
      assert.equal((await after.json()).code, "GATEWAY_CLOSING");
      await assert.rejects(fetch(`${g.url}/healthz`));
    } finally {
      await g.close();
      await silent.close();
      await shop.close();
    }
  });
});

/** A TCP server that accepts connections and never answers. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
