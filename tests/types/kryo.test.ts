// Flink's KryoSerializer, both generations (kryo1 = Flink 1.x / Kryo 2.24, kryo = Flink 2.x / Kryo 5).
// The byte layouts here are those Flink's own KryoSerializer wrote (tests/types/kryo-vectors.test.ts
// checks every vector of compat/flink); these tests pin the rules one at a time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ByteReader, ByteWriter, type Decimal, fromHex, Instant, KryoTyped, KryoUnsupportedClassError, LocalCluster, LocalDate,
  LocalDateTime, LocalTime, kryoSerializer, parseTypeExpression, QueryableStateClient, stringSerializer, toHex, toJsonValue,
  type TypeSerializer, Uuid, valueState,
} from "../../mod.ts";
import { runGet } from "../../src/cli/get.ts";
import { hex, read } from "../helpers/bytes.ts";

const k1 = parseTypeExpression("kryo1");
const k2 = parseTypeExpression("kryo");

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "none";
}

/** Reads `h` and checks that writing the value back gives the same bytes. */
function roundTrip(s: TypeSerializer<unknown>, h: string): unknown {
  const v = read(s, h);
  assert.equal(hex(s, v), h);
  return v;
}

const ascii = (s: string) => toHex(new TextEncoder().encode(s));
/** Kryo's class name for the first time in a graph: NAME (1), name id, ASCII with the last byte's high bit set. */
function named(id: number, cls: string): string {
  const b = new TextEncoder().encode(cls);
  b[b.length - 1] |= 0x80;
  return "01" + id.toString(16).padStart(2, "0") + toHex(b);
}

