import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  bigIntFromJavaBytes, bigIntToJavaBytes, Decimal, Instant, LocalDate, LocalDateTime, LocalTime, parseTypeExpression,
  pojoSerializer, longSerializer, stringSerializer, toHex, toJsonValue,
} from "../../mod.ts";
import { hex, read } from "../helpers/bytes.ts";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "none";
}

describe("Flink types (bytes as checked against Flink by npm run vectors:flink)", () => {
  test("Tuple0, nesting and Either", () => {
    assert.equal(hex(parseTypeExpression("tuple<>"), []), "2a");
    assert.equal(parseTypeExpression("tuple<>").hashCode!([]), 0);
    const nested = parseTypeExpression("tuple<int,tuple<string,long>>");
    assert.equal(hex(nested, [1, ["a", 2n]]), "00000001026100000000000000" + "02");
    const e = parseTypeExpression("either<string,long>");
    assert.deepEqual(read(e, hex(e, { right: 42n })), { right: 42n });
    assert.equal(hex(e, { left: "x" }), "010278");
  });

  test("rows: kind bits and null mask, positional and named", () => {
    const r = parseTypeExpression("row<id:long,name:string>");
    assert.equal(hex(r, { kind: "DELETE", fields: { id: 8n, name: null } }), "d00000000000000008");
    assert.deepEqual(read(r, "d00000000000000008"), { kind: "DELETE", fields: { id: 8n, name: null } });
    const p = parseTypeExpression("row<long,string>");
    assert.deepEqual(read(p, hex(p, { kind: "INSERT", fields: [1n, "a"] })), { kind: "INSERT", fields: [1n, "a"] });
    assert.equal(p.hashCode, undefined);
  });

  test("POJOs: alphabetical fields, nulls, subclass tag, key hash", () => {
    const s = parseTypeExpression("pojo<com.acme.Stats>{name:string,count:long}");
    assert.equal(hex(s, { count: 3n, name: null }), "02000000000000000003" + "01");
    assert.equal(hex(s, null), "01");
    assert.equal(read(s, "01"), null);
    const sub = "04" + "000f" + toHex(new TextEncoder().encode("com.acme.Subbed"));
    assert.throws(() => read(s, sub), (e: Error & { code: string }) => e.code === "POJO_SUBCLASS" && e.message.includes("com.acme.Subbed"));
    assert.equal(code(() => s.hashCode!({ count: 1n, name: "a" })), "MISSING_KEY_HASH");
    const keyed = pojoSerializer("com.acme.K", { id: longSerializer, n: stringSerializer }, { hashCode: (v) => Number(v.id) });
    assert.equal(keyed.hashCode!({ id: 5n, n: "x" }), 5);
  });

  test("enums and arrays are not keys", () => {
    for (const t of ["enum<RED,GREEN>", "long[]", "string[]", "array<long>", "boolean[]", "char[]"]) {
      assert.equal(parseTypeExpression(t).hashCode, undefined, t);
    }
    const e = parseTypeExpression("enum<RED,GREEN>");
    assert.equal(hex(e, "GREEN"), "00000001");
    assert.equal(code(() => read(e, "00000005")), "SERIALIZATION");
    assert.deepEqual(read(parseTypeExpression("long[]"), "00000001ffffffffffffffff"), new BigInt64Array([-1n]));
    assert.equal(read(parseTypeExpression("char[]"), "000000020061e9"+"00").length, 2);
  });

  test("BigInteger and BigDecimal", () => {
    const b = parseTypeExpression("biginteger");
    assert.equal(hex(b, 10n), "00000003");
    assert.equal(hex(b, -1n), "00000005ff");
    assert.equal(read(b, hex(b, -(2n ** 100n))), -(2n ** 100n));
    const d = parseTypeExpression("decimal");
    for (const t of ["1.50", "-12345678901234567890.123", "1E+3", "0.000001", "1E-7", "0.00"]) {
      assert.equal(String(read(d, hex(d, Decimal.parse(t)))), t);
    }
    assert.equal(hex(d, null), "00000000");
  });

  test("dates and times", () => {
    assert.equal(String(new LocalTime(12, 30)), "12:30");
    assert.equal(String(new LocalTime(1, 2, 3, 4000)), "01:02:03.000004");
    assert.equal(String(new LocalDate(-5, 12, 31)), "-0005-12-31");
    assert.equal(String(new Instant(-1n, 1)), "1969-12-31T23:59:59.000000001Z");
    const ldt = parseTypeExpression("localdatetime");
    const v = new LocalDateTime(new LocalDate(2024, 2, 29), new LocalTime(13, 45));
    assert.deepEqual(read(ldt, hex(ldt, v)), v);
    const ts = parseTypeExpression("timestamp");
    assert.equal(hex(ts, null), "8000000000000000" + "00000000");
    assert.deepEqual(read(parseTypeExpression("date"), hex(parseTypeExpression("date"), new Date(5))), new Date(5));
  });

  test("nullable, padded and not", () => {
    assert.equal(hex(parseTypeExpression("nullable<long>"), null), "01");
    assert.equal(hex(parseTypeExpression("nullable<long,padded>"), null), "010000000000000000");
    assert.equal(read(parseTypeExpression("nullable<long,padded>"), "000000000000000005"), 5n);
  });

  test("JSON conventions keep precision", () => {
    assert.deepEqual(toJsonValue({ a: 2n ** 63n - 1n, d: Decimal.parse("0.10"), b: new Uint8Array([1, 255]), x: NaN }),
      { a: "9223372036854775807", d: "0.10", b: "01ff", x: "NaN" });
    assert.deepEqual(toJsonValue(new Map([[1n, "a"]])), [["1", "a"]]);
    assert.equal(toJsonValue(new Date(0)), "1970-01-01T00:00:00Z");
  });

  test("type expression errors point at the position and list what is valid", () => {
    assert.throws(() => parseTypeExpression("tuple<lnog,string>"), (e: Error & { code: string; position: number; expected: string[] }) =>
      e.code === "TYPE_EXPRESSION" && e.position === 6 && e.expected.includes("long") && /position 6/.test(e.message));
    assert.throws(() => parseTypeExpression("map<string>"), { code: "TYPE_EXPRESSION" });
    assert.throws(() => parseTypeExpression("list<long"), (e: Error & { position: number }) => e.position === 9);
    assert.throws(() => parseTypeExpression("row<id:long,string>"), { code: "TYPE_EXPRESSION" });
    assert.throws(() => parseTypeExpression("generic<com.acme.Thing>"), (e: Error & { code: string }) =>
      e.code === "UNSUPPORTED_TYPE" && /Kryo/.test(e.message) && /kryo1/.test(e.message));
  });
});

