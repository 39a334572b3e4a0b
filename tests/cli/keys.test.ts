// `qstate keys` (issue 23): a state's keys through our proxy, a page at a time with a cursor or --all, with type
// flags or a catalog; a Flink-like proxy fails with UNSUPPORTED_BY_PEER. Against a LocalCluster, on this runtime.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { run, runtime } from "../helpers/cli.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";
import { startDeployment } from "../helpers/batch-setup.ts";

describe(`qstate keys, on ${runtime}`, () => {
  let shop: ShopCluster, dir: string, catalog: string;
  before(async () => {
    shop = await startShopCluster();
    dir = mkdtempSync(join(tmpdir(), "qstate-keys-cmd-"));
    catalog = join(dir, "catalog.json");
    writeFileSync(catalog, JSON.stringify(shop.catalog));
  });
  after(async () => {
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const keys = (args: string[]) => run(["keys", "--proxy", shop.proxies, "--job", shop.shopJob.toString(), "--state", "clicks", ...args], process.env);

  test("--all, text and JSON; pages with a cursor; --catalog", async () => {
    const text = await keys(["--key-type", "string", "--all"]);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(text.stdout.trim().split("\n").sort(), ["ada", "bob"]);
    const json = await keys(["--key-type", "string", "--all", "--json"]);
    assert.deepEqual(JSON.parse(json.stdout).keys.sort(), ["ada", "bob"]);
    const first = await keys(["--key-type", "string", "--page-size", "1", "--json"]);
    const p1 = JSON.parse(first.stdout);
    assert.equal(p1.keys.length, 1);
    assert.equal(typeof p1.cursor, "string");
    const second = await keys(["--key-type", "string", "--page-size", "1", "--cursor", p1.cursor, "--json"]);
    const p2 = JSON.parse(second.stdout);
    assert.deepEqual([...p1.keys, ...p2.keys].sort(), ["ada", "bob"]);
    const plainText = await keys(["--key-type", "string", "--page-size", "1"]);
    assert.match(plainText.stderr, /^next page: --cursor \S+/);
    const viaCatalog = await keys(["--catalog", catalog, "--all", "--json"]);
    assert.equal(viaCatalog.code, 0, viaCatalog.stdout + viaCatalog.stderr);
    assert.deepEqual(JSON.parse(viaCatalog.stdout).keys.sort(), ["ada", "bob"]);
  });

  test("mistakes exit 2; a bad cursor and a Flink-like proxy exit 1 with their codes", async () => {
    for (const args of [[], ["--key-type", "string", "--key-groups", "5-1"], ["--catalog", catalog, "--key-type", "string"]]) {
      const r = await keys([...args, "--json"]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
    }
    const cursor = await keys(["--key-type", "string", "--cursor", "AAAA", "--json"]);
    assert.equal(cursor.code, 1);
    assert.equal(JSON.parse(cursor.stdout).error.code, "INVALID_CURSOR");
    const d = await startDeployment(3, { extensions: false });
    try {
      const r = await run(["keys", "--proxy", `${d.proxyAddress.hostname}:${d.proxyAddress.port}`, "--job", d.jobId.toString(), "--state", "counts", "--key-type", "string", "--json"], process.env);
      assert.equal(r.code, 1);
      assert.equal(JSON.parse(r.stdout).error.code, "UNSUPPORTED_BY_PEER");
    } finally {
      await d.close();
    }
  });
});