describe("Kryo: leaves, strings and numbers", () => {
  test("registered classes: a class id, then the value (zigzag varints; fixed widths big-endian in 1.x, little-endian in 2.x)", () => {
    assert.equal(hex(k1, 42), "0254");
    assert.equal(hex(k2, -1), "0201");
    assert.equal(hex(k2, -2147483648), "02ffffffff0f");
    assert.equal(hex(k1, -(1n << 63n)), "09ffffffffffffffffff");
    assert.equal(hex(k1, 2.25), "0a4002000000000000");
    assert.equal(hex(k2, 2.25), "0a0000000000000240");
    assert.equal(hex(k1, new KryoTyped("java.lang.Short", -2)), "08fffe");
    assert.equal(hex(k2, new KryoTyped("java.lang.Short", -2)), "08feff");
    assert.equal(hex(k2, new KryoTyped("java.lang.Character", "x")), "077800");
    assert.equal(hex(k2, new KryoTyped("java.lang.Float", 0.5)), "040000003f");
    assert.equal(hex(k1, true), "0501");
    assert.equal(hex(k1, null), "00");
    assert.equal(read(k1, "00"), null);
    assert.equal(read(k2, "07e900"), "\u00e9");
    assert.ok(Number.isNaN(read(k2, "040000c07f") as number));
  });

  test("strings: tracked by reference (marker 01), ASCII runs of 2-63 (1.x) or 2-32 (2.x) characters, else UTF-8 with a length", () => {
    assert.equal(hex(k1, ""), "030181");
    assert.equal(hex(k1, "a"), "03018261");
    assert.equal(hex(k1, "hi"), "030168e9");
    const s40 = "abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    assert.equal(hex(k1, s40), "0301" + ascii(s40.slice(0, -1)) + "c4");
    assert.equal(hex(k2, s40), "0301a9" + ascii(s40));
    const s70 = s40 + "EFGHIJKLMNOPQRSTUVWXYZ-abcdefgh";
    assert.equal(hex(k1, s70), "0301c801" + ascii(s70));
    assert.equal(hex(k2, "h\u00e9llo"), "03018668c3a96c6c6f");
    // UTF-16 units one by one (3 bytes each for surrogates), so lone surrogates survive.
    assert.equal(hex(k2, "\ud83d\ude00"), "030183eda0bdedb880");
    for (const s of ["lone \ud83d", "nul\u0000", "\u007f\u0080", "\u65e5\u672c"]) {
      assert.equal(read(k1, hex(k1, s)), s);
      assert.equal(read(k2, hex(k2, s)), s);
    }
  });

  test("JDK values by name: BigInteger, BigDecimal, Date, UUID, java.time (Kryo 5 serializers; 1.x FieldSerializer)", () => {
    const big = named(0, "java.math.BigInteger");
    assert.equal(read(k2, big + "010a400000000000000000"), 1n << 70n);
    assert.equal(hex(k1, new KryoTyped("java.math.BigInteger", -1n)), big + "0102ff");
    const dec = roundTrip(k2, named(0, "java.math.BigDecimal") + "0103009604") as Decimal;
    assert.equal(String(dec), "1.50");
    assert.equal(hex(k1, new Date(1700000000123)), named(0, "java.util.Date") + "01fbd095ffbc31");
    assert.equal(String(roundTrip(k1, "5401a6cbd889fdd9a2be24ffffc5bebde6dea9b7")), "123e4567-e89b-12d3-a456-426614174000");
    assert.equal(String(roundTrip(k2, "5401d3129be867453e1200401714664256a4")), "123e4567-e89b-12d3-a456-426614174000");
    assert.equal(hex(k2, new LocalDate(2024, 2, 29)), named(0, "java.time.LocalDate") + "01e80f021d");
    assert.equal(hex(k1, new LocalDate(2024, 2, 29)), named(0, "java.time.LocalDate") + "01001d0002d01f");
    // Kryo 5 stops a LocalTime at its first zero tail, writing the last part complemented.
    assert.equal(hex(k2, new LocalTime(13, 0)).slice(-4), "01f2");
    assert.equal(hex(k2, new LocalTime(13, 45)).slice(-6), "010dd2");
    assert.equal(hex(k2, new LocalTime(1, 2, 3, 4000)).slice(-12), "01010203a01f");
    const ldt = new LocalDateTime(new LocalDate(2024, 2, 29), new LocalTime(13, 45, 30, 500000000));
    assert.equal(String(read(k1, hex(k1, ldt))), "2024-02-29T13:45:30.500");
    assert.equal(hex(k2, ldt), named(0, "java.time.LocalDateTime") + "01e80f021d0d2d1e80cab5ee01");
    assert.equal(hex(k2, new Instant(-1n, 1)), named(0, "java.time.Instant") + "01ffffffffffffffffff01");
    assert.equal(String(read(k1, hex(k1, new Instant(1700000000n, 123000000)))), "2023-11-14T22:13:20.123Z");
    // java.sql.Timestamp (id 79): 1.x writes getTime(), 2.x the whole seconds; both then the nanoseconds.
    assert.equal(String(roundTrip(k1, "5101fbd095ffbc31959aef3a")), "2023-11-14T22:13:20.123456789Z");
    assert.equal(String(roundTrip(k2, "510180d095ffbc31959aef3a")), "2023-11-14T22:13:20.123456789Z");
  });
});

