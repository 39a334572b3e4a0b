// The web console as shipped: built from src/gateway/console/ (the committed page is what the sources make), small,
// self-contained (nothing loaded from elsewhere: our machines are offline), and served at / with a strict CSP.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { describe, test } from "node:test";
import { detectRuntime, JobID } from "../../mod.ts";
import { createGateway } from "../../gateway.ts";
import { CONSOLE_HTML } from "../../src/gateway/console-page.ts";
import { shopCatalog } from "../helpers/shop-cluster.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe(`web console page, on ${detectRuntime()}`, () => {
  test("the committed page is what scripts/build-console.mjs makes of the sources", () => {
    const r = spawnSync("node", ["scripts/build-console.mjs", "--check"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("small and self-contained: under 30 kB gzipped, no script, style or link from elsewhere", () => {
    assert.ok(gzipSync(CONSOLE_HTML).length < 30_000, `${gzipSync(CONSOLE_HTML).length} bytes gzipped`);
    assert.doesNotMatch(CONSOLE_HTML, /<(script|link|img|iframe)[^>]+(src|href)=/i);
    assert.doesNotMatch(CONSOLE_HTML, /\b(src|href)="https?:/i);
    assert.match(CONSOLE_HTML, /<script>[^]+<\/script>/);
  });

  test("served at / as HTML with a CSP that allows only this gateway; console: false leaves it out", async () => {
    const catalog = shopCatalog(JobID.random());
    const g = await createGateway({ proxies: "127.0.0.1:9", catalog });
    const res = await g.fetch(new Request("http://gateway/"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'.*connect-src 'self'/);
    assert.equal(await res.text(), CONSOLE_HTML);
    await g.close();
    const none = await createGateway({ proxies: "127.0.0.1:9", catalog, console: false });
    const r = await none.fetch(new Request("http://gateway/"));
    assert.equal(r.status, 404);
    await r.body?.cancel();
    await none.close();
  });
});
