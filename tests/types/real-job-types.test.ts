// The type families of real jobs (issue 19): Flink 2's Set and nullable collections, GlobalWindow, POJO
// subclasses; and errors that name the failing field, its byte and what Flink most likely wrote there.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  decodeLocation, deserializeList, deserializeMap, deserializeValue, doubleSerializer, fromHex, fromJsonValue, GlobalWindow,
  globalWindowSerializer, intSerializer, longSerializer, nullableSerializer, parseTypeExpression, pojoSerializer,
  PojoSubclassError, QueryableStateError, serializeKeyAndNamespace, serializeList, serializeMap, serializeValue,
  setSerializer, stringSerializer, toHex, toJsonValue, tupleSerializer,
} from "../../mod.ts";
import { hex, read } from "../helpers/bytes.ts";

const utf = (s: string) => toHex(new TextEncoder().encode(s));
const javaUtf = (s: string) => new TextEncoder().encode(s).length.toString(16).padStart(4, "0") + utf(s);

function thrown(fn: () => unknown): QueryableStateError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof QueryableStateError, String(e));
    return e;
  }
  assert.fail("expected a throw");
}

describe("set<T> (Flink 2.x SetSerializer)", () => {
  test("an int32 size, then per element a null flag and the element", () => {
    const s = parseTypeExpression("set<string>");
    assert.equal(hex(s, new Set(["a", null, "bc"])), "00000003" + "000261" + "01" + "00036263");
    assert.deepEqual([...read(s, "00000003" + "000261" + "01" + "00036263")], ["a", null, "bc"]);
    assert.equal(hex(s, new Set()), "00000000");
    assert.equal(hex(s, ["x"] as unknown as Set<string>), "00000001" + "000278", "an array is written as a set");
    assert.equal(s.hashCode, undefined, "a Set is no key: its bytes follow the Java set's iteration order");
    assert.equal(s.name, "SetSerializer<StringSerializer>");
  });

  test("JSON: an array in the order of the bytes; fromJsonValue reads it back", () => {
    const s = setSerializer(tupleSerializer(intSerializer, longSerializer));
    const v = read(s, hex(s, new Set([[1, 2n], [3, 4n]])));
    assert.deepEqual(toJsonValue(v), [[1, "2"], [3, "4"]]);
    assert.deepEqual(fromJsonValue(s, [[1, "2"], [3, "4"]]), new Set([[1, 2n], [3, 4n]]));
    assert.throws(() => fromJsonValue(s, { a: 1 }), { code: "INVALID_ARGUMENT" });
  });

  test("an absurd size is a truncation naming the set, with a hint", () => {
    const e = thrown(() => deserializeValue(fromHex("7fffffff00"), parseTypeExpression("set<long>")));
    assert.equal(e.code, "TRUNCATED_INPUT");
    assert.match(e.message, /reading a set needs 2147483647 byte\(s\)/);
    assert.match(e.message, /another serializer wrote these bytes/);
  });
});

describe("Flink 2.x's nullable collections (NullableListTypeInfo, NullableMapTypeInfo, NullableSetTypeInfo)", () => {
  test("nullablelist<T> is nullable<list<nullable<T>>>", () => {
    const a = parseTypeExpression("nullablelist<string>");
    const b = parseTypeExpression("nullable<list<nullable<string>>>");
    for (const v of [["a", null], [], null]) assert.equal(hex(a, v), hex(b, v));
    assert.equal(hex(a, ["a", null]), "00" + "00000002" + "00" + "0261" + "01");
    assert.equal(hex(a, null), "01");
    assert.deepEqual(read(a, "00" + "00000002" + "00" + "0261" + "01"), ["a", null]);
  });

  test("nullablemap<K,V> wraps the keys (a null key is allowed) and the map; nullableset<T> only the set", () => {
    const m = parseTypeExpression("nullablemap<string,long>");
    const v = new Map<string | null, bigint | null>([[null, 1n], ["k", null]]);
    assert.equal(hex(m, v), "00" + "00000002" + "01" + "00" + "0000000000000001" + "00" + "026b" + "01");
    assert.deepEqual(read(m, hex(m, v)), v);
    assert.deepEqual(toJsonValue(read(m, hex(m, v))), [[null, "1"], ["k", null]]);
    const s = parseTypeExpression("nullableset<long>");
    assert.equal(hex(s, new Set([5n, null])), "00" + "00000002" + "00" + "0000000000000005" + "01");
    assert.equal(hex(s, null), "01");
  });

  test("wrapping a nullable serializer again returns it (Flink's NullableSerializer.wrap): one null flag, never two", () => {
    const once = nullableSerializer(longSerializer);
    assert.equal(nullableSerializer(once), once);
    assert.equal(nullableSerializer(once, true), once);
    assert.equal(hex(parseTypeExpression("nullable<nullable<long>>"), null), "01");
    assert.equal(hex(parseTypeExpression("nullablelist<nullablelist<int>>"), [[1], null]),
      "00" + "00000002" + "00" + "00000001" + "00" + "00000001" + "01");
  });
});