describe("Kryo: collections", () => {
  test("1.x: a size, then each element with its class; TreeSet and TreeMap write their comparator first", () => {
    const list = named(0, "java.util.ArrayList") + "01" + "03" + "0202" + "0204" + "02d804";
    assert.deepEqual(roundTrip(k1, list), [1, 2, 300]);
    assert.deepEqual(roundTrip(k1, named(0, "java.util.TreeSet") + "01" + "00" + "02" + "0301826103018262"), new Set(["a", "b"]));
    const m = roundTrip(k1, named(0, "java.util.HashMap") + "01" + "02" + "03016f6ee50202" + "03017477ef" + "0204");
    assert.deepEqual(m, new Map([["one", 1], ["two", 2]]));
  });

  test("2.x: a flagged size (all one class?), the class once, a has-null flag; or each element with its class", () => {
    assert.equal(hex(k2, [1, 2, 300]), named(0, "java.util.ArrayList") + "01" + "84" + "02" + "00" + "0204d804");
    assert.equal(hex(k2, [7, null, 8]), named(0, "java.util.ArrayList") + "01" + "84" + "02" + "01" + "010e" + "00" + "0110");
    assert.equal(hex(k2, [1, "a", 2n, null]), named(0, "java.util.ArrayList") + "01" + "05" + "0202" + "03018261" + "0904" + "00");
    assert.equal(hex(k2, [null, null]), named(0, "java.util.ArrayList") + "01" + "83" + "00");
    assert.equal(hex(k2, []), named(0, "java.util.ArrayList") + "0101");
    assert.deepEqual(read(k2, named(0, "java.util.ArrayList") + "018300"), [null, null]);
  });

  test("a repeated object is a back-reference (the same JS object); equal strings are written again unless they were one", () => {
    const addr = { street: "Same", zip: 1 };
    const s = kryoSerializer({ flink: 2, classes: { "com.acme.Addr": { fields: { street: "String", zip: "int" } } } });
    const h = hex(s, [new KryoTyped("com.acme.Addr", addr), new KryoTyped("com.acme.Addr", addr)]);
    assert.ok(h.endsWith("03"), h); // object id 1 (the list is 0), as 1 + 2
    const back = read(s, h) as unknown[];
    assert.equal(back[0], back[1]);
    assert.equal(hex(s, back), h);
    // Java's interned "a" twice: the second is a reference to object 1.
    const interned = named(0, "java.util.ArrayList") + "0184030001826101826203";
    assert.deepEqual(roundTrip(k2, interned), ["a", "b", "a"]);
    assert.equal(hex(k2, ["a", "b", "a"]), named(0, "java.util.ArrayList") + "0184030001826101826201" + "8261");
  });

  test("sets read as Set, maps as Map, queues and other lists as arrays; the Java class is kept for writing back", () => {
    const linked = named(0, "java.util.LinkedList") + "01" + "83" + "09" + "000203";
    const v = roundTrip(k2, linked);
    assert.deepEqual(v, [1n, -2n]);
    assert.equal(hex(k2, [1n, -2n]), named(0, "java.util.ArrayList") + "0183090002" + "03");
    const set = roundTrip(k2, named(0, "java.util.HashSet") + "01" + "84" + "03" + "00" + "018278" + "018279" + "01827a");
    assert.deepEqual(set, new Set(["x", "y", "z"]));
    assert.deepEqual(toJsonValue(set), ["x", "y", "z"]);
    assert.deepEqual(read(k2, named(0, "java.util.Collections$EmptyMap") + "01"), new Map());
    assert.deepEqual(roundTrip(k2, named(0, "java.util.Collections$SingletonList") + "01" + "03018273"), ["s"]);
  });

  test("List.of / Map.of: 2.x has serializers without null flags; 1.x writes them as any collection (and Flink 1.x cannot read them back)", () => {
    const list12 = named(0, "java.util.ImmutableCollections$List12");
    assert.deepEqual(roundTrip(k2, list12 + "01" + "82" + "02" + "02"), [1]);
    assert.deepEqual(roundTrip(k1, list12 + "01" + "01" + "0202"), [1]);
    const map1 = named(0, "java.util.ImmutableCollections$Map1");
    assert.deepEqual(roundTrip(k2, map1 + "01" + "02" + "0301826b" + "0202"), new Map([["k", 1]]));
  });

  test("Arrays.asList (id 73): 1.x (Chill) writes the array's component class; 2.x a collection", () => {
    assert.deepEqual(roundTrip(k1, "4b01" + "02" + "03" + "0301827803018279"), ["x", "y"]);
    assert.deepEqual(roundTrip(k2, "4b01" + "83" + "03" + "00" + "018278" + "018279"), ["x", "y"]);
  });

  test("arrays: primitive arrays as typed arrays, object arrays with per-element markers", () => {
    assert.deepEqual(roundTrip(k1, named(0, "[I") + "01" + "05" + "0201d804ffffffff0f"), new Int32Array([1, -1, 300, -2147483648]));
    assert.deepEqual(roundTrip(k2, named(0, "[S") + "01" + "04" + "0100ffff0080"), new Int16Array([1, -1, -32768]));
    // A char[] reads as a string: at top level, write it back as new KryoTyped("[C", text).
    assert.equal(read(k2, named(0, "[C") + "01" + "03" + "6100e900"), "a\u00e9");
    assert.equal(hex(k2, new KryoTyped("[C", "a\u00e9")), named(0, "[C") + "01" + "03" + "6100e900");
    assert.deepEqual(roundTrip(k1, named(0, "[Ljava.lang.Long;") + "01" + "04" + "0102" + "00" + "0101"), [1n, null, -1n]);
    assert.deepEqual(roundTrip(k2, named(0, "[[I") + "01" + "04" + "010202" + "01030406" + "00"), [
      new Int32Array([1]), new Int32Array([2, 3]), null,
    ]);
    assert.deepEqual(hex(k2, new Uint8Array([1, 255])), named(0, "[B") + "01" + "03" + "01ff");
  });
});

