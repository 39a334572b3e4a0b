// readStateSchemas over synthetic snapshots laid out as Flink writes them (tests/helpers/snapshot-bytes.ts): every
// state kind, names and queryable names, serializers this library cannot read (reported, and the states after them
// still read), Kryo registrations, Avro schemas, TTL, and what is never read.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type CatalogState, InvalidArgumentError, operatorIdOfUid, readStateSchemas, StateCatalog } from "../../mod.ts";
import {
  avro, composite, type JavaOut, kryo, list, map, memoryFiles, metadata, nullable, pojo, proxy, simple, snapshot, timeWindow, ttl, tuple,
} from "../helpers/snapshot-bytes.ts";

const OP = "a648f8f5ca69bd7b32c7d91539eac5e8";
const OP2 = "458f68889507318d588276c31d907a1f";

async function schemas(states: Parameters<typeof proxy>[1], opts: Parameters<typeof readStateSchemas>[1] = {}, key = simple("String"), version = 6) {
  const { files } = memoryFiles({ _metadata: metadata([{ id: OP, name: "per-user", subtasks: [{ kind: "inline", bytes: proxy(key, states) }] }], { version }) });
  return await readStateSchemas(files, opts);
}
const byName = (states: readonly CatalogState[]) => Object.fromEntries(states.map((s) => [s.name, s]));

