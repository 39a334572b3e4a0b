// Real checkpoints and savepoints (tests/fixtures/snapshots, made by scripts/make-snapshot-fixtures.mjs from the compat
// job on Flink 1.20.5 and 2.3.0; heap and RocksDB; full, incremental, native and canonical): readStateSchemas finds every
// state the job declares, with its kind and the types the job gave it, and a catalog that StateCatalog accepts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { type CatalogType, readStateSchemas, StateCatalog } from "../../mod.ts";
import { canonicalType } from "../helpers/canonical-type.ts";

const DIR = new URL("../fixtures/snapshots/", import.meta.url).pathname;

interface Declared { name: string; kind: string; keyType: string; valueType: string; namespaceType?: string }
interface Job {
  flinkVersion: string;
  queryableNames: Record<string, string>;
  states: Declared[];
  snapshots: Record<string, { kind: string; format: string; backend: string; parallelism: number; omittedStates: string[] }>;
}

/**
 * `ours` (from the snapshot) reads what `declared` reads. A POJO type's subclasses that are not registered may be
 * missing from a heap snapshot: Flink lists them once its serializer has written one, and heap state is written only
 * by the snapshot (such a subclass then fails to read with POJO_SUBCLASS, naming the class to add).
 */
function sameType(ours: string, declared: string, backend: string, what: string): void {
  if (canonicalType(ours) === canonicalType(declared)) return;
  assert.equal(backend, "heap", `${what}: ${ours} is not ${declared}`);
  assert.equal(canonicalType(ours, { untaggedSubclasses: false }), canonicalType(declared, { untaggedSubclasses: false }), what);
}

const expr = (t: CatalogType | undefined, what: string): string => {
  assert.equal(typeof t, "string", `${what} is unmapped: ${JSON.stringify(t)}`);
  return t as string;
};

/** A map state's declared `map<K,V>` split at its top-level comma. */
function mapParts(t: string): [string, string] {
  const inner = t.slice(4, -1);
  let depth = 0;
  for (let i = 0; i < inner.length; i++) {
    if ("<{".includes(inner[i])) depth++;
    else if (">}".includes(inner[i])) depth--;
    else if (inner[i] === "," && depth === 0) return [inner.slice(0, i), inner.slice(i + 1)];
  }
  throw new Error(t);
}

for (const version of readdirSync(DIR).sort()) {
  const job: Job = JSON.parse(readFileSync(`${DIR}${version}/job.json`, "utf8"));
  describe(`snapshots of Flink ${version}`, () => {
    for (const [name, snap] of Object.entries(job.snapshots)) {
      test(`${name}: every declared state with its kind and types`, async () => {
        const r = await readStateSchemas(`${DIR}${version}/${name}`, { queryableNames: job.queryableNames, uids: ["per-user"], jobName: "compat" });
        assert.equal(r.snapshot.metadataVersion, version.startsWith("1.") ? 4 : 6);
        assert.equal(r.snapshot.kind, snap.kind);
        if (snap.kind === "savepoint") assert.equal(r.snapshot.format, snap.format);
        const catalog = StateCatalog.parse(r.catalog);
        const entries = catalog.entries(catalog.jobs[0]);
        assert.equal(catalog.jobs[0].source?.flinkVersion, version.startsWith("1.") ? "1.x" : "2.x");
        for (const d of job.states) {
          if (snap.omittedStates.includes(d.name)) continue;
          const e = catalog.find("compat", d.name);
          const s = e.state;
          const what = `${name} ${d.name}`;
          assert.equal(s.kind, d.kind, what);
          assert.equal(s.maxParallelism, 128, what);
          sameType(expr(s.key, `${what} key`), d.keyType, snap.backend, `${what} key`);
          assert.equal(s.namespace ?? "void", d.namespaceType ?? "void", `${what} namespace`);
          if (d.kind === "map") {
            const [k, v] = mapParts(d.valueType);
            sameType(expr(s.userKey, `${what} map key`), k, snap.backend, `${what} map key`);
            sameType(expr(s.value, `${what} value`), v, snap.backend, `${what} value`);
          } else {
            sameType(expr(s.value, `${what} value`), d.valueType, snap.backend, `${what} value`);
          }
        }
        // Kryo states name their declared class; Avro states carry their schemas; the per-user operator is named
        // (by Flink 2.x's metadata, by its uid on 1.x); the descriptor names of CompatJob's states became queryable names.
        const flink1 = version.startsWith("1.");
        const k = flink1 ? "kryo1" : "kryo";
        assert.equal(catalog.find("compat", "t-kryo-list").state.value, `${k}<java.time.LocalDateTime>`);
        assert.equal(catalog.find("compat", "t-string-by-uuid").state.key, `${k}<java.util.UUID>`);
        assert.equal(catalog.find("compat", "t-avro").state.value, "avro:dev.qstate.avro.User");
        assert.equal((r.catalog.avroSchemas?.["dev.qstate.avro.User"] as { name: string }).name, "User");
        const value = catalog.find("compat", "value");
        assert.equal(value.state.name, "last");
        assert.equal(value.state.operator, "per-user");
        assert.equal(value.state.operatorId, "59227332c1ac82ca63c2f66fa9c4244f");
        // States of the same name in several operators ("count" of every types operator) are qualified.
        assert.ok(entries.some((x) => x.state.name === "types-user/count" || x.state.name.endsWith("/count")));
        assert.equal(new Set(entries.map((x) => x.state.name)).size, entries.length);
        assert.match(r.notes.join("\n"), /KryoTypes\$Event is written by Kryo's FieldSerializer/);
      });
    }
  });
}
