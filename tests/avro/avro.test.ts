// The Avro entry (queryable-state/avro): flink-avro's AvroSerializer for generic records, its errors, and the
// CLI's avro:FILE type expressions. Flink's own bytes are checked by `npm run vectors:flink` (category avro).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { AvroDecodeError, AvroSchemaError, avroSerializer } from "../../avro.ts";
import {
  Decimal, detectRuntime, Instant, LocalCluster, LocalDate, LocalDateTime, LocalTime,
  parseTypeExpression, QueryableStateClient, stringSerializer, toJsonValue, type TypeSerializer, valueState,
} from "../../mod.ts";
import { hex, read } from "../helpers/bytes.ts";
import { runGet } from "../../src/cli/get.ts";

function roundTrip<T>(s: TypeSerializer<T>, v: T): T {
  return read(s, hex(s, v));
}
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "none";
}

const record = (fields: unknown[], name = "R") => ({ type: "record", name, fields });

describe("avroSerializer: Flink's encoding of generic records", () => {
  test("primitives are Java DataOutput's: big-endian, int32 string lengths (not Avro's varints)", () => {
    const s = avroSerializer(record([
      { name: "n", type: "null" }, { name: "b", type: "boolean" }, { name: "i", type: "int" }, { name: "l", type: "long" },
      { name: "f", type: "float" }, { name: "d", type: "double" }, { name: "bytes", type: "bytes" }, { name: "s", type: "string" },
    ]));
    const v = { n: null, b: true, i: -2, l: 1n << 60n, f: 0.5, d: -0.25, bytes: new Uint8Array([1, 255]), s: "é" };
    assert.equal(hex(s, v), "01" + "fffffffe" + "1000000000000000" + "3f000000" + "bfd0000000000000" + "0000000201ff" + "00000002c3a9");
    assert.deepEqual(roundTrip(s, v), v);
    assert.equal(s.name, "AvroSerializer");
    assert.equal(s.length, -1);
    assert.equal(s.hashCode, undefined, "generic records are not keys");
  });

  test("longs stay exact as bigint; safe-integer numbers are accepted when writing", () => {
    const s = avroSerializer(record([{ name: "l", type: "long" }]));
    assert.deepEqual(roundTrip(s, { l: 9007199254740993n }), { l: 9007199254740993n });
    assert.deepEqual(roundTrip(s, { l: 5 } as never), { l: 5n });
    assert.equal(code(() => hex(s, { l: 2n ** 63n })), "INVALID_ARGUMENT");
    assert.equal(code(() => hex(s, { l: 0.5 } as never)), "INVALID_ARGUMENT");
  });

  test("unions: index as int32; null and one type is the value, others are { branch: value }", () => {
    const s = avroSerializer(record([
      { name: "a", type: ["null", "string"] }, { name: "b", type: ["long", "null"] },
      { name: "c", type: ["null", "long", { type: "enum", name: "x.Suit", symbols: ["H", "S"] }] },
    ]));
    assert.equal(hex(s, { a: null, b: null, c: null }), "00000000" + "00000001" + "00000000");
    assert.equal(hex(s, { a: "z", b: 3n, c: { long: 4n } }), "00000001000000017a" + "000000000000000000000003" + "000000010000000000000004");
    assert.deepEqual(roundTrip(s, { a: "z", b: 3n, c: { "x.Suit": "S" } }), { a: "z", b: 3n, c: { "x.Suit": "S" } });
    // A branch may be named without its namespace when that is unambiguous.
    assert.deepEqual(roundTrip(s, { a: null, b: 1n, c: { Suit: "H" } }), { a: null, b: 1n, c: { "x.Suit": "H" } });
    assert.equal(code(() => hex(s, { a: null, b: null, c: 4n })), "INVALID_ARGUMENT");
    assert.equal(code(() => read(s, "00000002")), "AVRO_DECODE");
  });

  test("arrays and maps: unsigned varint block counts, then 0; maps read as Map", () => {
    const s = avroSerializer(record([
      { name: "xs", type: { type: "array", items: "int" } }, { name: "m", type: { type: "map", values: "long" } },
    ]));
    const xs = Array.from({ length: 200 }, (_, i) => i);
    const bytes = hex(s, { xs, m: new Map([["k", 1n]]) });
    assert.ok(bytes.startsWith("c801" + "00000000"), "200 = c8 01, not zig-zag");
    assert.ok(bytes.endsWith("00" + "01" + "000000016b" + "0000000000000001" + "00"));
    assert.deepEqual(roundTrip(s, { xs: [], m: { a: 2n } } as never), { xs: [], m: new Map([["a", 2n]]) });
    assert.equal(hex(s, { xs: [], m: new Map() }), "0000");
    // Several blocks read as one array (Flink writes one block, Avro allows more).
    assert.deepEqual((read(s, "01" + "00000001" + "02" + "00000002" + "00000003" + "00" + "00") as { xs: number[] }).xs, [1, 2, 3]);
    // A count the bytes cannot hold is refused before anything is allocated.
    assert.equal(code(() => read(s, "ffffffff0f")), "AVRO_DECODE");
  });

  test("enums, fixed, nested and recursive records, a __proto__ field", () => {
    const s = avroSerializer({
      type: "record", name: "Node", fields: [
        { name: "suit", type: { type: "enum", name: "Suit", symbols: ["H", "S"] } },
        { name: "id", type: { type: "fixed", name: "Id", size: 2 } },
        { name: "next", type: ["null", "Node"] },
        { name: "__proto__", type: "int" },
      ],
    });
    const v = JSON.parse('{"suit":"S","id":null,"next":null,"__proto__":7}');
    v.id = new Uint8Array([1, 2]);
    v.next = JSON.parse('{"suit":"H","id":null,"next":null,"__proto__":8}');
    v.next.id = new Uint8Array([3, 4]);
    assert.equal(hex(s, v), "00000001" + "0102" + "00000001" + "00000000" + "0304" + "00000000" + "00000008" + "00000007");
    const back = roundTrip(s, v) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, 7);
    assert.equal(code(() => hex(s, { ...v, suit: "X" })), "INVALID_ARGUMENT");
    assert.equal(code(() => hex(s, { ...v, id: new Uint8Array(3) })), "INVALID_ARGUMENT");
    assert.equal(code(() => read(s, "00000009")), "AVRO_DECODE");
  });

  test("a missing field is an error unless it is nullable", () => {
    const s = avroSerializer(record([{ name: "a", type: ["null", "int"] }, { name: "b", type: "int" }]));
    assert.equal(hex(s, { b: 1 } as never), "00000000" + "00000001");
    assert.match(String((() => {
      try {
        hex(s, { a: 1 } as never);
      } catch (e) {
        return (e as Error).message;
      }
    })()), /\$\.b should be set/);
  });

  test("logical types as Decimal, LocalDate, LocalTime, Instant, LocalDateTime (or raw with logicalTypes: false)", () => {
    const schema = record([
      { name: "price", type: { type: "bytes", logicalType: "decimal", precision: 9, scale: 2 } },
      { name: "wide", type: { type: "fixed", name: "D8", size: 8, logicalType: "decimal", precision: 18, scale: 4 } },
      { name: "day", type: { type: "int", logicalType: "date" } },
      { name: "t", type: { type: "int", logicalType: "time-millis" } },
      { name: "tu", type: { type: "long", logicalType: "time-micros" } },
      { name: "ts", type: { type: "long", logicalType: "timestamp-millis" } },
      { name: "tsu", type: { type: "long", logicalType: "timestamp-micros" } },
      { name: "lts", type: { type: "long", logicalType: "local-timestamp-millis" } },
      { name: "id", type: { type: "string", logicalType: "uuid" } },
    ]);
    const s = avroSerializer(schema);
    const v = {
      price: Decimal.parse("-1.05"), wide: Decimal.parse("-0.0001"), day: LocalDate.ofEpochDay(-1), t: new LocalTime(13, 45, 7, 123_000_000),
      tu: new LocalTime(0, 0, 0, 1000), ts: Instant.ofEpochMilli(-1n), tsu: new Instant(-1n, 999_999_000),
      lts: new LocalDateTime(new LocalDate(2024, 2, 29), new LocalTime(12, 0)), id: "123e4567-e89b-12d3-a456-426614174000",
    };
    const b = hex(s, v);
    assert.ok(b.startsWith("0000000197" + "ffffffffffffffff" + "ffffffff"), b);
    assert.deepEqual(toJsonValue(read(s, b)), {
      price: "-1.05", wide: "-0.0001", day: "1969-12-31", t: "13:45:07.123", tu: "00:00:00.000001",
      ts: "1969-12-31T23:59:59.999Z", tsu: "1969-12-31T23:59:59.999999Z", lts: "2024-02-29T12:00", id: v.id,
    });
    const raw = avroSerializer(schema, { logicalTypes: false });
    const r = read(raw, b) as Record<string, unknown>;
    assert.deepEqual(r.price, new Uint8Array([0x97]));
    assert.equal(r.day, -1);
    assert.equal(r.ts, -1n);
    assert.equal(code(() => hex(s, { ...v, price: Decimal.parse("1.5") })), "INVALID_ARGUMENT", "scale must match");
    assert.equal(code(() => hex(s, { ...v, ts: new Instant(0n, 1) })), "INVALID_ARGUMENT", "not whole millis");
    // An invalid logical type is ignored, as Java's Avro does: the underlying type.
    const bad = avroSerializer(record([{ name: "d", type: { type: "bytes", logicalType: "decimal", precision: 2, scale: 5 } }]));
    assert.deepEqual(roundTrip(bad, { d: new Uint8Array([1]) }), { d: new Uint8Array([1]) });
  });

  test("a lone surrogate is written as Java writes it ('?'); truncated bytes are TRUNCATED_INPUT", () => {
    const s = avroSerializer(record([{ name: "s", type: "string" }]));
    assert.equal(hex(s, { s: "a\ud800" }), "00000002613f");
    assert.equal(code(() => read(s, "0000000561")), "TRUNCATED_INPUT");
    assert.equal(code(() => read(s, "ffffffff")), "AVRO_DECODE");
  });

  test("schemas: JSON text or parsed, primitive schemas; invalid ones are AVRO_SCHEMA", () => {
    assert.equal(hex(avroSerializer('"long"'), 1n), "0000000000000001");
    assert.equal(hex(avroSerializer(["null", "int"]), 3), "0000000100000003");
    assert.match(avroSerializer("  " + JSON.stringify(record([{ name: "a", type: "int" }]))).schema, /"name":"R"/);
    for (const bad of ["{not json", '{"type":"record","name":"R"}', '{"type":"nope"}', record([{ name: "a", type: "Missing" }])]) {
      assert.equal(code(() => avroSerializer(bad as never)), "AVRO_SCHEMA", JSON.stringify(bad));
      assert.ok((() => {
        try {
          avroSerializer(bad as never);
        } catch (e) {
          return e instanceof AvroSchemaError;
        }
      })());
    }
    assert.ok(new AvroDecodeError("$.x", "p") instanceof Error);
  });
});