describe("readStateSchemas (synthetic snapshots)", () => {
  test("every kind: value, list, map, reducing, aggregating; window namespaces; the operator and its key groups", async () => {
    const r = await schemas([
      { name: "last", kind: "VALUE", value: simple("Long") },
      { name: "values", kind: "LIST", value: list(simple("Long")) },
      { name: "categories", kind: "MAP", value: map(simple("String"), simple("Long")) },
      { name: "sum", kind: "REDUCING", value: simple("Long"), namespace: timeWindow },
      { name: "max", kind: "AGGREGATING", value: tuple(simple("Long"), simple("Int")) },
      { name: "_timer_state/event_user-timers", value: simple("Long") },
    ]);
    const s = byName(r.catalog.jobs[0].states);
    assert.deepEqual(Object.keys(s), ["categories", "last", "max", "sum", "values"]);
    assert.deepEqual(s.categories, { name: "categories", kind: "map", key: "string", value: "long", userKey: "string", operator: "per-user", operatorId: OP, maxParallelism: 128 });
    assert.equal(s.values.value, "long");
    assert.equal(s.sum.namespace, "timewindow");
    assert.equal(s.max.value, "tuple<long,int>");
    assert.equal(s.last.namespace, undefined);
    assert.match(r.notes.join("\n"), /Timer states .* left out/);
    assert.equal(r.snapshot.kind, "checkpoint");
    assert.equal(r.catalog.jobs[0].source?.flinkVersion, "2.x");
    assert.doesNotThrow(() => StateCatalog.parse(r.catalog));
  });

  test("queryable names: by descriptor name, by operator/state when several operators share one; ambiguity is refused", async () => {
    const both = (p: Parameters<typeof proxy>[1]) =>
      memoryFiles({
        _metadata: metadata([
          { id: OP, name: "per-user", subtasks: [{ kind: "inline", bytes: proxy(simple("String"), p) }] },
          { id: OP2, name: "per-id", subtasks: [{ kind: "inline", bytes: proxy(simple("Long"), p) }] },
        ]),
      }).files;
    const states = [{ name: "count", kind: "VALUE", value: simple("Long") }, { name: "last", kind: "VALUE", value: simple("Long") }];
    const r = await readStateSchemas(both(states), { queryableNames: { "per-id/count": "id-count", [`${OP}/count`]: "user-count" } });
    const s = byName(r.catalog.jobs[0].states);
    assert.equal(s["per-id/count"].queryableName, "id-count");
    assert.equal(s["per-user/count"].queryableName, "user-count");
    assert.match(s["per-id/count"].description ?? "", /2 operators have a state named "count"/);
    // "last" is in both too: qualified; unqualified names of such states are refused.
    await assert.rejects(readStateSchemas(both(states), { queryableNames: { last: "x" } }), (e: unknown) =>
      e instanceof InvalidArgumentError && /"last" names states of several operators: qualify it as "per-id\/last"/.test(e.message));
    const one = await schemas([{ name: "last", kind: "VALUE", value: simple("Long") }], { queryableNames: { last: "value", nope: "x" } });
    assert.equal(one.catalog.jobs[0].states[0].queryableName, "value");
    assert.match(one.notes.join("\n"), /no state "nope"/);
  });

  test("a serializer this library cannot read is unmapped, and the states after it are still read", async () => {
    const money = snapshot("com.acme.MoneySerializer$MoneySnapshot", 1, (o: JavaOut) => void o.int(7).utf("EUR").long(12n));
    const r = await schemas([
      { name: "a", kind: "VALUE", value: simple("Long") },
      { name: "money", kind: "VALUE", value: money },
      { name: "_timer_state/x", value: simple("Long") },
      { name: "z", kind: "LIST", value: list(simple("String")) },
    ]);
    const s = byName(r.catalog.jobs[0].states);
    assert.equal(s.a.value, "long");
    assert.deepEqual(s.money.value, {
      serializer: "com.acme.MoneySerializer$MoneySnapshot",
      reason: "a serializer this library does not know (its payload (version 1) is the serializer's own format, unknown to this library (it starts 0000000700034555))",
    });
    assert.equal(s.z.value, "string");
    // An unknown key serializer: every state's key is unmapped, the states are read.
    const k = await schemas([{ name: "a", kind: "VALUE", value: simple("Long") }, { name: "b", kind: "VALUE", value: simple("Int") }], {}, money);
    assert.deepEqual(k.catalog.jobs[0].states.map((x) => [x.name, typeof x.key, x.value]), [["a", "object", "long"], ["b", "object", "int"]]);
  });

  test("a composite snapshot of an unknown class is read past; a POJO field's unknown snapshot stays in its frame", async () => {
    const r = await schemas([
      { name: "a", kind: "VALUE", value: composite("com.acme.PairSerializer$Snapshot", [simple("Long"), simple("String")], (o) => void o.utf("outer data"), 4) },
      { name: "b", kind: "VALUE", value: pojo("com.acme.P", [["money", snapshot("com.acme.Money$Snapshot", 1, (o) => void o.int(1))], ["n", simple("Long")]]) },
      { name: "c", kind: "VALUE", value: simple("Double") },
    ]);
    const s = byName(r.catalog.jobs[0].states);
    assert.deepEqual(s.a.value, { serializer: "com.acme.PairSerializer$Snapshot", reason: "a composite serializer this library does not know" });
    assert.equal((s.b.value as { serializer: string }).serializer, "com.acme.Money$Snapshot");
    assert.equal(s.c.value, "double");
  });

  test("POJOs with subclasses (registered: tags), nullable collections, padded nullables, TTL", async () => {
    const shape = pojo("com.acme.Shape", [["name", simple("String")]], [
      ["com.acme.Square", pojo("com.acme.Square", [["name", simple("String")], ["side", simple("Double")]])],
    ], [
      ["com.acme.Circle", pojo("com.acme.Circle", [["name", simple("String")], ["radius", simple("Double")]])],
      ["com.acme.Blob", kryo("com.acme.Blob")],
    ]);
    const r = await schemas([
      { name: "shape", kind: "VALUE", value: shape },
      { name: "tags", kind: "VALUE", value: nullable(list(nullable(simple("String")))) },
      { name: "counts", kind: "VALUE", value: nullable(map(nullable(simple("String")), simple("Long"))) },
      { name: "padded", kind: "VALUE", value: nullable(simple("Long"), 8) },
      { name: "badly-padded", kind: "VALUE", value: nullable(simple("Long"), 4) },
      { name: "ttl", kind: "VALUE", value: ttl(simple("Long")) },
    ]);
    const s = byName(r.catalog.jobs[0].states);
    assert.equal(s.shape.value, "pojo<com.acme.Shape>{name:string} | com.acme.Square#0{name:string,side:double} | com.acme.Circle{name:string,radius:double} | kryo<com.acme.Blob>");
    assert.equal(s.tags.value, "nullablelist<string>");
    assert.equal(s.counts.value, "nullablemap<string,long>");
    assert.equal(s.padded.value, "nullable<long,padded>");
    assert.match((s["badly-padded"].value as { reason: string }).reason, /null padding of 4 byte\(s\) for long, whose values take 8/);
    assert.match((s.ttl.value as { reason: string }).reason, /time-to-live/);
  });

  test("Kryo: kryo1 on Flink 1.x, kryo on 2.x, registered classes in order; custom Kryo serializers are unmapped", async () => {
    const states = [
      { name: "uuid", kind: "VALUE", value: kryo("java.util.UUID") },
      { name: "event", kind: "VALUE", value: kryo("com.acme.Event", [{ name: "com.acme.Tag" }, { name: "com.acme.Other" }]) },
      { name: "custom", kind: "VALUE", value: kryo("com.acme.Money", [{ name: "com.acme.Money", definition: 1, serializer: "com.acme.MoneyKryo" }]) },
      { name: "defaults", kind: "VALUE", value: kryo("java.lang.Object", [], ["org.joda.time.DateTime"]) },
    ];
    const v2 = byName((await schemas(states)).catalog.jobs[0].states);
    assert.equal(v2.uuid.value, "kryo<java.util.UUID>");
    assert.equal(v2.event.value, "kryo<com.acme.Event,registered com.acme.Tag,registered com.acme.Other>");
    assert.match((v2.defaults.value as { reason: string }).reason, /default Kryo serializers \(for org\.joda\.time\.DateTime\)/);
    const r1 = await schemas(states, {}, simple("String"), 4);
    const v1 = byName(r1.catalog.jobs[0].states);
    assert.equal(v1.uuid.value, "kryo1<java.util.UUID>");
    assert.equal(r1.catalog.jobs[0].source?.flinkVersion, "1.x");
    assert.match(r1.notes.join("\n"), /com\.acme\.Event is written by Kryo's FieldSerializer: .*kryo1<com\.acme\.Event>\{field:JavaType/);
    // The declared class registered with a serializer of the job's: its bytes are that serializer's.
    assert.match((v1.custom.value as { reason: string }).reason, /registers a Kryo serializer for com\.acme\.Money \(com\.acme\.MoneyKryo\)/);
  });

  test("Avro: the schema goes into avroSchemas by its full name; another schema of that name gets another name", async () => {
    const user = { type: "record", name: "User", namespace: "com.acme", fields: [{ name: "id", type: "long" }] };
    const user2 = { ...user, fields: [{ name: "id", type: "string" }] };
    const r = await schemas([
      { name: "a", kind: "VALUE", value: avro(user) },
      { name: "b", kind: "LIST", value: list(avro(user)) },
      { name: "c", kind: "MAP", value: map(simple("String"), avro(user2)) },
    ]);
    const s = byName(r.catalog.jobs[0].states);
    assert.deepEqual([s.a.value, s.b.value, s.c.value], ["avro:com.acme.User", "avro:com.acme.User", "avro:com.acme.User-2"]);
    assert.deepEqual(r.catalog.avroSchemas, { "com.acme.User": user, "com.acme.User-2": user2 });
  });

  test("operators named by uid on Flink 1.x (ids only); the metadata's files are asked for by paths inside the directory", async () => {
    const id = operatorIdOfUid("per-user");
    const { files, asked } = memoryFiles({
      _metadata: metadata([{ id, subtasks: [{ kind: "relative", path: "0d8a" }, null, { kind: "file", path: "file:/tmp/ck/379d0a1b2c3d4e5f60718293a4b5c6d7/chk-7/1f2e" }] }], { version: 4 }),
      "0d8a": proxy(simple("String"), [{ name: "last", kind: "VALUE", value: simple("Long") }]),
      "1f2e": proxy(simple("String"), [{ name: "other", kind: "LIST", value: list(simple("Long")) }]),
    });
    const r = await readStateSchemas(files, { uids: ["per-user"] });
    const s = byName(r.catalog.jobs[0].states);
    assert.equal(s.last.operator, "per-user");
    assert.equal(s.other.operatorId, id);
    assert.deepEqual(asked.sort(), ["0d8a", "1f2e", "_metadata"]);
    assert.equal(r.catalog.jobs[0].jobId, "379d0a1b2c3d4e5f60718293a4b5c6d7");
  });

  test("a job's checkpoint directory: the newest chk-N with _metadata is read", async () => {
    const m = metadata([{ id: OP, name: "per-user", subtasks: [{ kind: "relative", path: "meta" }] }], { checkpointId: 12n });
    const p = proxy(simple("String"), [{ name: "last", kind: "VALUE", value: simple("Long") }]);
    const { files } = memoryFiles({ "chk-9/_metadata": m, "chk-9/meta": p, "chk-12/_metadata": m, "chk-12/meta": p, "chk-13/x": p, shared: p }, "/ck/379d0a");
    const r = await readStateSchemas(files);
    assert.equal(r.snapshot.directory, "chk-12");
    assert.match(r.notes[0], /Read chk-12, the newest complete checkpoint/);
  });
});
