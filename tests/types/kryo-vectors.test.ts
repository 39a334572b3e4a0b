// Every kryo vector Flink's own KryoSerializer made (compat/flink, Flink 1.20.5 and 2.3.0), vendored in
// tests/fixtures/kryo-vectors.json (refresh: npm run vectors:flink, then npx tsx scripts/vendor-kryo-vectors.ts):
// read, compare as JSON, write back byte for byte, and Java's hashCode where the class has a value-based one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter, fromHex, KryoTyped, parseTypeExpression, toHex, toJsonValue } from "../../mod.ts";

interface KryoVector {
  description: string;
  expression: string;
  bytes: string;
  json?: unknown;
  javaClass?: string;
  hashCode?: number;
  flinkReadError?: string;
  errorCode?: string;
  errorIncludes?: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/kryo-vectors.json", import.meta.url), "utf8")) as Record<
  string,
  { meta: { flinkVersion: string }; kryo: KryoVector[] }
>;

/** JSON values equal: arrays in order, objects whatever their key order. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && jsonEqual((a as never)[k], (b as never)[k]));
}

for (const [name, { meta, kryo }] of Object.entries(fixture)) {
  describe(`kryo vectors of ${name} (Flink ${meta.flinkVersion})`, () => {
    test("the fixture covers every family", () => {
      assert.ok(kryo.length > 100);
      for (const family of ["Integer", "String", "BigDecimal", "UUID", "LocalDateTime", "ArrayList", "HashSet", "TreeMap",
        "Arrays.asList", "Collections.unmodifiableList", "List.of", "int[]", "enum", "user class", "POJO with Kryo fields"]) {
        assert.ok(kryo.some((e) => e.description.includes(family)), family);
      }
    });

    for (const e of kryo) {
      test(e.description, () => {
        const s = parseTypeExpression(e.expression);
        const bytes = fromHex(e.bytes);
        if (e.errorCode) {
          assert.throws(() => s.deserialize(new ByteReader(bytes)), (err: Error & { code: string }) =>
            err.code === e.errorCode && err.message.includes(e.errorIncludes!));
          return;
        }
        const r = new ByteReader(bytes);
        const v = s.deserialize(r);
        assert.equal(r.remaining, 0);
        const json = toJsonValue(v);
        assert.ok(jsonEqual(json, e.json), `${JSON.stringify(json)} is not ${JSON.stringify(e.json)}`);
        const typed = e.javaClass !== undefined && (v === null || typeof v !== "object") ? new KryoTyped(e.javaClass, v) : v;
        const w = new ByteWriter();
        s.serialize(typed, w);
        assert.equal(toHex(w.view()), e.bytes);
        if (e.hashCode !== undefined) assert.equal(s.hashCode!(typed), e.hashCode);
      });
    }
  });
}
