/**
 * {@link SnapshotFiles} over a local directory (`node:fs/promises`, which Node, Deno and Bun all have). Every path is
 * resolved under the directory and checked again after symbolic links are followed: nothing outside it is read, not
 * even through a link.
 */
import { open, readdir, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { SnapshotNotFoundError, SnapshotPathError } from "./errors.ts";
import type { SnapshotFiles } from "./files.ts";

/**
 * The files under `dir` on the local filesystem.
 * @throws SnapshotNotFoundError (`SNAPSHOT_NOT_FOUND`) when `dir` is not a directory
 */
export async function localSnapshotFiles(dir: string): Promise<SnapshotFiles> {
  let root: string;
  try {
    root = await realpath(resolve(dir));
  } catch (e) {
    throw new SnapshotNotFoundError(dir, `No directory ${dir}: give a checkpoint (chk-N) or savepoint directory, or a job's checkpoint directory.`, { cause: e });
  }
  const inside = async (path: string): Promise<string> => {
    if (isAbsolute(path) || path.split("/").some((p) => p === ".." || p === "")) {
      throw new SnapshotPathError(path, `not a normalized path relative to ${dir}.`);
    }
    const full = resolve(root, ...path.split("/"));
    let real: string;
    try {
      real = await realpath(full);
    } catch (e) {
      throw new SnapshotNotFoundError(path, `${path} does not exist in ${dir}.`, { cause: e });
    }
    const rel = relative(root, real);
    if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
      throw new SnapshotPathError(path, `it resolves to ${real}, outside ${dir} (through a symbolic link): nothing outside the directory given is read.`);
    }
    return real;
  };
  const readRange = async (path: string, start: number, end: number): Promise<Uint8Array> => {
    const file = await open(await inside(path), "r");
    try {
      const size = (await file.stat()).size;
      const to = Math.min(end, size);
      if (start >= to) return new Uint8Array(0);
      const buf = new Uint8Array(to - start);
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await file.read(buf, got, buf.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === buf.length ? buf : buf.subarray(0, got);
    } finally {
      await file.close();
    }
  };
  return {
    description: dir,
    read: (path) => readRange(path, 0, Number.MAX_SAFE_INTEGER),
    readRange,
    list: async (path) => {
      const full = path === "" ? root : await inside(path);
      return await readdir(full);
    },
  };
}
