/**
 * Where the files a checkpoint's metadata names are, within the directory given — and nowhere else.
 *
 * The metadata names files three ways:
 *
 * - **relative** (savepoints; Flink 2.x checkpoints too): a path relative to the checkpoint's own directory (the one
 *   holding `_metadata`), e.g. `3f2a…`. It is resolved against that directory; a path that climbs out of the
 *   directory given (a sibling of the checkpoint's own directory, when that was given) is refused.
 * - **absolute** (Flink 1.x checkpoints): the path as the JVM that wrote it saw it, e.g. `file:/tmp/ck/<job>/chk-3/3f2a…`
 *   or `s3://bucket/ck/<job>/chk-3/3f2a…`. The directory may have been copied or moved since, so the path is mapped by
 *   its part relative to the writer's checkpoint directory: the last segment named `chk-<the metadata's checkpoint id>`
 *   (or named as the directory given, for a renamed copy or a savepoint). `file:/tmp/ck/<job>/chk-3/3f2a…` read from
 *   `/data/copy` (holding `_metadata`) is `/data/copy/3f2a…`. When a job's checkpoint directory was given (holding
 *   `chk-3/`), the writer's counterpart is `chk-3`'s parent, so `…/<job>/shared/…` maps too. A path that lies elsewhere
 *   (another checkpoint's directory, another bucket) or does not name such a directory is refused.
 * - **inline**: bytes in `_metadata` itself (state smaller than Flink's inline threshold, 20 KiB by default).
 *
 * Every path handed to {@link SnapshotFiles} is relative to the directory given, normalized, without `..`; the local
 * implementation checks it once more after following symbolic links.
 */
import { SnapshotPathError } from "./errors.ts";
import type { StreamHandle } from "./metadata.ts";

/** Where a stream handle's bytes are: inline, or a range of a file relative to the directory given. */
export type ResolvedStream =
  | { readonly kind: "bytes"; readonly data: Uint8Array; readonly label: string }
  | { readonly kind: "file"; readonly path: string; readonly start: number; readonly size: number | undefined; readonly label: string };

/** An absolute path as the writer named it: scheme and authority (`file:`, `s3://bucket`), and its segments. */
interface WriterPath {
  readonly origin: string;
  readonly segments: readonly string[];
}

/** Maps the paths one `_metadata` names onto the directory given. */
export class PathMapper {
  /** The checkpoint's own directory relative to the directory given: `""`, or `chk-42` for a job's directory. */
  readonly snapshotDir: string;
  readonly #checkpointId: bigint;
  readonly #localName: string | undefined;
  /** The writer's checkpoint directory, once an absolute path has shown it. */
  #writerDir: WriterPath | undefined;

  /**
   * @param snapshotDir the checkpoint's own directory relative to the directory given (`""` or `chk-N`)
   * @param checkpointId the metadata's checkpoint id (the writer's directory is named `chk-<id>`)
   * @param localName the local name of the checkpoint's directory, when known (a savepoint's `savepoint-…`)
   */
  constructor(snapshotDir: string, checkpointId: bigint, localName: string | undefined) {
    this.snapshotDir = snapshotDir;
    this.#checkpointId = checkpointId;
    this.#localName = localName;
  }

  /** The writer's checkpoint directory as an absolute path (`file:/tmp/ck/<job>/chk-3`), once known. */
  get writerDirectory(): string | undefined {
    const w = this.#writerDir;
    return w === undefined ? undefined : `${w.origin}/${w.segments.join("/")}`;
  }

  /**
   * Where `handle`'s bytes are.
   * @param what the handle's role, for messages
   * @throws SnapshotPathError (`SNAPSHOT_PATH`) for a path outside the directory given
   */
  resolve(handle: StreamHandle, what: string): ResolvedStream {
    switch (handle.kind) {
      case "bytes":
        return { kind: "bytes", data: handle.data, label: `${what} (inline in _metadata)` };
      case "relative": {
        const path = this.#relative(handle.relativePath);
        return { kind: "file", path, start: 0, size: sizeOf(handle.size), label: `${what} (${path})` };
      }
      case "file": {
        const path = this.#absolute(handle.path);
        return { kind: "file", path, start: 0, size: sizeOf(handle.size), label: `${what} (${path})` };
      }
      case "segment": {
        const path = this.#absolute(handle.path);
        const start = sizeOf(handle.start);
        if (start === undefined) throw new SnapshotPathError(handle.path, `a segment starting at ${handle.start} cannot be read.`);
        return { kind: "file", path, start, size: sizeOf(handle.size), label: `${what} (${path} from byte ${start})` };
      }
      case "empty-segment":
        return { kind: "bytes", data: new Uint8Array(0), label: `${what} (an empty segment)` };
    }
  }

