// `qstate get --catalog FILE` (and QSTATE_CATALOG): no type flags, the kind and types from the catalog; against a
// LocalCluster with a state of every kind, on the runtime running this test.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, test } from "node:test";
import { run, runtime } from "../helpers/cli.ts";
import { type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";

describe(`qstate get --catalog, on ${runtime}`, () => {
  let shop: ShopCluster, dir: string, file: string;
  before(async () => {
    shop = await startShopCluster();
    dir = mkdtempSync(join(tmpdir(), "qstate-catalog-"));
    file = join(dir, "catalog.json");
    writeFileSync(file, JSON.stringify(shop.catalog));
    writeFileSync(join(dir, "broken.json"), '{"catalogVersion": 1, "jobs": [{"name": "j", "states": [{"name": "s", "kind": "value", "key": "lnog", "value": "long"}]}]}');
  });
  after(async () => {
    await shop?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = (args: string[], env: Record<string, string> = {}) =>
    run(["get", "--proxy", shop.proxies, "--json", ...args], { ...process.env, ...env });
  const value = (r: { code: number | null; stdout: string; stderr: string }) => {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return JSON.parse(r.stdout).value;
  };

  test("a map state and a reducing state by job id, with no type flags", async () => {
    const job = shop.shopJob.toString();
    assert.deepEqual(value(await get(["--catalog", file, "--job", job, "--state", "page-counts", "--key", "ada"])), { "/": "1", "/cart": "2" });
    assert.equal(value(await get(["--catalog", file, "--job", job, "--state", "clicks", "--key", "ada"])), "3");
  });

  test("QSTATE_CATALOG; a POJO value under its queryable name; a long key", async () => {
    const env = { QSTATE_CATALOG: file };
    assert.deepEqual(value(await get(["--job", shop.shopJob.toString(), "--state", "profile", "--key", "ada"], env)), {
      id: "9007199254740993", score: "12.50", tags: ["vip", "early"],
    });
    assert.equal(value(await get(["--job", shop.ordersJob.toString(), "--state", "order-total", "--key", "8"], env)), "9007199254740993");
  });

  test("a catalog job's name when the catalog has its id; a window namespace as JSON", async () => {
    const r = await get(["--catalog", file, "--job", "windows", "--state", "window-sums", "--key", "ada", "--namespace", '{"start":0,"end":60000}']);
    assert.equal(value(r), "5");
    const none = await get(["--catalog", file, "--job", "windows", "--state", "window-sums", "--key", "ada"]);
    assert.equal(none.code, 2, none.stdout);
    assert.match(JSON.parse(none.stdout).error.message, /kept per namespace of type timewindow: give --namespace/);
  });

  test("mistakes exit 2 with their codes: type flags beside --catalog, a state not in it, a broken catalog, a name without id", async () => {
    const job = shop.shopJob.toString();
    const both = await get(["--catalog", file, "--job", job, "--state", "clicks", "--key", "ada", "--value-type", "long"]);
    assert.equal(both.code, 2);
    assert.match(JSON.parse(both.stdout).error.message, /--catalog gives the state's kind and types: leave out --value-type/);
    const missing = await get(["--catalog", file, "--job", job, "--state", "nope", "--key", "ada"]);
    assert.equal(missing.code, 2);
    assert.equal(JSON.parse(missing.stdout).error.code, "NOT_IN_CATALOG");
    const broken = await get(["--catalog", join(dir, "broken.json"), "--job", job, "--state", "s", "--key", "ada"]);
    assert.equal(broken.code, 2);
    assert.deepEqual(Object.keys(JSON.parse(broken.stdout).error), ["code", "message"]);
    assert.equal(JSON.parse(broken.stdout).error.code, "CATALOG");
    assert.match(JSON.parse(broken.stdout).error.message, /broken\.json, at \$\.jobs\[0\]\.states\[0\] \("s"\)\.key: Unknown type "lnog"/);
    const absent = await get(["--catalog", join(dir, "absent.json"), "--job", job, "--state", "s", "--key", "ada"]);
    assert.equal(absent.code, 2);
    assert.match(JSON.parse(absent.stdout).error.message, /absent\.json, at \$: cannot read the file/);
    const byName = await get(["--catalog", file, "--job", "shop", "--state", "clicks", "--key", "ada"]);
    assert.equal(byName.code, 2);
    assert.match(JSON.parse(byName.stdout).error.message, /job "shop" of the catalog has no "jobId": give --job as the running job's id/);
  });

  test("without --catalog the type flags are required, as before", async () => {
    const r = await get(["--job", shop.shopJob.toString(), "--state", "clicks", "--key", "ada", "--value-type", "long"]);
    assert.equal(r.code, 2);
    assert.match(JSON.parse(r.stdout).error.message, /--key-type is required \(or give --catalog FILE, or set QSTATE_CATALOG\)/);
  });

  test("an answer the catalog's types do not decode names the entry (exit 1)", async () => {
    const r = await get(["--catalog", file, "--job", shop.shopJob.toString(), "--state", "last-price", "--key", "ada"]);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).error.code, "SERIALIZATION");
    assert.match(JSON.parse(r.stdout).error.message, /The catalog's state "last-price" of job "shop"/);
  });
});