describe("globalwindow (GlobalWindow.Serializer)", () => {
  test("one zero byte; reading skips one byte; Java's hashCode is 0; JSON \"GlobalWindow\"", () => {
    assert.equal(hex(globalWindowSerializer, GlobalWindow), "00");
    assert.equal(read(globalWindowSerializer, "07"), GlobalWindow);
    assert.equal(globalWindowSerializer.length, 1);
    assert.equal(globalWindowSerializer.hashCode!(GlobalWindow), 0);
    assert.equal(parseTypeExpression("globalwindow"), globalWindowSerializer);
    assert.equal(JSON.stringify(toJsonValue(GlobalWindow)), '"GlobalWindow"');
    for (const j of ["GlobalWindow", null, {}]) assert.equal(fromJsonValue(globalWindowSerializer, j), GlobalWindow);
    assert.throws(() => fromJsonValue(globalWindowSerializer, "TimeWindow"), { code: "INVALID_ARGUMENT" });
    // A count window's per-window state of key "ada": key ‖ 42 ‖ namespace.
    assert.equal(toHex(serializeKeyAndNamespace("ada", stringSerializer, GlobalWindow, globalWindowSerializer)), "04616461" + "2a" + "00");
  });
});

describe("POJO subclasses (PojoSerializer's subclass flags)", () => {
  const SHAPE = "pojo<com.acme.Shape>{name:string} | com.acme.Circle{radius:double} | com.acme.Square#0{side:double}";
  const base = "02" + "00" + "0273"; // flags NO_SUBCLASS, name "s"
  // A Circle: flags IS_SUBCLASS, its class name (writeUTF), then the Circle's own PojoSerializer over all its
  // fields, the base class's included, sorted by name: name, radius.
  const circle = "04" + javaUtf("com.acme.Circle") + "02" + "00" + "0263" + "00" + "3ff8000000000000";
  // A Square registered as the first POJO subclass of Shape: flags IS_TAGGED_SUBCLASS, tag 0, its serializer.
  const square = "08" + "00" + "02" + "00" + "0271" + "00" + "4000000000000000";

  test("by class name, by registration tag, the base class and null, both ways", () => {
    const s = parseTypeExpression(SHAPE);
    assert.equal(hex(s, { name: "s" }), base);
    assert.equal(hex(s, { "@class": "com.acme.Circle", name: "c", radius: 1.5 }), circle);
    assert.equal(hex(s, { "@class": "com.acme.Square", name: "q", side: 2 }), square);
    assert.equal(hex(s, null), "01");
    assert.deepEqual(read(s, base), { name: "s" });
    assert.deepEqual(read(s, circle), { "@class": "com.acme.Circle", name: "c", radius: 1.5 });
    assert.deepEqual(read(s, square), { "@class": "com.acme.Square", name: "q", side: 2 });
    assert.equal(read(s, "01"), null);
    assert.deepEqual(toJsonValue(read(s, circle)), { "@class": "com.acme.Circle", name: "c", radius: 1.5 });
    assert.deepEqual(fromJsonValue(s, { "@class": "com.acme.Circle", name: "c", radius: 1.5 }), read(s, circle));
  });

  test("the same through the API; a name without a package matches the class name in the bytes", () => {
    const s = pojoSerializer("com.acme.Shape", { name: stringSerializer }, {
      subclasses: [
        { className: "Circle", fields: { radius: doubleSerializer } },
        { className: "com.acme.Square", fields: { side: doubleSerializer }, tag: 0 },
      ],
    });
    assert.deepEqual(read(s, circle), { "@class": "com.acme.Circle", name: "c", radius: 1.5 });
    assert.deepEqual(read(s, square), { "@class": "com.acme.Square", name: "q", side: 2 });
    // A subclass that is no POJO to Flink gets its whole serializer (here a stand-in for a Kryo one).
    const odd = pojoSerializer("com.acme.Shape", { name: stringSerializer }, {
      subclasses: [{ className: "com.acme.Blob", serializer: pojoSerializer("com.acme.Blob", { size: intSerializer }) }],
    });
    const blob = "04" + javaUtf("com.acme.Blob") + "02" + "00" + "00000007";
    assert.deepEqual(read(odd, blob), { "@class": "com.acme.Blob", size: 7 });
    assert.equal(hex(odd, { "@class": "com.acme.Blob", size: 7 }), blob);
  });

  test("an unlisted subclass is POJO_SUBCLASS itself, naming the class and how to describe it", () => {
    const s = parseTypeExpression("pojo<com.acme.Shape>{name:string}");
    const e = thrown(() => read(s, circle));
    assert.ok(e instanceof PojoSubclassError);
    assert.equal(e.code, "POJO_SUBCLASS");
    assert.equal(e.subclass, "com.acme.Circle");
    assert.match(e.message, /pojo<com\.acme\.Shape>\{\.\.\.\} \| com\.acme\.Circle\{field:type,\.\.\.\}/);
    assert.match(e.message, /kryo1<com\.acme\.Circle>/);
    const t = thrown(() => read(s, square));
    assert.ok(t instanceof PojoSubclassError);
    assert.equal(t.tag, 0);
    assert.match(t.message, /registered subclass tag 0 of com\.acme\.Shape/);
    assert.match(t.message, /\| com\.acme\.Sub#0\{field:type,\.\.\.\}/);
  });

  test("inside a list state, a map state and the client's decoding the code stays POJO_SUBCLASS", () => {
    const s = parseTypeExpression("pojo<com.acme.Shape>{name:string}");
    const list = fromHex(base + "2c" + circle);
    const e = thrown(() => deserializeList(list, s));
    assert.equal(e.code, "POJO_SUBCLASS");
    assert.equal(decodeLocation(e)?.path, "list state[1]");
    const m = thrown(() => deserializeMap(fromHex("0261" + "00" + circle), stringSerializer, s));
    assert.equal(m.code, "POJO_SUBCLASS");
    assert.equal(decodeLocation(m)?.path, 'map state["a"]');
  });

  test("nested in another POJO: the path names the field", () => {
    const holder = parseTypeExpression("pojo<com.acme.Holder>{id:long,shape:pojo<com.acme.Shape>{name:string}}");
    const e = thrown(() => read(holder, "02" + "00" + "0000000000000001" + "00" + circle));
    assert.equal(e.code, "POJO_SUBCLASS");
    assert.deepEqual(decodeLocation(e), { path: "Holder.shape", offset: 12 });
    const ok = parseTypeExpression(`pojo<com.acme.Holder>{id:long,shape:${SHAPE}}`);
    assert.deepEqual(read(ok, "02" + "00" + "0000000000000001" + "00" + circle), {
      id: 1n, shape: { "@class": "com.acme.Circle", name: "c", radius: 1.5 },
    });
  });

  test("mistakes in the expression and in values", () => {
    assert.throws(() => parseTypeExpression("pojo<A>{x:int} | B{y:int} | B{z:int}"), { code: "TYPE_EXPRESSION" });
    assert.throws(() => parseTypeExpression("pojo<A>{x:int} | B#1{y:int} | C#1{z:int}"), /Tag 1 is given twice/);
    assert.throws(() => parseTypeExpression("pojo<A>{x:int} | B#128{y:int}"), /tag is 0 to 127/);
    assert.throws(() => parseTypeExpression("pojo<A>{x:int} |"), { code: "TYPE_EXPRESSION" });
    const s = parseTypeExpression(SHAPE);
    assert.throws(() => hex(s, { "@class": "com.acme.Triangle", name: "t" }), (e: Error & { code: string }) =>
      e.code === "INVALID_ARGUMENT" && /com\.acme\.Circle, com\.acme\.Square/.test(e.message));
    assert.throws(() => fromJsonValue(s, { "@class": "com.acme.Triangle" }), /JSON at \$\.@class/);
    assert.throws(() => pojoSerializer("A", {}, { subclasses: [{ className: "B" }] }), { code: "INVALID_ARGUMENT" });
  });
});

describe("errors that point at the cause", () => {
  const stats = "pojo<com.acme.Stats>{count:long,tags:list<string>}";

  test("a POJO's List field that Flink wrote otherwise: the path, the byte, and what Flink used", () => {
    // Bytes another serializer wrote there (Kryo's, on Flink 1.x) read as an absurd list size.
    const kryo = "02" + "00" + "0000000000000003" + "00" + "0a01830461";
    const e = thrown(() => deserializeValue(fromHex(kryo), parseTypeExpression(stats)));
    assert.equal(e.code, "TRUNCATED_INPUT");
    assert.deepEqual({ path: decodeLocation(e)!.path, offset: decodeLocation(e)!.offset }, { path: "Stats.tags", offset: 10 });
    assert.match(e.message, /\[at Stats\.tags, byte 10\] Field 'tags' of a POJO is a List/);
    assert.match(e.message, /Kryo \(GenericType\), so read it as kryo1/);
    assert.match(e.message, /NullableList, so read it as nullablelist<T>/);
    // Flink 2.x wrote tags as a NullableList: a null flag before the size, and one before each element. Read as
    // list<string>, the flag and the size's first bytes make an empty list, and bytes are left over.
    const flink2 = "02" + "00" + "0000000000000003" + "00" + "00" + "00000002" + "00" + "0261" + "00" + "0262";
    const left = thrown(() => deserializeValue(fromHex(flink2), parseTypeExpression(stats)));
    assert.equal(left.code, "SERIALIZATION");
    assert.match(left.message, /^Unconsumed bytes in the deserialized value\./);
    assert.match(left.message, /try nullablelist<T>/);
    // Read as Flink 2.x wrote it, it decodes.
    assert.deepEqual(deserializeValue(fromHex(flink2), parseTypeExpression(stats.replace("list<string>", "nullablelist<string>"))),
      { count: 3n, tags: ["a", "b"] });
  });

  test("an element deep inside: Stats.tags[3] at its byte", () => {
    const s = parseTypeExpression("pojo<com.acme.Stats>{count:long,tags:list<localdate>}");
    const good = "000007e8" + "02" + "1d";
    const bytes = "02" + "00" + "0000000000000003" + "00" + "00000004" + good + good + good + "570000000101";
    const e = thrown(() => deserializeValue(fromHex(bytes), s));
    assert.equal(e.code, "SERIALIZATION");
    assert.deepEqual({ path: decodeLocation(e)!.path, offset: decodeLocation(e)!.offset }, { path: "Stats.tags[3]", offset: 33 });
    assert.match(e.message, /year \d+ is outside/);
    assert.match(e.message, /these bytes are not a LocalDate/);
  });

  test("a java.time field of a POJO: Kryo on 1.x and 2.x", () => {
    const s = parseTypeExpression("pojo<com.acme.Event>{at:localdatetime}");
    // Kryo's bytes of a LocalDateTime are not LocalDateTimeSerializer's: the year comes out absurd.
    const e = thrown(() => deserializeValue(fromHex("02" + "00" + "57000000010101010101010101"), s));
    assert.equal(decodeLocation(e)?.path, "Event.at");
    assert.match(e.message, /java\.time\.LocalDateTime: Flink serializes java\.time fields of a POJO/);
  });

  test("at the top: an absurd map length and an impossible date say another serializer wrote the bytes", () => {
    const m = thrown(() => deserializeValue(fromHex("01010101" + "00"), parseTypeExpression("map<string,long>")));
    assert.equal(m.code, "TRUNCATED_INPUT");
    assert.match(m.message, /reading a map needs 33686018 byte\(s\)/);
    assert.match(m.message, /nullablemap<K,V>/);
    assert.match(m.message, /kryo1/);
    const d = thrown(() => deserializeValue(fromHex("570000000101"), parseTypeExpression("localdate")));
    assert.equal(d.code, "SERIALIZATION");
    assert.match(d.message, /Another serializer wrote these bytes/);
  });

  test("tuples, rows, arrays, either and map values name their part", () => {
    const t = thrown(() => read(parseTypeExpression("tuple<string,list<long>>"), "0261" + "7fffffff"));
    assert.equal(decodeLocation(t)?.path, "Tuple2.f1");
    const r = thrown(() => read(parseTypeExpression("row<id:long,tags:list<long>>"), "00" + "0000000000000001" + "7fffffff"));
    assert.equal(decodeLocation(r)?.path, "Row.tags");
    const a = thrown(() => read(parseTypeExpression("list<long>[]"), "00000002" + "01" + "00000000" + "01" + "7fffffff"));
    assert.equal(decodeLocation(a)?.path, "value[1]");
    const m = thrown(() => deserializeValue(fromHex("00000001" + "0261" + "00" + "7fffffff"), parseTypeExpression("map<string,list<long>>")));
    assert.equal(decodeLocation(m)?.path, 'value["a"]');
    const list = serializeList([[1n]], parseTypeExpression("list<long>"));
    const l = thrown(() => deserializeList(new Uint8Array([...list, 0x2c, 0x7f, 0xff, 0xff, 0xff]), parseTypeExpression("list<long>")));
    assert.equal(l.code, "SERIALIZATION", "a list state's mismatch keeps Flink's wrapper");
    assert.equal(decodeLocation(l)?.path, "list state[1]");
    const map = serializeMap([["k", 1n]], stringSerializer, longSerializer);
    const mk = thrown(() => deserializeMap(new Uint8Array([...map, 0x05]), stringSerializer, longSerializer));
    assert.equal(decodeLocation(mk)?.path, "map state key #1");
  });

  test("a successful read carries nothing, and scalars at the top need no location", () => {
    assert.equal(decodeLocation(new Error("x")), undefined);
    const e = thrown(() => deserializeValue(fromHex("0001"), longSerializer));
    assert.equal(e.code, "TRUNCATED_INPUT");
    assert.equal(decodeLocation(e), undefined);
    assert.deepEqual(serializeValue(1n, longSerializer), fromHex("0000000000000001"));
  });
});

describe("map keys and field names are data (__proto__, constructor, toString, hasOwnProperty)", () => {
  const KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty"];

  test("toJsonValue keeps every map entry and object member", () => {
    const m = new Map(KEYS.map((k, i) => [k, BigInt(i)]));
    const json = toJsonValue(m) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), KEYS);
    assert.equal(JSON.stringify(json), '{"__proto__":"0","constructor":"1","toString":"2","hasOwnProperty":"3"}');
    assert.equal(Object.getPrototypeOf(json), Object.prototype, "the entry did not replace the prototype");
    const o = JSON.parse('{"__proto__":{"a":1},"constructor":2}');
    assert.equal(JSON.stringify(toJsonValue(o)), '{"__proto__":{"a":1},"constructor":2}');
  });

  test("a map<string,long> state with such keys reads, prints and reads back from JSON", () => {
    const s = parseTypeExpression("map<string,long>");
    const m = new Map(KEYS.map((k, i) => [k, BigInt(i)]));
    const back = read(s, hex(s, m));
    assert.deepEqual([...back.keys()], KEYS);
    const json = JSON.parse(JSON.stringify(toJsonValue(back)));
    assert.deepEqual(fromJsonValue(s, json), m);
    const state = deserializeMap(serializeMap(m, stringSerializer, longSerializer), stringSerializer, longSerializer)!;
    assert.equal(JSON.stringify(toJsonValue(state)), '{"__proto__":"0","constructor":"1","toString":"2","hasOwnProperty":"3"}');
  });

  test("POJO and row fields with those names", () => {
    const p = parseTypeExpression(`pojo<com.acme.Odd>{${KEYS.map((k) => `${k}:long`).join(",")}}`);
    const v: Record<string, bigint> = {};
    KEYS.forEach((k, i) => Object.defineProperty(v, k, { value: BigInt(i + 1), enumerable: true }));
    const back = read(p, hex(p, v));
    assert.deepEqual(Object.keys(back!).sort(), [...KEYS].sort());
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, 1n);
    // A value missing them writes nulls, never Object.prototype's members.
    assert.equal(hex(p, {}), "02" + "01".repeat(4));
    const r = parseTypeExpression("row<__proto__:long,constructor:string>");
    const fields = JSON.parse('{"constructor":"c"}');
    Object.defineProperty(fields, "__proto__", { value: 5n, enumerable: true });
    const row = read(r, hex(r, { kind: "INSERT", fields }));
    assert.equal(JSON.stringify(toJsonValue(row)), '{"kind":"INSERT","fields":{"__proto__":"5","constructor":"c"}}');
    const none = read(r, hex(r, { kind: "INSERT", fields: {} }));
    assert.equal(JSON.stringify(toJsonValue(none)), '{"kind":"INSERT","fields":{"__proto__":null,"constructor":null}}');
  });

  test("type names that are Object.prototype members are unknown types, not crashes", () => {
    for (const t of ["constructor", "toString", "hasOwnProperty", "__proto__", "list<valueOf>", "toString[]"]) {
      assert.throws(() => parseTypeExpression(t), { code: "TYPE_EXPRESSION" }, t);
    }
    assert.ok(parseTypeExpression("pojo<A>{constructor:long,toString:int}"), "fields named like Object members are not 'listed twice'");
  });
});
