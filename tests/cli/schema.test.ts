// `qstate schema DIR`: a checkpoint's states as a table or as catalog JSON (on the runtime running this test), and its
// mistakes: no DIR (exit 2), a directory without _metadata (exit 1, SNAPSHOT_NOT_FOUND), ambiguous queryable names.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StateCatalog } from "../../mod.ts";
import { root, run, runtime } from "../helpers/cli.ts";

const SNAPSHOT = `${root}tests/fixtures/snapshots/2.3.0/rocksdb-savepoint-canonical`;
const NAMES = "last=value,values=list,categories=map,sum=reducing,max=aggregating";

describe(`qstate schema, on ${runtime}`, () => {
  test("a table per operator: states, kinds, type expressions; notes on stderr", async () => {
    const r = await run(["schema", SNAPSHOT, "--queryable-names", NAMES]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^job rocksdb-savepoint-canonical: savepoint \(canonical\) 5, Flink 2\.x, \d+ keyed state\(s\)/);
    assert.match(r.stdout, /\nper-user \(59227332c1ac82ca63c2f66fa9c4244f\)\n {2}state +kind +key +namespace +value\n/);
    assert.match(r.stdout, /\n {2}categories \(queryable as map\) +map +string +string -> long\n/);
    assert.match(r.stdout, /\n {2}window-sum +value +string +timewindow +long\n/);
    assert.match(r.stderr, /^note: Timer states/m);
  });

  test("--json: a catalog qstate get --catalog reads, the queryable names set", async () => {
    const r = await run(["schema", `${SNAPSHOT}/_metadata`, "--json", "--job-name", "compat", "--queryable-names", NAMES]);
    assert.equal(r.code, 0, r.stderr);
    const catalog = StateCatalog.parse(r.stdout);
    const e = catalog.find("compat", "aggregating");
    assert.deepEqual([e.state.name, e.state.kind, e.state.key, e.state.value], ["max", "aggregating", "string", "long"]);
    assert.equal(catalog.jobs[0].source?.kind, "savepoint");
  });

  test("mistakes: no DIR, no _metadata, a name several operators have, a bad --job-id", async () => {
    const none = await run(["schema", "--json"]);
    assert.equal(none.code, 2);
    assert.equal(JSON.parse(none.stdout).error.code, "USAGE");
    const empty = await run(["schema", `${root}tests/fixtures/snapshots`, "--json"]);
    assert.equal(empty.code, 1);
    assert.deepEqual(Object.keys(JSON.parse(empty.stdout).error), ["code", "message"]);
    assert.equal(JSON.parse(empty.stdout).error.code, "SNAPSHOT_NOT_FOUND");
    const ambiguous = await run(["schema", SNAPSHOT, "--queryable-names", "count=c"]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /--queryable-names: "count" names states of several operators: qualify it as "[\w-]+\/count"/);
    const id = await run(["schema", SNAPSHOT, "--job-id", "xyz"]);
    assert.equal(id.code, 2);
    const help = await run(["schema", "--help"]);
    assert.match(help.stdout, /Usage: qstate schema DIR \[flags\]/);
  });
});
