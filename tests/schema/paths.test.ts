// Where the files a checkpoint's metadata names are: relative paths resolved in the directory given, absolute ones
// mapped by their part below the writer's chk-N directory, and anything outside refused (SNAPSHOT_PATH).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SnapshotNotFoundError, SnapshotPathError } from "../../mod.ts";
import { localSnapshotFiles } from "../../src/schema/local-files.ts";
import { PathMapper } from "../../src/schema/paths.ts";

const file = (path: string) => ({ kind: "file", path, size: 10n }) as const;
const relative = (relativePath: string) => ({ kind: "relative", relativePath, size: 10n }) as const;
const pathOf = (m: PathMapper, h: Parameters<PathMapper["resolve"]>[0]) => {
  const r = m.resolve(h, "a state file");
  assert.equal(r.kind, "file");
  return r.kind === "file" ? r.path : "";
};
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof SnapshotPathError && e.code === "SNAPSHOT_PATH" && pattern.test(e.message));

/** The directory Flink keeps an incremental checkpoint's shared files in, beside chk-N (a checkpoint's own layout). */
const SHARED = "shared";

describe("PathMapper", () => {
  test("relative paths resolve in the checkpoint's directory; climbing out of the directory given is refused", () => {
    const m = new PathMapper("", 3n, "chk-3");
    assert.equal(pathOf(m, relative("0d8a-4f")), "0d8a-4f");
    assert.equal(pathOf(m, relative("./sub/../0d8a")), "0d8a");
    refused(() => m.resolve(relative(`../${SHARED}/x`), "f"), /climbs out of the directory given/);
    refused(() => m.resolve(relative("../../etc/passwd"), "f"), /outside the directory given/);
    refused(() => m.resolve(relative("/etc/passwd"), "f"), /empty or absolute/);
    refused(() => m.resolve(relative("file:/etc/passwd"), "f"), /empty or absolute/);
    refused(() => m.resolve(relative("."), "f"), /names the directory given itself/);
    // From a job's directory, a checkpoint's relative path may name its sibling shared/ files.
    const job = new PathMapper("chk-3", 3n, "chk-3");
    assert.equal(pathOf(job, relative(`../${SHARED}/x`)), `${SHARED}/x`);
    refused(() => job.resolve(relative("../../x"), "f"), /climbs out/);
  });

  test("absolute paths map by their part below the writer's chk-<id>, wherever the copy is", () => {
    const m = new PathMapper("", 42n, "copy-of-it");
    assert.equal(pathOf(m, file("file:/tmp/ck/379d0a/chk-42/1f2e")), "1f2e");
    assert.equal(m.writerDirectory, "file:/tmp/ck/379d0a/chk-42");
    assert.equal(pathOf(m, file("file:/tmp/ck/379d0a/chk-42/sub/3a")), "sub/3a");
    // Another checkpoint's directory, the job's shared files, another file system: outside.
    refused(() => m.resolve(file("file:/tmp/ck/379d0a/chk-41/1f2e"), "f"), /not in the checkpoint's directory/);
    refused(() => m.resolve(file("file:/tmp/ck/379d0a/shared/9a"), "f"), /give that directory \(the parent of chk-N\)/);
    refused(() => m.resolve(file("s3://bucket/ck/379d0a/chk-42/1f2e"), "f"), /outside the directory given/);
    refused(() => m.resolve(file("file:/tmp/ck/379d0a/chk-42/../../etc/passwd"), "f"), /'\.\.'/);
  });

  test("the writer's directory must be named chk-<id> or as the directory given", () => {
    refused(() => new PathMapper("", 42n, "mine").resolve(file("file:/etc/passwd"), "f"), /none of its directories is the checkpoint's own/);
    refused(() => new PathMapper("", 42n, undefined).resolve(file("/var/x/chk-41/a"), "f"), /chk-42/);
    // A savepoint (or a renamed copy) is recognised by the directory's own name.
    const sp = new PathMapper("", 7n, "savepoint-379d0a-5c2e8f1b9a3d");
    assert.equal(pathOf(sp, file("hdfs://nn:8020/sp/savepoint-379d0a-5c2e8f1b9a3d/ab")), "ab");
    refused(() => sp.resolve(file("hdfs://other:8020/sp/savepoint-379d0a-5c2e8f1b9a3d/ab"), "f"), /outside/);
  });

  test("given a job's checkpoint directory, its shared/ and taskowned/ files map too", () => {
    const m = new PathMapper("chk-5", 5n, "chk-5");
    assert.equal(pathOf(m, file("file:/ck/379d0a/chk-5/meta")), "chk-5/meta");
    assert.equal(pathOf(m, file("file:/ck/379d0a/shared/000012.sst")), "shared/000012.sst");
    const seg = m.resolve({ kind: "segment", path: "file:/ck/379d0a/taskowned/seg-1", start: 100n, size: 20n }, "a segment");
    assert.deepEqual(seg.kind === "file" ? [seg.path, seg.start, seg.size] : [], ["taskowned/seg-1", 100, 20]);
    refused(() => m.resolve(file("file:/ck/other-job/shared/1"), "f"), /outside/);
  });

  test("inline bytes need no file", () => {
    const r = new PathMapper("", 1n, undefined).resolve({ kind: "bytes", name: "x", data: new Uint8Array([1, 2]) }, "f");
    assert.deepEqual(r.kind === "bytes" ? [...r.data] : [], [1, 2]);
  });
});

describe("localSnapshotFiles", () => {
  test("reads ranges inside the directory; refuses '..', absolute paths and symbolic links that lead out", async () => {
    const base = mkdtempSync(join(tmpdir(), "qstate-snapshot-files-"));
    try {
      const dir = join(base, "chk-1");
      mkdirSync(dir);
      writeFileSync(join(dir, "state"), new Uint8Array([1, 2, 3, 4, 5]));
      writeFileSync(join(base, "outside"), "secret");
      symlinkSync(join(base, "outside"), join(dir, "link"));
      const files = await localSnapshotFiles(dir);
      assert.deepEqual([...await files.readRange!("state", 1, 3)], [2, 3]);
      assert.deepEqual([...await files.readRange!("state", 3, 100)], [4, 5]);
      assert.deepEqual([...await files.read("state")], [1, 2, 3, 4, 5]);
      assert.deepEqual((await files.list!("")).sort(), ["link", "state"]);
      for (const p of ["../outside", "/etc/passwd", "a//b"]) {
        await assert.rejects(files.read(p), (e: unknown) => e instanceof SnapshotPathError, p);
      }
      await assert.rejects(files.read("link"), (e: unknown) => e instanceof SnapshotPathError && /symbolic link/.test(e.message));
      await assert.rejects(files.read("missing"), (e: unknown) => e instanceof SnapshotNotFoundError);
      await assert.rejects(localSnapshotFiles(join(base, "no-such-dir")), (e: unknown) => e instanceof SnapshotNotFoundError);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
