// The web console in a real browser: Debian's Chromium (/usr/bin/chromium, or CHROMIUM), driven by playwright-core,
// against a gateway in front of a LocalCluster. It asserts what a person sees: the catalog, a value as a tree and as
// raw JSON, the key's key group and server, a pasted batch, an error, the live charts, the token form.
// Run by `npm run test:browser` (scripts/test-browser.mjs), not by `npm test`.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type ServedGateway, serveGateway } from "../../gateway.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync",
];
const TOKEN = "console-token";

describe("web console in Chromium", () => {
  let shop: ShopCluster, open: ServedGateway, guarded: ServedGateway, browser: BrowserContext, page: Page, profile: string;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM)`);
    shop = await startShopCluster();
    const jobs = () => Promise.resolve(shop.cluster.jobs.map((j) => ({ id: j.jobId.toString(), name: j.name })));
    // One gateway with the coordinator (routes name servers) and a job listing, one with a token.
    open = await serveGateway({ proxies: shop.proxies, catalog: shop.catalog, jobs, coordinator: shop.cluster.coordinator, port: 0 });
    guarded = await serveGateway({ proxies: shop.proxies, catalog: shop.catalog, jobs, port: 0, tokens: [TOKEN] });
    profile = mkdtempSync(join(tmpdir(), "qstate-chromium-"));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = browser.pages()[0] ?? await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await open?.close();
    await guarded?.close();
    await shop?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const text = (testid: string) => page.getByTestId(testid).innerText();

  test("the catalog's jobs and states are listed, with what each job name runs as", async () => {
    await page.goto(open.url);
    await page.getByTestId("job-shop").waitFor();
    const catalog = await text("catalog");
    for (const s of ["shop", "last-page", "page-counts", "clicks", "avg-price", "orders", "order-total", "windows", "window-sums"]) {
      assert.ok(catalog.includes(s), `the catalog shows ${s}: ${catalog}`);
    }
    assert.match(await page.getByTestId("job-shop").innerText(), new RegExp(`running ${shop.shopJob.toString().slice(0, 8)}`));
    assert.match(await page.getByTestId("job-twin").innerText(), /2 running \(ambiguous\)/);
    await page.getByTestId("ready").filter({ hasText: "ready" }).waitFor();
  });

  test("a query shows the value as a tree and as raw JSON, with the key's key group and server", async () => {
    await page.getByTestId("state-shop-page-counts").click();
    assert.match(await text("types"), /map state · key string · map key string · value long/);
    assert.equal(await page.getByTestId("namespace").isVisible(), false, "no namespace field for a state without one");
    await page.getByTestId("key").fill("ada");
    await page.getByTestId("run").click();
    await page.getByTestId("tree").waitFor();
    const tree = await text("tree");
    assert.match(tree, /value: 2 fields/);
    assert.match(tree, /\/cart: "2"/);
    assert.match(tree, /\/: "1"/);
    assert.deepEqual(JSON.parse(await text("raw")).value, { "/": "1", "/cart": "2" });
    await page.getByTestId("server").waitFor();
    const route = await text("route");
    assert.match(route, /Java hash 96414 · key group \d+ of 128 · server 127\.0\.0\.1:\d+/);
    const servers = shop.cluster.taskManagers.map((tm) => `${tm.serverAddress.hostname}:${tm.serverAddress.port}`);
    assert.ok(servers.includes(await text("server")));
  });

  test("a POJO value nests; a window state asks for its namespace", async () => {
    await page.getByTestId("state-shop-profile-state").click();
    await page.getByTestId("key").fill("ada");
    await page.getByTestId("run").click();
    await page.getByTestId("tree").filter({ hasText: "tags" }).waitFor();
    const tree = await text("tree");
    assert.match(tree, /id: "9007199254740993"/);
    assert.match(tree, /score: "12\.50"/);
    assert.match(tree, /tags: list of 2/);
    await page.getByTestId("state-windows-window-sums").click();
    assert.equal(await page.getByTestId("namespace").isVisible(), true);
    await page.getByTestId("key").fill("ada");
    await page.getByTestId("namespace").fill('{"start":0,"end":60000}');
    await page.getByTestId("run").click();
    await page.getByTestId("raw").filter({ hasText: '"start": "0"' }).waitFor();
    assert.equal(JSON.parse(await text("raw")).value, "5");
  });

  test("an error reads as its code and message", async () => {
    await page.getByTestId("state-orders-order-total").click();
    await page.getByTestId("key").fill("eight");
    await page.getByTestId("run").click();
    await page.getByTestId("problem").waitFor();
    assert.match(await text("result"), /INVALID_ARGUMENT Bad request \(INVALID_ARGUMENT\): Cannot read the key "eight" as long/);
  });

  test("keys pasted as a list: each key's value or error, in order", async () => {
    await page.getByTestId("state-shop-clicks").click();
    await page.getByTestId("batch-keys").fill("ada\nbob\neve\n");
    await page.getByTestId("batch-run").click();
    await page.getByTestId("batch-summary").waitFor();
    assert.equal(await text("batch-summary"), "2 of 3 found");
    const rows = (await text("batch-table")).split("\n").map((r) => r.trim()).filter(Boolean);
    assert.match(rows[1], /^"ada"\s+"3"$/);
    assert.match(rows[2], /^"bob"\s+"1"$/);
    assert.match(rows[3], /^"eve"\s+UNKNOWN_KEY_OR_NAMESPACE/);
  });

  test("browse: a state's keys a page at a time, a key looked up by a click; a map's entries by prefix", async () => {
    await page.getByTestId("state-shop-clicks").click();
    assert.equal(await page.getByTestId("scan-run").isVisible(), false, "no scan for a reducing state");
    await page.getByTestId("page-size").fill("1");
    await page.getByTestId("list-keys").click();
    await page.getByTestId("keys-summary").filter({ hasText: "1 key, more to come" }).waitFor();
    await page.getByTestId("keys-more").click();
    await page.getByTestId("keys-summary").filter({ hasText: /^2 keys$/ }).waitFor();
    assert.equal(await page.getByTestId("keys-more").isVisible(), false, "no more after the last page");
    const keys = (await text("keys-list")).split("\n").map((k) => k.trim()).filter(Boolean);
    assert.deepEqual([...keys].sort(), ["ada", "bob"]);
    await page.getByTestId("keys-list").getByText("bob", { exact: true }).click();
    await page.getByTestId("raw").filter({ hasText: '"key": "bob"' }).waitFor();
    assert.equal(JSON.parse(await text("raw")).value, "1");

    await page.getByTestId("state-shop-page-counts").click();
    await page.getByTestId("key").fill("ada");
    await page.getByTestId("scan-prefix").fill("/c");
    await page.getByTestId("scan-run").click();
    await page.getByTestId("scan-summary").waitFor();
    assert.equal(await text("scan-summary"), "1 entry");
    const rows = (await text("scan-table")).split("\n").map((r) => r.trim()).filter(Boolean);
    assert.match(rows[1], /^"\/cart"\s+"2"$/);
    await page.getByTestId("scan-prefix").fill("");
    await page.getByTestId("scan-from").fill("/c");
    await page.getByTestId("scan-to").fill("/z");
    await page.getByTestId("page-size").fill("100000");
    await page.getByTestId("scan-run").click();
    await page.getByTestId("scan-result").getByTestId("problem").waitFor();
    assert.match(await text("scan-result"), /INVALID_ARGUMENT .*above the gateway's limit/);
  });

  test("live charts show the request rate, latency percentiles and errors", async () => {
    await page.getByTestId("chart-latency").filter({ hasText: /p99 [1-9]|p99 0\.\d*[1-9]/ }).waitFor({ timeout: 10_000 });
    const latency = await text("chart-latency");
    assert.match(latency, /p50 .* ms · p90 .* ms · p99 .* ms/);
    assert.match(await text("chart-rate"), /Requests per second/);
    assert.match(await text("chart-errors"), /4xx [\d.]+\/s · 5xx [\d.]+\/s/);
    assert.match(await text("chart-rate"), /last 5 s [\d.]+\/s/);
    assert.equal(await page.locator("[data-testid=chart-rate] svg path").count(), 1);
    assert.equal(await page.locator("[data-testid=chart-latency] svg path").count(), 3);
  });

  test("with tokens: the console asks for one, then works", async () => {
    await page.goto(guarded.url);
    await page.getByTestId("token").waitFor();
    assert.match(await text("catalog"), /UNAUTHORIZED/);
    await page.getByTestId("token").fill(TOKEN);
    await page.getByTestId("token").press("Enter");
    await page.getByTestId("job-shop").waitFor();
    await page.getByTestId("state-shop-clicks").click();
    await page.getByTestId("key").fill("ada");
    await page.getByTestId("run").click();
    await page.getByTestId("raw").waitFor();
    assert.equal(JSON.parse(await text("raw")).value, "3");
  });
});
