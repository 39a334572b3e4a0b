// Hostile and broken snapshots: truncated and corrupted metadata and state files fail with a typed error
// (SNAPSHOT_FORMAT, or SNAPSHOT_PATH / SNAPSHOT_NOT_FOUND where a corrupted path leads), never a crash or a hang; paths
// that lead out of the directory given are refused before anything is read there.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { QueryableStateError, readStateSchemas, SnapshotFormatError, SnapshotPathError } from "../../mod.ts";
import { readKeyedBackendProxy } from "../../src/schema/backend-proxy.ts";
import { readCheckpointMetadata } from "../../src/schema/metadata.ts";
import { JavaOut, list, memoryFiles, metadata, proxy, simple } from "../helpers/snapshot-bytes.ts";

const FIXTURE = new URL("../fixtures/snapshots/2.3.0/rocksdb-checkpoint-incremental/", import.meta.url).pathname;
const meta = readFileSync(`${FIXTURE}_metadata`);
const firstStateFile = (() => {
  const m = readCheckpointMetadata(meta);
  for (const op of m.operators) {
    for (const s of op.subtasks) {
      const h = s.managedKeyed;
      if (h?.kind === "incremental" && h.metaData?.kind === "relative") return h.metaData.relativePath;
    }
  }
  throw new Error("no state file in the fixture");
})();

/** A deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPED = new Set(["SNAPSHOT_FORMAT", "SNAPSHOT_PATH", "SNAPSHOT_NOT_FOUND"]);
const typed = (e: unknown) => e instanceof QueryableStateError && TYPED.has(e.code);

describe("hostile snapshots", () => {
  test("_metadata cut anywhere before its properties fails with SNAPSHOT_FORMAT naming the file and offset", () => {
    const trailer = readCheckpointMetadata(meta).trailer.length;
    const end = meta.length - trailer;
    const cuts = [...Array.from({ length: 300 }, (_, i) => i), ...Array.from({ length: Math.floor(end / 61) }, (_, i) => 300 + i * 61)]
      .filter((n) => n < end);
    for (const n of cuts) {
      assert.throws(() => readCheckpointMetadata(meta.subarray(0, n)), (e: unknown) =>
        e instanceof SnapshotFormatError && e.file === "_metadata" && e.offset <= n, `cut at ${n}`);
    }
  });

  test("a state file cut inside its serialization proxy fails with SNAPSHOT_FORMAT; after it, nothing more is read", async () => {
    const bytes = readFileSync(`${FIXTURE}${firstStateFile}`);
    const end = readKeyedBackendProxy(bytes, "x").end;
    for (const n of [0, 3, 4, 5, 40, Math.floor(end / 2), end - 1]) {
      const { files } = memoryFiles({ _metadata: meta, [firstStateFile]: bytes.subarray(0, n), ...others() });
      await assert.rejects(readStateSchemas(files), (e: unknown) => e instanceof SnapshotFormatError && e.file.includes(firstStateFile), `cut at ${n}`);
    }
  });

  test("corrupted bytes (500 seeded variants of _metadata and a state file): a result or a typed error, never another", async () => {
    const state = readFileSync(`${FIXTURE}${firstStateFile}`);
    const next = random(22);
    for (let i = 0; i < 500; i++) {
      const m = Uint8Array.from(meta), s = Uint8Array.from(state);
      const target = i % 2 === 0 ? m : s;
      for (let k = 0, n = 1 + Math.floor(next() * 4); k < n; k++) target[Math.floor(next() * target.length)] = Math.floor(next() * 256);
      const { files } = memoryFiles({ _metadata: m, [firstStateFile]: s, ...others() });
      try {
        await readStateSchemas(files);
      } catch (e) {
        assert.ok(typed(e) || (e instanceof QueryableStateError && e.code === "CATALOG"), `variant ${i}: ${(e as Error)?.stack}`);
      }
    }
  });

  test("absurd counts fail at once instead of looping or allocating", () => {
    const o = new JavaOut().int(0x4960672d).int(6).long(1n).int(0).int(0x7fffffff);
    assert.throws(() => readCheckpointMetadata(o.bytes()), (e: unknown) => e instanceof SnapshotFormatError && /number of operator states is 2147483647/.test(e.message));
    const p = new JavaOut().int(6).bool(false).int(2).utf("org.apache.flink.api.common.typeutils.base.LongSerializer$LongSerializerSnapshot").int(3).short(-5);
    assert.throws(() => readKeyedBackendProxy(p.bytes(), "x"), (e: unknown) => e instanceof SnapshotFormatError && /number of states is -5/.test(e.message));
    const wrong = new JavaOut().int(0x12345678).bytes();
    assert.throws(() => readCheckpointMetadata(wrong), /not a Flink checkpoint metadata file: it starts with 12345678/);
    assert.throws(() => readCheckpointMetadata(new JavaOut().int(0x4960672d).int(99).bytes()), /metadata version 99 is not one this library reads/);
  });

  test("paths that lead out of the directory given are refused before anything is read there", async () => {
    const state = proxy(simple("String"), [{ name: "s", kind: "LIST", value: list(simple("Long")) }]);
    for (const h of [{ kind: "relative", path: "../../etc/passwd" }, { kind: "relative", path: "../x" }, { kind: "file", path: "file:/etc/passwd" }, {
      kind: "file",
      path: "file:/tmp/ck/job/chk-6/x",
    }] as const) {
      const { files, asked } = memoryFiles({ _metadata: metadata([{ id: "00".repeat(16), subtasks: [h] }]), x: state, "../x": state });
      await assert.rejects(readStateSchemas(files), (e: unknown) => e instanceof SnapshotPathError, JSON.stringify(h));
      assert.deepEqual(asked, ["_metadata"], JSON.stringify(h));
    }
  });
});

/** The fixture's other files, as they are. */
function others(): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const m = readCheckpointMetadata(meta);
  for (const op of m.operators) {
    for (const s of op.subtasks) {
      const h = s.managedKeyed;
      if (h?.kind === "incremental" && h.metaData?.kind === "relative" && h.metaData.relativePath !== firstStateFile) {
        out[h.metaData.relativePath] = readFileSync(`${FIXTURE}${h.metaData.relativePath}`);
      }
    }
  }
  return out;
}
