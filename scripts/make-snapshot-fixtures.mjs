#!/usr/bin/env node
// Makes the checkpoint and savepoint fixtures of tests/fixtures/snapshots/ (issue 22): real snapshots of the compat
// peer's job (compat/flink: CompatJob, TypesJob, RealJobStates) taken by Flink 1.20 and 2.x on heap and RocksDB, so
// `npm test` covers `qstate schema`'s reader without Java. Needs Java 17 and Maven; run it under the shared lock:
//
//   flock /work/wt/heavy.lock node --import tsx scripts/make-snapshot-fixtures.mjs
//
// Per Flink version it runs the peer's cluster four times (a heap job; a heap job without the states a canonical heap
// savepoint fails on; RocksDB with full and with incremental checkpoints), each at parallelism 1 (2 for Flink 1.20's
// heap job, whose queryable states never register at parallelism 1) and with state inlined in _metadata below
// 20 KiB (0 on RocksDB, so the meta-data files are files). Of each snapshot it keeps _metadata and the files
// readStateSchemas reads (the sst files of RocksDB snapshots are not read and are left out), and it writes
// <version>/job.json: the states the job declares (name, kind, our type expressions), the queryable names, and per
// snapshot the states left out of its job.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { build, startCluster, VERSIONS } from "../compat/harness/peer.mjs";
import { killAll } from "../compat/harness/processes.mjs";
import { localSnapshotFiles } from "../src/schema/local-files.ts";
import { readStateSchemas } from "../src/schema/read-schemas.ts";

const OUT = new URL("../tests/fixtures/snapshots/", import.meta.url).pathname;
const HEAP_CANONICAL_FAILS = ["t-row", "t-map-state", "t-odd-keys", "t-kryo-map"];
const RUNS = [
  // (A heap native savepoint is laid out as a heap checkpoint: not kept.)
  { backend: "heap", take: { checkpoint: "heap-checkpoint" } },
  { backend: "heap", omitStates: HEAP_CANONICAL_FAILS, take: { canonical: "heap-savepoint-canonical" } },
  { backend: "rocksdb", incremental: false, inlineThreshold: "0", take: { checkpoint: "rocksdb-checkpoint-full", canonical: "rocksdb-savepoint-canonical" } },
  { backend: "rocksdb", incremental: true, inlineThreshold: "0", take: { checkpoint: "rocksdb-checkpoint-incremental", native: "rocksdb-savepoint-native" } },
];

/** Copies `_metadata` and the files readStateSchemas reads from `from` to `to`. */
async function copyRead(from, to) {
  const local = await localSnapshotFiles(from);
  const read = new Set(["_metadata"]);
  const recording = {
    description: from,
    read: (p) => (read.add(p), local.read(p)),
    readRange: (p, s, e) => (read.add(p), local.readRange(p, s, e)),
    list: local.list,
  };
  await readStateSchemas(recording);
  rmSync(to, { recursive: true, force: true });
  for (const p of read) {
    mkdirSync(dirname(join(to, p)), { recursive: true });
    cpSync(join(from, p), join(to, p));
  }
  return read.size;
}

const work = mkdtempSync(join(tmpdir(), "qstate-snapshot-fixtures-"));
try {
  for (const v of VERSIONS) {
    console.log(`=== Flink ${v.version}: building the peer`);
    await build(v);
    const job = { flinkVersion: v.version, queryableNames: undefined, states: [], snapshots: {} };
    for (const [i, run] of RUNS.entries()) {
      const dir = join(work, `${v.version}-${i}`);
      const parallelism = v.version.startsWith("1.") && run.backend === "heap" ? 2 : 1;
      const c = await startCluster(v.version, run.backend, { snapshots: dir, incremental: run.incremental, inlineThreshold: run.inlineThreshold, omitStates: run.omitStates, parallelism });
      c.stop();
      if (i === 0) {
        job.queryableNames = c.queryableNames;
        job.states = [...c.states, ...c.types.states].map(({ entries: _e, avroSchemas: _a, ...s }) => s);
      }
      for (const s of c.snapshots) {
        const name = run.take[s.kind === "checkpoint" ? "checkpoint" : s.format];
        if (!name) continue;
        const n = await copyRead(s.path, join(OUT, v.version, name));
        job.snapshots[name] = { kind: s.kind, format: s.format, backend: run.backend, parallelism, omittedStates: run.omitStates ?? [] };
        console.log(`${v.version}/${name}: ${n} file(s) from ${s.path}`);
      }
    }
    writeFileSync(join(OUT, v.version, "job.json"), JSON.stringify(job, null, 2) + "\n");
  }
} finally {
  killAll();
  rmSync(work, { recursive: true, force: true });
}
