// The state catalog: parsing and checking (every mistake a CatalogError naming its entry), lookups by job and state
// name, the JSON Schema agreeing with the parser, and queries through a catalog against a LocalCluster for every
// state kind and a window namespace.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import {
  CatalogError, catalogStateTypes, Decimal, NotInCatalogError, QueryableStateClient, queryCatalogState, StateCatalog,
  toJsonValue, valueFromJson, valueFromText,
} from "../../mod.ts";
import { BIG, shopCatalog, type ShopCluster, startShopCluster } from "../helpers/shop-cluster.ts";
import { JobID } from "../../mod.ts";

const schema = JSON.parse(readFileSync(new URL("../../schemas/catalog.schema.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
const validate = ajv.compile(schema);

const state = (extra: Record<string, unknown> = {}) => ({ name: "clicks", kind: "value", key: "string", value: "long", ...extra });
const doc = (states: unknown[], job: Record<string, unknown> = {}) => ({ catalogVersion: 1, jobs: [{ name: "j", ...job, states }] });

/** Parsing fails with CATALOG at `path`, with a message matching `message`; the JSON Schema refuses it too. */
function refused(input: unknown, path: string, message: RegExp, schemaToo = true) {
  assert.throws(() => StateCatalog.parse(input, "test.json"), (e: unknown) => {
    assert.ok(e instanceof CatalogError, String(e));
    assert.equal(e.code, "CATALOG");
    assert.equal(e.path, path);
    assert.match(e.message, /^State catalog test\.json, at /);
    assert.match(e.message, message);
    return true;
  });
  if (schemaToo) assert.equal(validate(typeof input === "string" ? JSON.parse(input) : input), false, `the schema accepts ${JSON.stringify(input)}`);
}

describe("state catalog: parsing", () => {
  test("the test cluster's catalog is valid for the parser and the JSON Schema", () => {
    const c = shopCatalog(JobID.fromHex("0102030405060708090a0b0c0d0e0f10"));
    assert.equal(validate(c), true, JSON.stringify(validate.errors));
    const catalog = StateCatalog.parse(JSON.stringify(c));
    assert.deepEqual(catalog.jobs.map((j) => j.name), ["shop", "orders", "twin", "windows"]);
    assert.equal(catalog.jobs[3].jobId, "0102030405060708090a0b0c0d0e0f10");
  });

  test("extensions (x-…) and every optional member are accepted", () => {
    const c = {
      $schema: "./catalog.schema.json",
      catalogVersion: 1,
      generatedBy: "qstate schema",
      "x-note": { any: "thing" },
      source: { kind: "checkpoint", path: "/ckpt/chk-7", flinkVersion: "1.20.1", backend: "rocksdb", createdAt: "2025-01-01T00:00:00Z" },
      avroSchemas: { user: { type: "record", name: "User", fields: [{ name: "id", type: "long" }] } },
      jobs: [{
        name: "j",
        jobId: "0102030405060708090A0B0C0D0E0F10",
        description: "d",
        source: { kind: "savepoint" },
        "x-owner": "team",
        states: [state({
          queryableName: "q",
          aliases: ["a", "b"],
          namespace: "timewindow",
          operator: "count",
          operatorId: "ABCDEF0123456789abcdef0123456789",
          maxParallelism: 128,
          description: "x",
          "x-extra": 1,
          value: "avro:user",
        })],
      }],
    };
    assert.equal(validate(c), true, JSON.stringify(validate.errors));
    const catalog = StateCatalog.parse(c);
    assert.equal(catalog.jobs[0].jobId, "0102030405060708090a0b0c0d0e0f10");
    assert.equal(catalog.jobs[0].states[0].operatorId, "abcdef0123456789abcdef0123456789");
    assert.deepEqual(catalog.avroNames(), ["user"]);
  });

  test("not JSON, not an object, a missing or newer version", () => {
    refused("{", "$", /not JSON/, false);
    assert.throws(() => StateCatalog.parse("{"), /^CatalogError|State catalog, at \$: not JSON/);
    refused([], "$", /must be an object/);
    refused({ jobs: [] }, "$.catalogVersion", /missing: a catalog starts with "catalogVersion": 1/);
    refused({ catalogVersion: "1", jobs: [] }, "$.catalogVersion", /must be the integer 1, got "1"/);
    refused({ catalogVersion: 2, jobs: [] }, "$.catalogVersion", /version 2 is newer than this library reads \(1\): upgrade/);
    refused({ catalogVersion: 1 }, "$.jobs", /must be an array of jobs/);
  });

  test("unknown members are refused, with a suggestion for a wrong case", () => {
    refused({ catalogVersion: 1, jobs: [], job: [] }, "$.job", /unknown member "job"; allowed: .*catalogVersion/);
    refused(doc([state({ Value: "long" })]), '$.jobs[0].states[0] ("clicks").Value', /unknown member "Value" \(did you mean "value"\?\)/);
    refused(doc([], { id: "x" }), "$.jobs[0].id", /unknown member "id"/);
  });

  test("jobs: names required and unique, ids of 32 hex digits and unique", () => {
    refused({ catalogVersion: 1, jobs: [{ states: [] }] }, "$.jobs[0].name", /missing: every job needs a "name"/);
    refused({ catalogVersion: 1, jobs: [{ name: "", states: [] }] }, "$.jobs[0].name", /non-empty string/);
    refused({ catalogVersion: 1, jobs: [{ name: "a", states: [] }, { name: "a", states: [] }] }, "$.jobs[1].name", /also the name of \$\.jobs\[0\]/, false);
    refused(doc([], { jobId: "xyz" }), "$.jobs[0].jobId", /32 hex digits, got "xyz"/);
    const id = "0102030405060708090a0b0c0d0e0f10";
    refused({ catalogVersion: 1, jobs: [{ name: "a", jobId: id, states: [] }, { name: "b", jobId: id.toUpperCase(), states: [] }] }, "$.jobs[1].jobId", /also the id of \$\.jobs\[0\]/, false);
    refused(doc(undefined as unknown as unknown[]), "$.jobs[0].states", /must be an array of states/);
  });

  test("states: kind, required types, userKey only for maps, type expressions that parse", () => {
    refused(doc([{ kind: "value", key: "string", value: "long" }]), "$.jobs[0].states[0].name", /every state needs a "name"/);
    refused(doc([state({ kind: "counter" })]), '$.jobs[0].states[0] ("clicks").kind', /one of value, list, map, reducing, aggregating, folding, got "counter"/);
    refused(doc([{ name: "x", kind: "value", value: "long" }]), '$.jobs[0].states[0] ("x").key', /missing: the key's type expression/);
    refused(doc([{ name: "x", kind: "value", key: "long" }]), '$.jobs[0].states[0] ("x").value', /missing: the value's type expression/);
    refused(doc([state({ kind: "map" })]), '$.jobs[0].states[0] ("clicks").userKey', /missing: the map's key's type expression/);
    refused(doc([state({ userKey: "string" })]), '$.jobs[0].states[0] ("clicks").userKey', /only map states have a "userKey"; this state is value/);
    refused(doc([state({ value: "lnog" })]), '$.jobs[0].states[0] ("clicks").value', /Unknown type "lnog" at position 0 .*\n {2}lnog\n {2}\^$/, false);
    refused(doc([state({ key: 7 })]), '$.jobs[0].states[0] ("clicks").key', /a type expression \(a string such as "long"\) or \{"serializer", "reason"\}, got 7/);
    refused(doc([state({ value: { serializer: "com.acme.S" } })]), '$.jobs[0].states[0] ("clicks").value', /\{"serializer": "<Java class>", "reason": "<why>"\}/);
    refused(doc([state({ maxParallelism: 0 })]), '$.jobs[0].states[0] ("clicks").maxParallelism', /integer in 1\.\.32768, got 0/);
    refused(doc([state({ aliases: ["ok", ""] })]), '$.jobs[0].states[0] ("clicks").aliases', /non-empty strings/);
    refused(doc([state({ operatorId: "12" })]), '$.jobs[0].states[0] ("clicks").operatorId', /32 hex digits/);
  });

  test("a job's state names (name, queryableName, aliases) are unique; another job may reuse them", () => {
    refused(doc([state(), state({ name: "other", aliases: ["clicks"] })]), "$.jobs[0].states[1]", /"clicks" is also used by \$\.jobs\[0\]\.states\[0\]/, false);
    refused(doc([state(), state({ name: "other", queryableName: "clicks" })]), "$.jobs[0].states[1]", /"clicks" is also used/, false);
    const two = StateCatalog.parse({ catalogVersion: 1, jobs: [{ name: "a", states: [state()] }, { name: "b", states: [state()] }] });
    assert.equal(two.jobs.length, 2);
  });
});

describe("state catalog: lookups", () => {
  const catalog = StateCatalog.parse(shopCatalog(JobID.fromHex("0102030405060708090a0b0c0d0e0f10")), "shop.json");

  test("by job name or id, and by state name, queryable name or alias", () => {
    assert.equal(catalog.find("shop", "clicks").state.kind, "reducing");
    assert.equal(catalog.find("shop", "click-count").state.name, "clicks");
    const profile = catalog.find("shop", "profile");
    assert.equal(profile.state.name, "profile-state");
    assert.equal(profile.queryableName, "profile");
    assert.equal(catalog.find("shop", "profile-state").queryableName, "profile");
    assert.equal(catalog.find("0102030405060708090A0B0C0D0E0F10", "window-sums").job.name, "windows");
    assert.equal(catalog.find("shop", "clicks").label, 'state "clicks" of job "shop" ($.jobs[0].states[3] of shop.json)');
    assert.equal(catalog.job("nope"), undefined);
    assert.equal(catalog.entries(catalog.jobs[0]).length, catalog.jobs[0].states.length);
  });

  test("a job the catalog does not list: the state is looked for in every job", () => {
    assert.equal(catalog.find(undefined, "order-total").job.name, "orders");
    assert.equal(catalog.find("ffffffffffffffffffffffffffffffff", "twin-count").job.name, "twin");
  });

  test("what is missing is NOT_IN_CATALOG, listing what the catalog has", () => {
    assert.throws(() => catalog.find("orders", "clicks"), (e: unknown) =>
      e instanceof NotInCatalogError && e.code === "NOT_IN_CATALOG" &&
      /has no state "clicks" in job "orders" \(it has "order-total"\)/.test(e.message));
    assert.throws(() => catalog.find("nope", "nope"), /has no job "nope" and lists no state "nope" in any job \(jobs: "shop", "orders", "twin", "windows"\)/);
    const twice = StateCatalog.parse({ catalogVersion: 1, jobs: [{ name: "a", states: [state()] }, { name: "b", states: [state()] }] });
    assert.throws(() => twice.find(undefined, "clicks"), /lists state "clicks" in several jobs \("a", "b"\).*give each job its "jobId"/);
  });
});

describe("state catalog: types", () => {
  const catalog = StateCatalog.parse(shopCatalog(JobID.random()));

  test("every kind gets its descriptor; reducing, aggregating and folding read as one value", () => {
    const kinds = Object.fromEntries(["last-page", "pages", "page-counts", "clicks", "avg-price", "trail", "window-sums"].map((n) => [n, catalogStateTypes(catalog.find(undefined, n)).descriptor.kind]));
    assert.deepEqual(kinds, { "last-page": "value", pages: "list", "page-counts": "map", clicks: "value", "avg-price": "value", trail: "value", "window-sums": "value" });
    assert.equal(catalogStateTypes(catalog.find("shop", "clicks")).namespaceType, undefined);
    assert.equal(catalogStateTypes(catalog.find("windows", "window-sums")).namespaceType?.name, "TimeWindow.Serializer");
    assert.equal(catalogStateTypes(catalog.find("shop", "profile")).descriptor.name, "profile");
  });

  test("an unmapped type fails with UNSUPPORTED_TYPE naming the entry, the class and the reason", () => {
    assert.throws(() => catalogStateTypes(catalog.find("shop", "money")), (e: unknown) =>
      (e as { code?: string }).code === "UNSUPPORTED_TYPE" &&
      /The value of state "money" of job "shop" \(\$\.jobs\[0\]\.states\[8\]\) has no type expression: its serializer com\.acme\.MoneySerializer could not be mapped \(a custom serializer\)/.test((e as Error).message));
  });

  test("Avro types need the catalog's schemas (options.avro): without them UNSUPPORTED_TYPE names the entry", () => {
    const c = StateCatalog.parse(doc([state({ value: "avro:user" })]));
    assert.throws(() => catalogStateTypes(c.find("j", "clicks")), /The value type of state "clicks" of job "j".*Avro types need/);
  });

  test("keys from text and from JSON", () => {
    const t = catalogStateTypes(StateCatalog.parse(doc([state({ key: "tuple<string,long>" })])).find("j", "clicks"));
    assert.deepEqual(valueFromText(t.keyType, '["ada","9007199254740993"]', "key", "tuple<string,long>"), ["ada", BIG]);
    assert.deepEqual(valueFromJson(t.keyType, ["ada", 3], "key", "tuple<string,long>"), ["ada", 3n]);
    assert.throws(() => valueFromText(t.keyType, "ada", "key", "tuple<string,long>"), /Cannot read the key "ada" as tuple<string,long>: .*Give values of composite types as JSON/);
    assert.throws(() => valueFromJson(t.keyType, ["ada"], "key", "tuple<string,long>"), /Cannot read the key \["ada"\] as tuple<string,long>/);
    const s = catalogStateTypes(StateCatalog.parse(doc([state()])).find("j", "clicks")).keyType;
    assert.equal(valueFromText(s, '"quoted"', "key", "string"), '"quoted"');
    assert.equal(valueFromText(s, "42", "key", "string"), "42");
    const l = catalogStateTypes(StateCatalog.parse(doc([state({ key: "long" })])).find("j", "clicks")).keyType;
    assert.equal(valueFromText(l, "-42", "key", "long"), -42n);
    assert.throws(() => valueFromText(l, "4x", "key", "long"), /Cannot read the key "4x" as long/);
  });
});

describe("state catalog: queries against a LocalCluster", () => {
  let shop: ShopCluster, client: QueryableStateClient, catalog: StateCatalog;
  before(async () => {
    shop = await startShopCluster();
    client = new QueryableStateClient(shop.proxies, { requestTimeoutMs: 5000 });
    catalog = StateCatalog.parse(shop.catalog);
  });
  after(async () => {
    await client?.close();
    await shop?.close();
  });
  const read = (state: string, key: unknown, job = shop.shopJob.toString(), options = {}) =>
    queryCatalogState(client, job, catalogStateTypes(catalog.find(undefined, state)), key, options);

  test("every state kind, read with nothing but the catalog", async () => {
    assert.equal(await read("last-page", "ada"), "/cart");
    assert.deepEqual(await read("pages", "ada"), ["/", "/cart", "/cart"]);
    assert.deepEqual(await read("page-counts", "ada"), new Map([["/", 1n], ["/cart", 2n]]));
    assert.equal(await read("clicks", "ada"), 3n);
    assert.equal(await read("click-count", "bob"), 1n);
    assert.deepEqual(await read("avg-price", "ada"), [60n, 3n]);
    assert.equal(await read("trail", "ada"), "/>/cart>/cart");
    const profile = await read("profile", "ada");
    assert.deepEqual(toJsonValue(profile), { id: "9007199254740993", score: "12.50", tags: ["vip", "early"] });
    assert.ok((profile as { score: unknown }).score instanceof Decimal);
    assert.equal(await read("order-total", 8n, shop.ordersJob.toString()), BIG);
  });

  test("a window namespace: given, or missing (an error naming the entry)", async () => {
    const job = shop.windowJob.toString();
    assert.equal(await read("window-sums", "ada", job, { namespace: { start: 60000n, end: 120000n } }), BIG);
    await assert.rejects(read("window-sums", "ada", job), /state "window-sums" of job "windows" .* is kept per namespace of type timewindow: give the namespace/);
  });

  test("a missing key is UNKNOWN_KEY_OR_NAMESPACE; types that do not decode name the entry", async () => {
    await assert.rejects(read("clicks", "eve"), { code: "UNKNOWN_KEY_OR_NAMESPACE" });
    await assert.rejects(read("last-price", "ada"), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "SERIALIZATION");
      assert.match((e as Error).message, /The catalog's state "last-price" of job "shop" \(\$\.jobs\[0\]\.states\[7\]\) says: value state, key string, value string: fix that entry/);
      return true;
    });
  });
});
