// `qstate get --keys K1,K2,…` and `--keys-file` (issue 23): many keys in one getKvStates call, a line per key in
// order (or one JSON object), exit code 1 when a key has no value; with type flags and with --catalog; mistakes
// exit 2. Against a LocalCluster, on the runtime running this test.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { run, runtime } from "../helpers/cli.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

/** Results without their freshness (checked on its own). */
const plain = (results: { freshness?: unknown }[]) => results.map(({ freshness: _f, ...rest }) => rest);

describe(`qstate get --keys, on ${runtime}`, () => {
  let shop: ShopCluster, dir: string, catalog: string;
  before(async () => {
    shop = await startShopCluster();
    dir = mkdtempSync(join(tmpdir(), "qstate-keys-"));
    catalog = join(dir, "catalog.json");
    writeFileSync(catalog, JSON.stringify(shop.catalog));
    writeFileSync(join(dir, "keys.txt"), "ada\n\nbob\neve\n");
  });
  after(async () => {
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (args: string[]) => run(["get", "--proxy", shop.proxies, "--job", shop.shopJob.toString(), ...args], process.env);
  const typed = ["--state", "clicks", "--key-type", "string", "--value-type", "long"];

  test("text: a line per key in order; exit 1 because eve has no value", async () => {
    const r = await get([...typed, "--keys", "bob,eve,ada"]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(lines.slice(0, 1), ["bob\t1"]);
    assert.match(lines[1], /^eve\terror UNKNOWN_KEY_OR_NAMESPACE: /);
    assert.equal(lines[2], "ada\t3");
  });

  test("JSON, a map state, every key found: exit 0", async () => {
    const r = await get(["--state", "page-counts", "--key-type", "string", "--kind", "map", "--value-type", "long", "--keys", "ada,bob", "--json"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(plain(JSON.parse(r.stdout).results), [{ key: "ada", value: { "/": "1", "/cart": "2" } }, { key: "bob", value: { "/docs": "1" } }]);
  });

  test("--keys-file and --keys as a JSON array; --catalog", async () => {
    const fromFile = await get(["--catalog", catalog, "--state", "clicks", "--keys-file", join(dir, "keys.txt"), "--json"]);
    assert.equal(fromFile.code, 1);
    const results = JSON.parse(fromFile.stdout).results;
    assert.deepEqual(results.map((x: { key: string }) => x.key), ["ada", "bob", "eve"]);
    assert.deepEqual(plain(results.slice(0, 2)), [{ key: "ada", value: "3" }, { key: "bob", value: "1" }]);
    assert.equal(results[2].error.code, "UNKNOWN_KEY_OR_NAMESPACE");
    const array = await get([...typed, "--keys", '["ada","bob"]', "--json"]);
    assert.equal(array.code, 0);
    assert.deepEqual(plain(JSON.parse(array.stdout).results), [{ key: "ada", value: "3" }, { key: "bob", value: "1" }]);
  });

  test("freshness: --json prints each key's; --min-version and --max-staleness fail keys typed (exit 1)", async () => {
    const r = await get([...typed, "--keys", "ada,eve", "--json"]);
    const [ada, eve] = JSON.parse(r.stdout).results;
    assert.match(ada.freshness.version, /^\d+$/);
    assert.ok(BigInt(ada.freshness.version) > 0n && ada.freshness.lastUpdateMs > 0 && ada.freshness.stalenessMs === 0, r.stdout);
    assert.match(ada.freshness.node, /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof eve.freshness.keyGroup, "number");
    const seen = await get([...typed, "--key", "ada", "--min-version", ada.freshness.version, "--max-staleness", "60000", "--json"]);
    assert.equal(seen.code, 0, seen.stdout + seen.stderr);
    assert.equal(JSON.parse(seen.stdout).results[0].value, "3");
    const ahead = await get([...typed, "--key", "ada", "--min-version", String(BigInt(ada.freshness.version) + (1n << 40n)), "--wait", "30", "--json"]);
    assert.equal(ahead.code, 1);
    assert.equal(JSON.parse(ahead.stdout).results[0].error.code, "FRESHNESS_BOUND_NOT_MET");
  });

  test("mistakes exit 2: two key sources, none, --key-hash with --keys, a key that does not parse, a missing file", async () => {
    for (const args of [
      [...typed, "--key", "ada", "--keys", "bob"],
      typed,
      [...typed, "--keys", "ada", "--key-hash", "1"],
      ["--state", "clicks", "--key-type", "long", "--value-type", "long", "--keys", "1,x"],
      [...typed, "--keys-file", join(dir, "nope.txt")],
      [...typed, "--keys", "[1,"],
      [...typed, "--keys", "ada", "--wait", "10"],
      [...typed, "--keys", "ada", "--min-version", "v1"],
    ]) {
      const r = await get([...args, "--json"]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).error.code === undefined, false);
    }
  });
});