describe("helpers the Avro entry shares with the main entry", () => {
  test("LocalDate.toEpochDay inverts ofEpochDay (proleptic Gregorian, before 1970 too)", () => {
    assert.equal(new LocalDate(1970, 1, 1).toEpochDay(), 0);
    assert.equal(new LocalDate(2024, 2, 29).toEpochDay(), 19782);
    assert.equal(new LocalDate(1969, 12, 31).toEpochDay(), -1);
    for (let d = -800_000; d <= 800_000; d += 997) assert.equal(LocalDate.ofEpochDay(d).toEpochDay(), d);
  });

  test("bigIntToJavaBytes / bigIntFromJavaBytes are Java's BigInteger.toByteArray and new BigInteger(bytes)", () => {
    const cases: [bigint, number[]][] = [[0n, [0]], [1n, [1]], [127n, [127]], [128n, [0, 128]], [255n, [0, 255]], [-1n, [255]], [-128n, [128]], [-129n, [255, 127]], [65536n, [1, 0, 0]]];
    for (const [v, bytes] of cases) {
      assert.deepEqual([...bigIntToJavaBytes(v)], bytes, String(v));
      assert.equal(bigIntFromJavaBytes(Uint8Array.from(bytes)), v);
    }
    assert.equal(bigIntFromJavaBytes(new Uint8Array(0)), 0n);
    const big = -(2n ** 130n) + 12345n;
    assert.equal(bigIntFromJavaBytes(bigIntToJavaBytes(big)), big);
  });
});