  #relative(relativePath: string): string {
    if (relativePath === "" || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(relativePath) || relativePath.startsWith("/") || relativePath.startsWith("\\")) {
      throw new SnapshotPathError(relativePath, "a relative state file path that is empty or absolute: the metadata is corrupted.");
    }
    const segments = this.snapshotDir === "" ? [] : this.snapshotDir.split("/");
    for (const part of relativePath.split(/[/\\]/)) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (segments.length === 0) throw this.#outside(relativePath, "it climbs out of the directory given");
        segments.pop();
      } else {
        segments.push(part);
      }
    }
    if (segments.length === 0) throw new SnapshotPathError(relativePath, "it names the directory given itself, not a file in it.");
    return segments.join("/");
  }

  #absolute(path: string): string {
    const w = parseWriterPath(path);
    if (w.segments.length < 2) throw new SnapshotPathError(path, "not a path to a file in a checkpoint directory.");
    if (this.#writerDir === undefined) this.#writerDir = this.#findWriterDir(path, w);
    const dir = this.#writerDir;
    const local = this.snapshotDir === "" ? [] : this.snapshotDir.split("/");
    // The writer's counterpart of the directory given: its checkpoint directory, or that directory's parent(s).
    const base = dir.segments.slice(0, dir.segments.length - local.length);
    if (w.origin === dir.origin && startsWith(w.segments, dir.segments) && w.segments.length > dir.segments.length) {
      return [...local, ...w.segments.slice(dir.segments.length)].join("/");
    }
    if (local.length > 0 && w.origin === dir.origin && startsWith(w.segments, base) && w.segments.length > base.length) {
      return w.segments.slice(base.length).join("/");
    }
    throw this.#outside(path, `it is not in the checkpoint's directory as its writer named it (${this.writerDirectory})`);
  }

  #findWriterDir(path: string, w: WriterPath): WriterPath {
    const names = new Set([`chk-${this.#checkpointId}`]);
    if (this.#localName !== undefined) names.add(this.#localName);
    // The last directory (not the file itself) with one of those names.
    for (let i = w.segments.length - 2; i >= 0; i--) {
      if (names.has(w.segments[i])) return { origin: w.origin, segments: w.segments.slice(0, i + 1) };
    }
    // Given a job's directory (chk-N inside it), its shared/ and taskowned/ directories show where it was too.
    if (this.snapshotDir !== "" && !this.snapshotDir.includes("/")) {
      for (let i = w.segments.length - 2; i >= 0; i--) {
        if (w.segments[i] === "shared" || w.segments[i] === "taskowned") {
          return { origin: w.origin, segments: [...w.segments.slice(0, i), this.snapshotDir] };
        }
      }
    }
    throw new SnapshotPathError(
      path,
      `the metadata names this absolute path, and none of its directories is the checkpoint's own (${[...names].join(" or ")}), ` +
        "so it cannot be mapped onto the directory given. Give the checkpoint's own directory under its original name " +
        "(chk-N, savepoint-…), or its job's checkpoint directory.",
    );
  }

  #outside(path: string, why: string): SnapshotPathError {
    return new SnapshotPathError(
      path,
      `${why}: it lies outside the directory given, and nothing outside it is read. ` +
        (this.snapshotDir === ""
          ? "If the file is in the job's checkpoint directory (shared/, taskowned/), give that directory (the parent of chk-N) instead."
          : "The checkpoint refers to files elsewhere."),
    );
  }
}

/** `file:/tmp/x`, `file:///tmp/x`, `hdfs://nn:8020/x`, `s3://bucket/x`, `/tmp/x`, `C:\x` as origin and segments. */
function parseWriterPath(path: string): WriterPath {
  let origin = "";
  let rest = path;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(path);
  if (scheme && scheme[1].length > 1) {
    rest = path.slice(scheme[0].length);
    origin = scheme[1].toLowerCase() + ":";
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
      origin += `//${authority}`;
      rest = slash < 0 ? "" : rest.slice(slash);
    }
  }
  const segments: string[] = [];
  for (const part of rest.split(/[/\\]/)) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new SnapshotPathError(path, "an absolute path with '..' in it: nothing is read through it.");
    segments.push(part);
  }
  return { origin, segments };
}

function startsWith(a: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= a.length && prefix.every((p, i) => a[i] === p);
}

function sizeOf(n: bigint): number | undefined {
  return n >= 0n && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}
