// fromJsonValue, the inverse of toJsonValue, for every family a type expression names: what `qstate get`
// reads --key and --namespace of composite types with.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ByteWriter, Decimal, fromJsonValue, GlobalWindow, Instant, LocalDate, LocalDateTime, LocalTime, parseTypeExpression,
  toHex, toJsonValue, type TypeSerializer, VoidNamespace,
} from "../../mod.ts";

function bytes<T>(s: TypeSerializer<T>, v: T): string {
  const w = new ByteWriter();
  s.serialize(v, w);
  return toHex(w.view());
}

// [expression, a value]: toJsonValue, through JSON text, then fromJsonValue gives a value with the same bytes.
const CASES: [string, unknown][] = [
  ["int", -7], ["long", -(2n ** 63n)], ["short", 300], ["byte", -1], ["float", Math.fround(0.1)], ["double", NaN],
  ["double", -Infinity], ["boolean", true], ["char", "é"], ["string", "日本"], ["string", null], ["bytes", new Uint8Array([0, 255])],
  ["tuple<>", []], ["tuple<string,long>", ["ada", 9007199254740993n]], ["tuple<int,tuple<string,long>>", [1, ["a", 2n]]],
  ["either<string,long>", { left: "x" }], ["either<string,long>", { right: 3n }],
  ["row<id:long,name:string>", { kind: "DELETE", fields: { id: 8n, name: null } }], ["row<long,string>", { kind: "INSERT", fields: [1n, "a"] }],
  ["pojo<com.acme.Stats>{count:long,name:string,avg:double}", { count: 3n, name: "ada", avg: 1.5 }],
  ["pojo<com.acme.Stats>{count:long,name:string}", null],
  ["pojo<com.acme.Shape>{name:string} | com.acme.Circle{radius:double}", { "@class": "com.acme.Circle", name: "c", radius: 2.5 }],
  ["enum<RED,GREEN,BLUE>", "BLUE"],
  ["boolean[]", [true, false]], ["short[]", new Int16Array([1, -1])], ["int[]", new Int32Array([7])],
  ["long[]", new BigInt64Array([-(2n ** 63n), 5n])], ["float[]", new Float32Array([0.5, NaN])], ["double[]", new Float64Array([Infinity])],
  ["char[]", "ab"], ["string[]", ["a", null]], ["array<long>", [1n, null]], ["tuple<int,long>[]", [[1, 2n], null]],
  ["biginteger", -(2n ** 100n)], ["biginteger", null], ["decimal", Decimal.parse("-12.50")], ["decimal", Decimal.parse("1E+3")],
  ["date", new Date(1700000000123)], ["sqldate", new Date(0)], ["sqltime", new Date(3600000)],
  ["timestamp", new Instant(1700000000n, 123456789)], ["instant", new Instant(-1n, 1)], ["instant", null],
  ["localdate", new LocalDate(-5, 12, 31)], ["localdate", new LocalDate(12345, 1, 1)], ["localtime", new LocalTime(1, 2, 3, 4000)],
  ["localtime", new LocalTime(12, 30)], ["localdatetime", new LocalDateTime(new LocalDate(2024, 2, 29), new LocalTime(13, 45))],
  ["nullable<long>", null], ["nullable<long,padded>", 5n], ["list<list<long>>", [[1n], []]],
  ["map<string,list<long>>", new Map([["a", [1n]], ["__proto__", null]])], ["map<long,string>", new Map([[1n, "x"], [-2n, null]])],
  ["set<string>", new Set(["a", null])], ["nullablelist<string>", ["a", null]], ["nullablelist<string>", null],
  ["nullablemap<string,long>", new Map([[null, 1n], ["k", null]])], ["nullableset<int>", new Set([1, null])],
  ["timewindow", { start: 0n, end: 60000n }], ["globalwindow", GlobalWindow], ["void", VoidNamespace],
];

describe("fromJsonValue inverts toJsonValue", () => {
  for (const [expr, v] of CASES) {
    test(`${expr}: ${JSON.stringify(toJsonValue(v))}`, () => {
      const s = parseTypeExpression(expr);
      const json = JSON.parse(JSON.stringify(toJsonValue(v)));
      const back = fromJsonValue(s, json);
      assert.equal(bytes(s, back), bytes(s, v));
      assert.deepEqual(toJsonValue(back), toJsonValue(v));
    });
  }
});

