/**
 * The errors of reading Flink checkpoints and savepoints (`readStateSchemas`, `qstate schema`): bytes that are not
 * what Flink writes, paths a metadata file names outside the directory given, files that are missing.
 */
import { QueryableStateError } from "../core/errors.ts";

/**
 * A checkpoint or savepoint file whose bytes are not what Flink writes (code `SNAPSHOT_FORMAT`): truncated, corrupted,
 * a format version this library does not read, or not a Flink file at all. `file` and `offset` say where.
 */
export class SnapshotFormatError extends QueryableStateError {
  /** The file (relative to the directory read), or a description such as `_metadata`. */
  readonly file: string;
  /** The byte offset in `file` where reading failed. */
  readonly offset: number;
  /** Whether the bytes ended before what was being read did (the file, or the part of it that was read, is short). */
  readonly endOfInput: boolean;
  /**
   * An error with code `SNAPSHOT_FORMAT`.
   * @param file the file, as the message names it
   * @param offset where in it
   * @param problem what is wrong (the message adds what to check)
   */
  constructor(file: string, offset: number, problem: string, options?: { cause?: unknown; endOfInput?: boolean }) {
    super(
      "SNAPSHOT_FORMAT",
      `${file}, byte ${offset}: ${problem} Check that the directory holds a complete Flink 1.x or 2.x checkpoint or ` +
        "savepoint (the file may be cut short, corrupted, or written by another Flink version).",
      options,
    );
    this.file = file;
    this.offset = offset;
    this.endOfInput = options?.endOfInput ?? false;
  }
}

/**
 * A path a checkpoint's metadata names that lies outside the directory given, or that cannot be mapped onto it (code
 * `SNAPSHOT_PATH`): nothing outside that directory is ever read. The message names the path and what to give instead.
 */
export class SnapshotPathError extends QueryableStateError {
  /** The path as the metadata names it. */
  readonly path: string;
  /**
   * An error with code `SNAPSHOT_PATH`.
   * @param path the path as the metadata (or the caller) names it
   * @param problem why it is refused and what to do
   */
  constructor(path: string, problem: string) {
    super("SNAPSHOT_PATH", `${JSON.stringify(path)}: ${problem}`);
    this.path = path;
  }
}

/** A checkpoint or savepoint directory without `_metadata`, or a state file its metadata names that is missing (code `SNAPSHOT_NOT_FOUND`). */
export class SnapshotNotFoundError extends QueryableStateError {
  /** The file or directory looked for. */
  readonly path: string;
  /**
   * An error with code `SNAPSHOT_NOT_FOUND`.
   * @param path what was looked for
   * @param message what is missing and what to give instead
   */
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super("SNAPSHOT_NOT_FOUND", message, options);
    this.path = path;
  }
}
