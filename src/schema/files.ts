/**
 * How a checkpoint's files are read: a small interface with a local-filesystem implementation
 * (`local-files.ts`, loaded on demand), so object stores (S3, HDFS gateways) can plug in later. Paths given to it are
 * always relative to the directory read, normalized, with `/` separators and no `..`: the mapping from what a
 * checkpoint's metadata names to such paths (and the refusal of anything outside) is `paths.ts`'s.
 */

/**
 * Read access to one directory tree: the checkpoint or savepoint directory (or a job's checkpoint directory holding
 * `chk-N` directories). Every `path` is relative to that directory, `/`-separated, normalized and never leaves it.
 *
 * @example
 * ```ts
 * import { readStateSchemas, type SnapshotFiles } from "queryable-state";
 *
 * // Files from anywhere: here an in-memory map of relative paths to bytes.
 * function memoryFiles(files: Map<string, Uint8Array>): SnapshotFiles {
 *   return {
 *     read: async (path) => {
 *       const bytes = files.get(path);
 *       if (!bytes) throw new Error(`no ${path}`);
 *       return bytes;
 *     },
 *   };
 * }
 * async function schemasOf(files: Map<string, Uint8Array>) {
 *   return (await readStateSchemas(memoryFiles(files), { jobName: "shop" })).catalog;
 * }
 * ```
 */
export interface SnapshotFiles {
  /**
   * The whole file. Rejects when it does not exist (an error whose `code` is `"ENOENT"`, or any error: the
   * reader reports the file as missing).
   */
  read(path: string): Promise<Uint8Array>;
  /**
   * Bytes `[start, end)` of the file (fewer when it is shorter). Optional: without it, `read` is used and the
   * range cut from the whole file. Key-group files can be large, and only their first bytes are needed.
   */
  readRange?(path: string, start: number, end: number): Promise<Uint8Array>;
  /**
   * The names of a directory's entries (files and directories). Optional: used only to find the newest
   * `chk-N/_metadata` when the directory given is a job's checkpoint directory rather than a checkpoint's own.
   */
  list?(dir: string): Promise<string[]>;
  /** A name for messages, e.g. the local directory's path. */
  readonly description?: string;
}