describe("fromJsonValue accepts the forms people type, and refuses the rest naming where", () => {
  test("numbers for longs when exact, strings for numbers, ISO text, hex", () => {
    assert.equal(fromJsonValue(parseTypeExpression("long"), 42), 42n);
    assert.equal(fromJsonValue(parseTypeExpression("int"), "42"), 42);
    assert.equal(fromJsonValue(parseTypeExpression("double"), "Infinity"), Infinity);
    assert.deepEqual(fromJsonValue(parseTypeExpression("timewindow"), { start: "0", end: 60000 }), { start: 0n, end: 60000n });
    assert.deepEqual(fromJsonValue(parseTypeExpression("instant"), "2023-11-14T22:13:20.123Z"), new Instant(1700000000n, 123000000));
    assert.deepEqual(fromJsonValue(parseTypeExpression("date"), 5), new Date(5));
    assert.equal(String(fromJsonValue(parseTypeExpression("decimal"), 0.1)), "0.1");
    assert.deepEqual(fromJsonValue(parseTypeExpression("map<string,long>"), [["a", "1"]]), new Map([["a", 1n]]));
    assert.deepEqual(fromJsonValue(parseTypeExpression("row<id:long>"), { fields: { id: 1 } }), { kind: "INSERT", fields: { id: 1n } });
  });

  test("a long beyond 2^53 given as a number is refused (its digits are already lost)", () => {
    assert.throws(() => fromJsonValue(parseTypeExpression("long"), 2 ** 60), /give it as a string/);
    assert.throws(() => fromJsonValue(parseTypeExpression("long"), "9223372036854775808"), { code: "INVALID_ARGUMENT" });
    assert.throws(() => fromJsonValue(parseTypeExpression("int"), 2 ** 31), { code: "INVALID_ARGUMENT" });
  });

  test("errors name the JSON path", () => {
    assert.throws(() => fromJsonValue(parseTypeExpression("tuple<string,list<long>>"), ["a", [1, "x"]]), /JSON at \$\[1\]\[1\]: LongSerializer cannot read "x"/);
    assert.throws(() => fromJsonValue(parseTypeExpression("pojo<A>{b:pojo<B>{c:int}}"), { b: { c: "z" } }), /JSON at \$\.b\.c: /);
    assert.throws(() => fromJsonValue(parseTypeExpression("pojo<A>{b:int}"), { c: 1 }), /only fields b/);
    assert.throws(() => fromJsonValue(parseTypeExpression("tuple<int,int>"), [1]), /an array of 2 field\(s\)/);
    assert.throws(() => fromJsonValue(parseTypeExpression("timewindow"), { start: 0 }), /JSON at \$\.end: /);
    assert.throws(() => fromJsonValue(parseTypeExpression("localdate"), "2024-13-01"), /month 13 is outside/);
    assert.throws(() => fromJsonValue(parseTypeExpression("enum<A,B>"), "C"), /one of A, B/);
    assert.throws(() => fromJsonValue(parseTypeExpression("either<int,int>"), { left: 1, right: 2 }), { code: "INVALID_ARGUMENT" });
  });

  test("a serializer without fromJson is UNSUPPORTED_TYPE", () => {
    const custom: TypeSerializer<number> = { name: "Custom", length: 1, serialize: () => {}, deserialize: () => 0 };
    assert.throws(() => fromJsonValue(custom, 1), { code: "UNSUPPORTED_TYPE" });
    assert.throws(() => fromJsonValue(parseTypeExpression("list<int>").constructor as never, 1), { code: "UNSUPPORTED_TYPE" });
  });

  test("the temporal parsers read Java's toString forms", () => {
    assert.deepEqual(LocalDate.parse("+12345-01-01"), new LocalDate(12345, 1, 1));
    assert.deepEqual(LocalTime.parse("01:02:03.5"), new LocalTime(1, 2, 3, 500000000));
    assert.equal(String(Instant.parse("1969-12-31T23:59:59.000000001Z")), "1969-12-31T23:59:59.000000001Z");
    assert.equal(String(LocalDateTime.parse("1999-12-31T23:59:59.000000001")), "1999-12-31T23:59:59.000000001");
    assert.throws(() => LocalDate.parse("2024/01/01"), { code: "INVALID_ARGUMENT" });
    assert.throws(() => Instant.parse("2024-01-01T00:00:00"), { code: "INVALID_ARGUMENT" });
  });
});
