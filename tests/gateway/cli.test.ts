// `qstate gateway` from the command line on the runtime running this test: it serves the catalog's states over
// HTTP (pages of keys bounded by --max-page-size), takes bearer tokens from the environment only, stops on SIGTERM with exit code 0, and a broken catalog is a
// mistake in the flags (exit 2).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { qstate, run, runtime } from "../helpers/cli.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

describe(`qstate gateway, on ${runtime}`, () => {
  let shop: ShopCluster, dir: string, file: string;
  before(async () => {
    shop = await startShopCluster();
    dir = mkdtempSync(join(tmpdir(), "qstate-gateway-"));
    file = join(dir, "catalog.json");
    writeFileSync(file, JSON.stringify(shop.catalog));
  });
  after(async () => {
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("serves a state by name over HTTP with a token from QSTATE_GATEWAY_TOKENS; SIGTERM stops it (exit 0)", async () => {
    const child = qstate(["gateway", "--proxy", shop.proxies, "--catalog", file, "--port", "0", "--max-page-size", "1", "--json"], {
      ...process.env,
      QSTATE_GATEWAY_TOKENS: "t1, t2",
    });
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    try {
      const until = Date.now() + 60_000;
      while (!out.includes("\n") && Date.now() < until) {
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const { url } = JSON.parse(out.split("\n")[0] || "{}");
      assert.ok(url, `no url printed: ${out}${err}`);
      const job = shop.windowJob.toString();
      const path = `${url}/v1/jobs/${job}/states/window-sums?key=ada&namespace=${encodeURIComponent('{"start":0,"end":60000}')}`;
      const denied = await fetch(path);
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const res = await fetch(path, { headers: { authorization: "Bearer t2" } });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).value, "5");
      // --max-page-size bounds a page of keys.
      const keys = `${url}/v1/jobs/${shop.shopJob}/states/clicks/keys`;
      const over = await fetch(`${keys}?pageSize=2`, { headers: { authorization: "Bearer t1" } });
      assert.equal(over.status, 400);
      assert.match((await over.json()).detail, /above the gateway's limit of 1/);
      const one = await fetch(`${keys}?pageSize=1`, { headers: { authorization: "Bearer t1" } });
      assert.equal(one.status, 200);
      assert.ok((await one.json()).keys.length <= 1);
    } finally {
      child.kill("SIGTERM");
    }
    const code = await exited;
    // Deno's child_process reports a child that was sent a signal as ended by it (code null), even when the child
    // handled it and exited with 0 (as a shell shows); Node and Bun report the exit code.
    if (runtime !== "deno") assert.equal(code, 0, err);
    assert.doesNotMatch(err, /error/i);
  });

  test("a broken catalog exits 2 with CATALOG; the flags are checked", async () => {
    writeFileSync(join(dir, "broken.json"), '{"catalogVersion": 1, "jobs": [{"name": "x"}]}');
    const r = await run(["gateway", "--proxy", shop.proxies, "--catalog", join(dir, "broken.json"), "--port", "0", "--json"]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.equal(JSON.parse(r.stdout).error.code, "CATALOG");
    assert.match(JSON.parse(r.stdout).error.message, /\$\.jobs\[0\]\.states: must be an array of states/);
    const port = await run(["gateway", "--proxy", shop.proxies, "--catalog", file, "--port", "70000"]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port must be a port number/);
  });
});