describe("avro:FILE type expressions", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "qs-avro-"));
    writeFileSync(join(dir, "user.avsc"), JSON.stringify(record([{ name: "id", type: "long" }, { name: "name", type: "string" }], "User")));
    writeFileSync(join(dir, "bad.avsc"), "{\"type\": \"record\"}");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the parser takes avro:FILE only with a resolver, also nested", () => {
    assert.equal(code(() => parseTypeExpression("avro:user.avsc")), "UNSUPPORTED_TYPE");
    const user = avroSerializer(record([{ name: "id", type: "long" }], "User"));
    const seen: string[] = [];
    const list = parseTypeExpression("list<avro: a/b-c.avsc >", { avro: (f) => (seen.push(f), user) });
    assert.deepEqual(seen, ["a/b-c.avsc"]);
    assert.equal(hex(list, [{ id: 1n }]), "00000001" + "0000000000000001");
    assert.equal(code(() => parseTypeExpression("avro:", { avro: () => user })), "TYPE_EXPRESSION");
  });

  test("qstate get --value-type avro:FILE against a LocalCluster, key refused", async () => {
    const file = join(dir, "user.avsc");
    const users = valueState("users", avroSerializer(record([{ name: "id", type: "long" }, { name: "name", type: "string" }], "User")), { queryable: "users" });
    await using cluster = await LocalCluster.start({ taskManagers: 1 });
    const job = cluster.submit({
      sources: [[{ id: 1n, name: "ada" }, { id: 9007199254740993n, name: "bob" }]],
      keyBy: (e: { id: bigint; name: string }) => e.name,
      keyType: stringSerializer,
      steps: [{ name: "keep", states: [users], process: (e, ctx) => ctx.state(users).update(e) }],
    });
    await job.sourcesDone;
    const { hostname, port } = cluster.proxyAddresses[0];
    const proxy = `${hostname}:${port}`;
    // The library path first, then the CLI's.
    await using client = new QueryableStateClient(hostname, port);
    assert.deepEqual((await client.getKvState(job.jobId, "users", "bob", stringSerializer, users)).value(), { id: 9007199254740993n, name: "bob" });
    const base = { proxy, job: job.jobId.toString(), state: "users", keyType: "string", kind: "value", mapKeyType: "string", timeoutMs: 5000 };
    const got = await runGet({ ...base, key: "bob", valueType: `avro:${file}` });
    assert.deepEqual(toJsonValue(got), { id: "9007199254740993", name: "bob" });
    await assert.rejects(runGet({ ...base, key: "bob", keyType: `avro:${file}`, valueType: "long" }), /Avro records as keys are not supported/);
    await assert.rejects(runGet({ ...base, key: "bob", valueType: `avro:${join(dir, "missing.avsc")}` }), { code: "INVALID_ARGUMENT" });
    await assert.rejects(runGet({ ...base, key: "bob", valueType: `avro:${join(dir, "bad.avsc")}` }), { code: "AVRO_SCHEMA" });

    // The qstate command itself, with --json.
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const main = `${root}src/cli/main.ts`;
    const runtime = detectRuntime();
    const [cmd, args] = runtime === "deno"
      ? [`${root}node_modules/.bin/deno`, ["run", "-A", "--no-check", main]]
      : runtime === "bun"
      ? [`${root}node_modules/.bin/bun`, [main]]
      : ["node", ["--import", "tsx", main]];
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(cmd, [...args, "get", "--proxy", proxy, "--job", job.jobId.toString(), "--state", "users", "--key", "ada", "--key-type", "string", "--value-type", `avro:${file}`, "--json"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "", stderr = "";
      child.stdout!.on("data", (d) => (stdout += d));
      child.stderr!.on("data", (d) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(out.stdout), { value: { id: "1", name: "ada" } });
  });
});