describe("Kryo: user classes through FieldSerializer", () => {
  const classes = {
    "com.acme.Event": {
      fields: {
        id: "long", name: "String", score: "double", tags: "List<String>", counts: "Map<String,Long>",
        home: "com.acme.Address", at: "com.acme.Point", color: "com.acme.Color", any: "Object", boxed: "Integer",
      },
    },
    "com.acme.Address": { fields: { street: "String", zip: "int" } },
    "com.acme.Point": { final: true, fields: { x: "int", y: "int" } },
    "com.acme.Color": { enum: ["RED", "GREEN", "BLUE"] },
  };
  const event = {
    id: 7n, name: "ada", score: 2.5, tags: ["t"], counts: new Map([["k", 5n]]), home: { street: "Main", zip: 1 },
    at: { x: 1, y: -2 }, color: "BLUE", any: 99n, boxed: null,
  };

  test("fields in name order; the declared class is id 85; final types (Point, enum, String, Integer) carry no class", () => {
    for (const flink of [1, 2] as const) {
      const s = kryoSerializer({ flink, type: "com.acme.Event", classes });
      const h = hex(s, event);
      assert.ok(h.startsWith("5701"), h);
      const back = read(s, h) as Record<string, unknown>;
      assert.deepEqual(Object.keys(back), ["any", "at", "boxed", "color", "counts", "home", "id", "name", "score", "tags"]);
      assert.deepEqual(back, event);
      assert.equal(hex(s, back), h);
    }
    const s1 = kryoSerializer({ flink: 1, type: "com.acme.Event", classes });
    // any (Object): class Long + value; at (final Point): marker + x, y; boxed (final Integer): null marker;
    // color (enum, tracked in 1.x): marker + ordinal + 1.
    assert.ok(hex(s1, event).startsWith("5701" + "09c601" + "01" + "02" + "03" + "00" + "0103"), hex(s1, event));
  });

  test("type arguments: a final element type (String) drops the per-element class; Kryo 5 also follows nested ones", () => {
    const s1 = kryoSerializer({ flink: 1, type: "com.acme.Box", classes: { "com.acme.Box": { fields: { tags: "List<String>" } } } });
    assert.equal(hex(s1, { tags: ["a", "b"] }), "5701" + named(0, "java.util.ArrayList") + "01" + "02" + "018261" + "018262");
    const s2 = kryoSerializer({ flink: 2, type: "com.acme.Box", classes: { "com.acme.Box": { fields: { tags: "List<String>" } } } });
    assert.equal(hex(s2, { tags: ["a", "b"] }), "5701" + named(0, "java.util.ArrayList") + "01" + "03" + "018261" + "018262");
    const nested = { "com.acme.N": { fields: { m: "Map<String,List<Long>>" } } };
    const n1 = kryoSerializer({ flink: 1, type: "com.acme.N", classes: nested });
    const n2 = kryoSerializer({ flink: 2, type: "com.acme.N", classes: nested });
    const v = { m: new Map([["k", [1n]]]) };
    // 1.x: the list inside writes its element's class (09 = Long); 2.x knows List<Long> and writes none.
    assert.ok(hex(n1, v).endsWith(named(1, "java.util.ArrayList") + "01" + "01" + "0902"), hex(n1, v));
    assert.ok(hex(n2, v).endsWith(named(1, "java.util.ArrayList") + "01" + "02" + "02"), hex(n2, v));
    assert.deepEqual(read(n1, hex(n1, v)), v);
    assert.deepEqual(read(n2, hex(n2, v)), v);
  });

  test("a class the bytes name that nobody described fails with KRYO_UNSUPPORTED_CLASS, naming it and how to describe it", () => {
    const bytes = fromHex(named(0, "com.acme.Address") + "01" + "018278" + "02");
    for (const [s, k] of [[k1, "kryo1"], [k2, "kryo"]] as const) {
      assert.throws(() => s.deserialize(new ByteReader(bytes)), (e: unknown) =>
        e instanceof KryoUnsupportedClassError && e.code === "KRYO_UNSUPPORTED_CLASS" && e.javaClass === "com.acme.Address" &&
        e.offset === 0 && e.message.includes(`${k}<com.acme.Address>{field:type,...}`));
    }
    const inside = fromHex(named(0, "java.util.ArrayList") + "01" + "05" + "0202" + named(1, "com.acme.Thing") + "01");
    assert.throws(() => k2.deserialize(new ByteReader(inside)), (e: unknown) =>
      e instanceof KryoUnsupportedClassError && e.offset === 25 && /at \[1\]/.test(e.message));
    // Id 85 is the declared class: without it, the reader says so.
    assert.throws(() => k2.deserialize(new ByteReader(fromHex("5701e40f0101ff"))), (e: unknown) =>
      e instanceof KryoUnsupportedClassError && e.javaClass === "class id 85" && /kryo<java.time.LocalDateTime>/.test(e.message));
    assert.equal(String(read(parseTypeExpression("kryo<java.time.LocalDateTime>"), "5701e40f0101ff")), "2020-01-01T00:00");
    // An id past the declared class: a class the job registered itself.
    assert.throws(() => parseTypeExpression("kryo<LocalDateTime>").deserialize(new ByteReader(fromHex("5a01"))), (e: unknown) =>
      e instanceof KryoUnsupportedClassError && e.javaClass === "class id 88" && /registered/.test(e.message));
    const withRegistered = kryoSerializer({ flink: 2, type: "java.time.LocalDateTime", registered: ["java.util.ArrayList"] });
    assert.equal(hex(withRegistered, ["x"]), "58" + "01" + "82" + "03" + "00" + "018278");
    // The same in a type expression (as qstate schema writes a job's Kryo registrations): `registered` classes, in order.
    const expression = parseTypeExpression("kryo<java.time.LocalDateTime, registered java.util.ArrayList>");
    assert.equal(hex(expression, ["x"]), hex(withRegistered, ["x"]));
    assert.deepEqual(read(expression, "58" + "01" + "82" + "03" + "00" + "018278"), ["x"]);
    assert.throws(() => parseTypeExpression("kryo<java.util.UUID, registered java.util.ArrayList, registered ArrayList>"), /java\.util\.ArrayList is registered twice/);
  });

  test("bad bytes: truncated input, a reference to nothing, a null where an object must be", () => {
    assert.equal(code(() => read(k2, "0301")), "TRUNCATED_INPUT");
    assert.equal(code(() => read(k2, named(0, "java.util.ArrayList") + "01" + "03" + "0309" + "0309")), "SERIALIZATION");
    assert.equal(code(() => read(k2, "0300")), "SERIALIZATION");
    assert.equal(code(() => read(k1, named(0, "java.util.ArrayList") + "01" + "ffffff0f")), "SERIALIZATION");
    assert.equal(code(() => read(k2, "0301f0")), "TRUNCATED_INPUT");
    assert.equal(code(() => read(k2, "0301" + "83" + "f08080")), "SERIALIZATION");
  });
});

