// Flink's _metadata of real checkpoints and savepoints (tests/fixtures/snapshots): versions, operators, each subtask's
// keyed state handle kind as Flink 1.20 and 2.x write them, and where their files are.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { operatorIdOfUid } from "../../mod.ts";
import { readCheckpointMetadata } from "../../src/schema/metadata.ts";
import { PathMapper } from "../../src/schema/paths.ts";

const DIR = new URL("../fixtures/snapshots/", import.meta.url).pathname;

/** The kinds of the keyed state handles Flink wrote for each snapshot of the fixtures (the same in 1.20 and 2.x). */
const HANDLES: Record<string, string[]> = {
  "heap-checkpoint": ["key-groups/bytes", "key-groups/relative"],
  "heap-savepoint-canonical": ["key-groups(savepoint)/bytes", "key-groups(savepoint)/relative"],
  "rocksdb-checkpoint-full": ["incremental/relative"],
  "rocksdb-checkpoint-incremental": ["incremental/relative"],
  "rocksdb-savepoint-canonical": ["key-groups(savepoint)/relative"],
  "rocksdb-savepoint-native": ["incremental/relative"],
};

for (const version of readdirSync(DIR).sort()) {
  describe(`_metadata of Flink ${version}`, () => {
    const flink2 = version.startsWith("2.");
    for (const name of readdirSync(`${DIR}${version}`).filter((n) => !n.endsWith(".json")).sort()) {
      test(name, () => {
        const m = readCheckpointMetadata(readFileSync(`${DIR}${version}/${name}/_metadata`));
        assert.equal(m.version, flink2 ? 6 : 4);
        assert.equal(m.operators.length, 16);
        const perUser = m.operators.find((o) => o.operatorId === operatorIdOfUid("per-user"));
        assert.ok(perUser, "the per-user operator, by the id Flink derives from its uid");
        assert.deepEqual([perUser.name, perUser.uid], flink2 ? ["per-user", "per-user"] : [undefined, undefined]);
        assert.equal(perUser.maxParallelism, 128);
        const kinds = new Set<string>();
        for (const op of m.operators) {
          for (const s of op.subtasks) {
            const h = s.managedKeyed;
            if (h === null) continue;
            if (h.kind === "key-groups") kinds.add(`key-groups${h.savepoint ? "(savepoint)" : ""}/${h.stream?.kind}`);
            else if (h.kind === "incremental") kinds.add(`incremental/${h.metaData?.kind}`);
            else kinds.add(h.kind);
            assert.equal(s.rawKeyed, null);
          }
        }
        assert.deepEqual([...kinds].sort(), HANDLES[name].sort());
        // The incremental checkpoint's sst files are shared: absolute paths into the job's shared/ directory, which map
        // onto a job's directory given (never onto the checkpoint's own, whose reader never reads them).
        if (name === "rocksdb-checkpoint-incremental") {
          const shared = m.operators.flatMap((o) => o.subtasks.flatMap((s) => (s.managedKeyed?.kind === "incremental" ? s.managedKeyed.shared : [])));
          assert.ok(shared.length > 0);
          const job = new PathMapper(`chk-${m.checkpointId}`, m.checkpointId, `chk-${m.checkpointId}`);
          const own = new PathMapper("", m.checkpointId, undefined);
          for (const f of shared) {
            assert.equal(f.handle?.kind, "file");
            const r = job.resolve(f.handle!, "an sst file");
            assert.match(r.kind === "file" ? r.path : "", /^shared\/[0-9a-f-]{36}$/);
            assert.throws(() => own.resolve(f.handle!, "an sst file"), { code: "SNAPSHOT_PATH" });
          }
        }
      });
    }
  });
}

describe("operator ids from uids", () => {
  test("Guava's murmur3_128 of the uid, as Flink's StreamGraphHasherV2 derives it", () => {
    assert.equal(operatorIdOfUid("per-user"), "59227332c1ac82ca63c2f66fa9c4244f");
    assert.equal(operatorIdOfUid("hello"), "029bbd41b3a7d8cb191dae486a901e5b");
    assert.equal(operatorIdOfUid("The quick brown fox jumps over the lazy dog"), "6c1b07bc7bbc4be347939ac4a93c437a");
  });
});
