// The vectors Flink's own serializers made for the families of real jobs (GlobalWindow, POJO subclasses by name
// and by tag, Flink 2's Set and nullable collections), vendored from `npm run vectors:flink` by
// scripts/vendor-vectors.ts: each is read, compared with Flink's value as JSON and written back to Flink's bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ByteReader, ByteWriter, fromHex, parseTypeExpression, QueryableStateError, toHex, toJsonValue } from "../../mod.ts";

interface Vector {
  expression: string;
  bytes: string;
  json?: unknown;
  hashCode?: number;
  errorCode?: string;
  errorIncludes?: string;
}
interface File {
  meta: { flinkVersion: string };
  types: Vector[];
}

const fixture: { files: File[] } = JSON.parse(readFileSync(new URL("../fixtures/flink-vectors-real-jobs.json", import.meta.url), "utf8"));

/** JSON values equal: arrays in order, objects whatever their key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameJson((a as never)[k], (b as never)[k]));
}

describe("Flink's own bytes of the real jobs' families (vendored vectors)", () => {
  test("the fixture covers both Flink versions and every family", () => {
    assert.deepEqual(fixture.files.map((f) => f.meta.flinkVersion), ["1.20.5", "2.3.0"]);
    const all = fixture.files.flatMap((f) => f.types.map((v) => v.expression));
    for (const family of ["globalwindow", "#0{", "#1{", "RealTypes$Drawing", "set<string>", "nullablelist<", "nullablemap<", "nullableset<", "RealTypes$Order"]) {
      assert.ok(all.some((e) => e.includes(family)), family);
    }
    assert.ok(fixture.files.every((f) => f.types.some((v) => v.errorCode === "POJO_SUBCLASS")));
  });

  for (const file of fixture.files) {
    file.types.forEach((v, i) => {
      test(`Flink ${file.meta.flinkVersion} #${i}: ${v.expression.length > 90 ? `${v.expression.slice(0, 87)}...` : v.expression} ${v.bytes.slice(0, 24)}`, () => {
        const s = parseTypeExpression(v.expression);
        const bytes = fromHex(v.bytes);
        if (v.errorCode) {
          assert.throws(() => s.deserialize(new ByteReader(bytes)), (e: unknown) => {
            assert.ok(e instanceof QueryableStateError);
            assert.equal(e.code, v.errorCode);
            assert.ok(e.message.includes(v.errorIncludes!), e.message);
            return true;
          });
          return;
        }
        const r = new ByteReader(bytes);
        const value = s.deserialize(r);
        assert.equal(r.remaining, 0);
        const json = toJsonValue(value);
        assert.ok(sameJson(json, v.json), `${JSON.stringify(json)} is not Flink's ${JSON.stringify(v.json)}`);
        const w = new ByteWriter();
        s.serialize(value, w);
        assert.equal(toHex(w.view()), v.bytes);
        if (v.hashCode !== undefined) assert.equal(s.hashCode!(value), v.hashCode);
      });
    });
  }
});