describe("Kryo: writing new values and keys", () => {
  test("a JS value's class: number → Integer or Double, bigint → Long (BigInteger beyond), Set → HashSet, Map → HashMap", () => {
    assert.equal(hex(k2, 1.5).slice(0, 2), "0a");
    assert.equal(hex(k2, -0).slice(0, 2), "0a");
    assert.equal(hex(k2, 1n << 64n).slice(0, 2 + 2 + 2 * 20), named(0, "java.math.BigInteger"));
    assert.ok(hex(k2, new Set([1])).startsWith(named(0, "java.util.HashSet")));
    assert.ok(hex(k2, new Map([[1, 2]])).startsWith(named(0, "java.util.HashMap")));
    assert.ok(hex(k2, new KryoTyped("java.util.TreeMap", new Map([["a", 1]]))).startsWith(named(0, "java.util.TreeMap") + "01" + "02" + "00"));
    assert.ok(hex(k2, Uuid.parse("00000000-0000-0001-0000-000000000002")).startsWith("5401"));
    assert.equal(code(() => hex(k2, { a: 1 })), "INVALID_ARGUMENT");
    assert.equal(code(() => hex(k2, new KryoTyped("java.lang.Integer", "x"))), "INVALID_ARGUMENT");
    assert.equal(code(() => hex(k2, new KryoTyped("com.acme.Nobody", {}))), "INVALID_ARGUMENT");
  });

  test("keys hash like Java for value-based classes", () => {
    assert.equal(k2.hashCode!("hello"), 99162322);
    assert.equal(k2.hashCode!(42), 42);
    assert.equal(k2.hashCode!(-1n), 0);
    assert.equal(k2.hashCode!(Uuid.parse("123e4567-e89b-12d3-a456-426614174000")), 1256478162);
    assert.equal(k2.hashCode!(new Uuid(-1n, -(1n << 63n))), -2147483648);
    assert.equal(k2.hashCode!(new LocalDate(2024, 2, 29)), new LocalDate(2024, 2, 29).hashCode());
    assert.equal(code(() => k2.hashCode!([1])), "MISSING_KEY_HASH");
  });

  test("Uuid: Java's text form both ways", () => {
    const u = Uuid.parse("123E4567-E89B-12D3-A456-426614174000");
    assert.equal(String(u), "123e4567-e89b-12d3-a456-426614174000");
    assert.equal(u.mostSignificantBits, 0x123e4567e89b12d3n);
    assert.equal(JSON.stringify({ u }), '{"u":"123e4567-e89b-12d3-a456-426614174000"}');
    assert.equal(code(() => Uuid.parse("nope")), "INVALID_ARGUMENT");
  });
});

