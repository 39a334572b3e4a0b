// `qstate scan` (issue 23): one key's MapState through our proxy, a page at a time with a cursor or --all, by prefix
// or range; a missing key and mistakes exit with their codes. Against a LocalCluster, on the runtime running this test.
import assert from "node:assert/strict";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { run, runtime } from "../helpers/cli.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

describe(`qstate scan, on ${runtime}`, () => {
  let shop: ShopCluster;
  before(async () => {
    shop = await startShopCluster();
  });
  after(async () => {
    await shop?.close();
  });
  const scan = (args: string[]) =>
    run(["scan", "--proxy", shop.proxies, "--job", shop.shopJob.toString(), "--state", "page-counts", "--key-type", "string", "--value-type", "long", ...args], process.env);

  test("--all as text and JSON, a page and its cursor, a prefix and a range", async () => {
    const text = await scan(["--key", "ada", "--all"]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, "/\t1\n/cart\t2\n");
    const first = JSON.parse((await scan(["--key", "ada", "--page-size", "1", "--json"])).stdout);
    assert.deepEqual(first.entries, [["/", "1"]]);
    const second = JSON.parse((await scan(["--key", "ada", "--page-size", "1", "--cursor", first.cursor, "--json"])).stdout);
    assert.deepEqual(second, { entries: [["/cart", "2"]], cursor: null });
    assert.deepEqual(JSON.parse((await scan(["--key", "ada", "--prefix", "/c", "--all", "--json"])).stdout).entries, [["/cart", "2"]]);
    assert.deepEqual(JSON.parse((await scan(["--key", "ada", "--from", "/a", "--to", "/d", "--json"])).stdout).entries, [["/cart", "2"]]);
  });

  test("a key without a map exits 1 with its code; mistakes exit 2", async () => {
    const missing = await scan(["--key", "eve", "--json"]);
    assert.equal(missing.code, 1);
    assert.equal(JSON.parse(missing.stdout).error.code, "UNKNOWN_KEY_OR_NAMESPACE");
    for (const args of [["--key", "ada", "--namespace", "x"], ["--key", "ada", "--page-size", "0"], ["--key", "ada", "--map-key-type", "lnog"]]) {
      const r = await scan([...args, "--json"]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}`);
    }
  });
});