describe("Kryo type expressions", () => {
  test("kryo, kryo1, a declared class, a described class, descriptions of classes inside", () => {
    assert.match(parseTypeExpression("kryo").name, /KryoSerializer/);
    assert.match(parseTypeExpression("kryo1<LocalDateTime>").name, /Flink 1\.x.*java\.time\.LocalDateTime/);
    const e = parseTypeExpression("kryo1<com.acme.E>{n:int, tags : List<String>, c:enum com.acme.C{A,B}, p:final com.acme.P{x:long}}");
    const v = { c: "B", n: 3, p: { x: 1n }, tags: ["a"] };
    assert.deepEqual(read(e, hex(e, v)), v);
    const inside = parseTypeExpression("kryo<Object, com.acme.A{s:String}, enum com.acme.C{A,B}>");
    const h = hex(inside, [new KryoTyped("com.acme.A", { s: "x" }), new KryoTyped("com.acme.C", "B")]);
    assert.deepEqual(read(inside, h), [{ s: "x" }, "B"]);
    const pojo = parseTypeExpression("pojo<com.acme.P>{when:kryo<java.time.LocalDateTime>,n:long}");
    assert.deepEqual(read(pojo, "02" + "00" + "0000000000000001" + "00" + "5701e40f0101ff"), {
      n: 1n, when: new LocalDateTime(new LocalDate(2020, 1, 1), new LocalTime(0, 0)),
    });
  });

  test("mistakes point at their position", () => {
    for (const [text, at] of [["kryo<List<String>>", 9], ["kryo<com.a.E>{x}", 15], ["kryo<enum com.a.C>", 17], ["kryo<A{x:int}>{y:int}", 14]] as const) {
      assert.throws(() => parseTypeExpression(text), (e: Error & { code: string; position: number }) =>
        e.code === "TYPE_EXPRESSION" && e.position === at, text);
    }
    assert.equal(code(() => parseTypeExpression("generic<x>")), "UNSUPPORTED_TYPE");
    assert.equal(code(() => kryoSerializer({ flink: 3 as 2 })), "INVALID_ARGUMENT");
    assert.equal(code(() => kryoSerializer({ classes: { "a.B": { fields: { x: "List<" } } } })), "INVALID_ARGUMENT");
  });

  test("a POJO field on Flink 1.x that is a List is Kryo: the expression kryo1 reads it", () => {
    const pojo = parseTypeExpression("pojo<com.acme.P>{tags:kryo1}");
    const w = new ByteWriter();
    pojo.serialize({ tags: ["a"] }, w);
    assert.equal(toHex(w.view()), "02" + "00" + named(0, "java.util.ArrayList") + "01" + "01" + "03018261");
  });
});

describe("Kryo state on our own servers", () => {
  test("a LocalCluster holds Kryo values; the client and qstate get (with a kryo1 expression) read them", async () => {
    const expr = "kryo1<com.acme.Visit>{id:Uuid, pages:List<String>, at:LocalDateTime, n:int}";
    const visits = valueState("visits", parseTypeExpression(expr), { queryable: "visits" });
    await using cluster = await LocalCluster.start({ taskManagers: 1 });
    const at = new LocalDateTime(new LocalDate(2024, 5, 6), new LocalTime(7, 8));
    const job = cluster.submit({
      sources: [[{ user: "ada", n: 1 }, { user: "bob", n: 2 }, { user: "ada", n: 3 }]],
      keyBy: (e: { user: string; n: number }) => e.user,
      keyType: stringSerializer,
      steps: [{
        name: "keep",
        states: [visits],
        process: (e, ctx) => ctx.state(visits).update({ id: new Uuid(1n, BigInt(e.n)), pages: [e.user, "home"], at, n: e.n }),
      }],
    });
    await job.sourcesDone;
    const { hostname, port } = cluster.proxyAddresses[0];
    await using client = new QueryableStateClient(hostname, port);
    const ada = (await client.getKvState(job.jobId, "visits", "ada", stringSerializer, visits)).value();
    assert.deepEqual(toJsonValue(ada), { at: "2024-05-06T07:08", id: "00000000-0000-0001-0000-000000000003", n: 3, pages: ["ada", "home"] });
    const got = await runGet({
      proxy: `${hostname}:${port}`, job: job.jobId.toString(), state: "visits", key: "bob", keyType: "string", valueType: expr,
      kind: "value", mapKeyType: "string", timeoutMs: 5000,
    });
    assert.deepEqual(toJsonValue(got), { at: "2024-05-06T07:08", id: "00000000-0000-0001-0000-000000000002", n: 2, pages: ["bob", "home"] });
  });
});
