/**
 * Flink's checkpoint metadata (the `_metadata` file of a checkpoint or savepoint directory), as far as it leads to
 * keyed state: per operator its id (and on Flink 2.x its name and uid), parallelism and max parallelism, and per
 * subtask the handle of its managed keyed state — a file of key groups (heap, RocksDB full snapshots, canonical
 * savepoints), an incremental RocksDB snapshot (its meta-data file and sst files), or a changelog handle wrapping
 * those. Operator state and channel state are read past, not kept.
 *
 * Layout (Flink's `MetadataV2V3SerializerBase` and `MetadataV3…V6Serializer`; 1.20 and 2.x read the same versions alike):
 *
 * ```
 * file      [i32 magic 0x4960672d][i32 version][body]        1.20 writes version 4, 2.x writes 6
 * body      [i64 checkpoint id][i32 n][master state]*n [i32 n][operator]*n   (v4+: then Java-serialized properties)
 * operator  v5+: [utf name][utf uid]   [i64 id lower][i64 id upper][i32 parallelism][i32 max parallelism]
 *           [stream handle: coordinator state][i32 n subtasks, -1 = fully finished][subtask]*n
 * subtask   [i32 index, -(index+1) = finished][i32 0|1 + operator handle]x2 [keyed handle]x2 (managed, raw)
 *           [i32 n + channel handle*n]x2 (input, output)
 * ```
 */
import { toHex } from "../core/hex.ts";
import { SnapshotInput } from "./input.ts";

/** The magic number every `_metadata` starts with (Flink's `Checkpoints.HEADER_MAGIC_NUMBER`). */
export const METADATA_MAGIC = 0x4960672d;

/** A stream state handle: where a piece of state lives. */
export type StreamHandle =
  /** Bytes inline in `_metadata` (state smaller than the inline threshold). */
  | { readonly kind: "bytes"; readonly name: string; readonly data: Uint8Array }
  /** A file by its absolute path, as the JVM that wrote it named it (`file:/tmp/ck/…/chk-3/1f2e…`). */
  | { readonly kind: "file"; readonly path: string; readonly size: bigint }
  /** A file relative to the checkpoint's own directory (savepoints, which can be moved). */
  | { readonly kind: "relative"; readonly relativePath: string; readonly size: bigint }
  /** A segment of a merged file (`execution.checkpointing.file-merging.enabled`). */
  | { readonly kind: "segment"; readonly path: string; readonly start: bigint; readonly size: bigint }
  /** An empty segment of a merged file. */
  | { readonly kind: "empty-segment" };

/** A local path and the handle of one file of an incremental RocksDB snapshot. */
export interface LocalFileHandle {
  /** The file's name in the RocksDB instance (`000042.sst`, `MANIFEST-000005` …). */
  readonly localPath: string;
  /** Where it lives; null when the metadata has none. */
  readonly handle: StreamHandle | null;
}

/** The handle of a subtask's keyed state. */
export type KeyedHandle =
  /**
   * One stream of key groups: the serialization proxy, then each key group's data at its offset. `savepoint`: a
   * canonical savepoint's (KeyGroupsSavepointStateHandle).
   */
  | {
    readonly kind: "key-groups";
    readonly savepoint: boolean;
    readonly startKeyGroup: number;
    readonly numKeyGroups: number;
    readonly stream: StreamHandle | null;
  }
  /** An incremental (or native) RocksDB snapshot: the meta-data file holding the serialization proxy, and sst files. */
  | {
    readonly kind: "incremental";
    readonly checkpointId: bigint;
    readonly backendId: string;
    readonly startKeyGroup: number;
    readonly numKeyGroups: number;
    readonly metaData: StreamHandle | null;
    readonly shared: readonly LocalFileHandle[];
    readonly private: readonly LocalFileHandle[];
  }
  /** The changelog state backend's handle: materialized snapshots (handles of the kinds above) and changelog deltas. */
  | {
    readonly kind: "changelog";
    readonly startKeyGroup: number;
    readonly numKeyGroups: number;
    readonly materialized: readonly KeyedHandle[];
    readonly deltas: number;
  }
  /** A changelog delta (state changes since the last materialization): its changes are not read. */
  | { readonly kind: "changelog-delta" };

/** One subtask's state as far as keyed state goes. */
export interface SubtaskState {
  /** The subtask index. */
  readonly index: number;
  /** Whether the subtask had finished (it then holds no state). */
  readonly finished: boolean;
  /** Its managed keyed state, if any. */
  readonly managedKeyed: KeyedHandle | null;
  /** Its raw keyed state, if any (written by operators themselves; not a keyed backend's format). */
  readonly rawKeyed: KeyedHandle | null;
}

/** One operator's state. */
export interface OperatorMetadata {
  /** The operator's id, 32 hex digits as Flink prints it. */
  readonly operatorId: string;
  /** The operator's name (Flink 2.x metadata; undefined on 1.x). */
  readonly name: string | undefined;
  /** The operator's uid, when the job set one (Flink 2.x metadata; undefined on 1.x). */
  readonly uid: string | undefined;
  /** The parallelism it ran at. */
  readonly parallelism: number;
  /** Its max parallelism: the number of key groups. */
  readonly maxParallelism: number;
  /** Whether every subtask had finished. */
  readonly fullyFinished: boolean;
  /** Its subtasks' states. */
  readonly subtasks: readonly SubtaskState[];
}

/** What `_metadata` says about keyed state. */
export interface CheckpointMetadata {
  /** The metadata format version (1.20 writes 4, 2.x 6). */
  readonly version: number;
  /** The checkpoint (or savepoint) id. */
  readonly checkpointId: bigint;
  /** The operators, in the file's order. */
  readonly operators: readonly OperatorMetadata[];
  /** What follows the operators: from version 4 on, the checkpoint's properties, Java-serialized. */
  readonly trailer: Uint8Array;
}

/** The metadata versions this reader knows: 3 (Flink 1.11 to 1.15), 4 (1.16 to 1.20), 5 and 6 (2.x). */
export const METADATA_VERSIONS: readonly number[] = [3, 4, 5, 6];

// Flink's tags of state handle kinds in MetadataV2V3SerializerBase.
const NULL_HANDLE = 0;
const BYTE_STREAM = 1;
const FILE_STREAM = 2;
const KEY_GROUPS = 3;
const PARTITIONABLE_OPERATOR = 4;
const INCREMENTAL = 5;
const RELATIVE_STREAM = 6;
const SAVEPOINT_KEY_GROUPS = 7;
const CHANGELOG = 8;
const CHANGELOG_BYTES = 9;
const CHANGELOG_FILE = 10;
const INCREMENTAL_V2 = 11;
const KEY_GROUPS_V2 = 12;
const CHANGELOG_FILE_V2 = 13;
const CHANGELOG_V2 = 14;
const SEGMENT_FILE = 15;
const EMPTY_SEGMENT_FILE = 16;
const SEGMENT_OPERATOR = 17;

const MASTER_STATE_MAGIC = 0xc96b1696 | 0;

/**
 * Reads a `_metadata` file. Nothing is resolved or read beyond its bytes.
 * @param file its name in messages
 * @throws SnapshotFormatError (`SNAPSHOT_FORMAT`) when the bytes are not Flink's metadata or end early
 */
export function readCheckpointMetadata(bytes: Uint8Array, file = "_metadata"): CheckpointMetadata {
  const r = new SnapshotInput(bytes, file);
  const magicAt = r.position;
  const magic = r.int("the metadata's magic number");
  if (magic !== METADATA_MAGIC) {
    throw r.fail(
      `not a Flink checkpoint metadata file: it starts with ${toHex(bytes.subarray(0, 4)) || "nothing"}, Flink's start with 4960672d.`,
      magicAt,
    );
  }
  const versionAt = r.position;
  const version = r.int("the metadata version");
  if (!METADATA_VERSIONS.includes(version)) {
    throw r.fail(
      `metadata version ${version} is not one this library reads (${METADATA_VERSIONS.join(", ")}: Flink 1.11 to 2.x; ` +
        "Flink 1.20 writes 4, Flink 2.x 6). Older checkpoints: restore them with a newer Flink and take a savepoint.",
      versionAt,
    );
  }
  const idAt = r.position;
  const checkpointId = r.long("the checkpoint id");
  if (checkpointId < 0n) throw r.fail(`invalid checkpoint id ${checkpointId}.`, idAt);
  const masters = r.count("the number of master states", 8);
  for (let i = 0; i < masters; i++) skipMasterState(r);
  const n = r.count("the number of operator states", 28);
  const operators: OperatorMetadata[] = [];
  for (let i = 0; i < n; i++) operators.push(readOperator(r, version));
  // Version 4 and later end with the checkpoint's properties, Java-serialized.
  return { version, checkpointId, operators, trailer: r.bytesOf(r.remaining, "the checkpoint properties") };
}

function skipMasterState(r: SnapshotInput): void {
  const at = r.position;
  if (r.int("a master state's magic number") !== MASTER_STATE_MAGIC) throw r.fail("a master state has a wrong magic number.", at);
  const len = r.count("a master state's length");
  r.skip(len, "a master state");
}

function readOperator(r: SnapshotInput, version: number): OperatorMetadata {
  let name: string | undefined, uid: string | undefined;
  if (version >= 5) {
    name = r.utf("an operator's name") || undefined;
    uid = r.utf("an operator's uid") || undefined;
  }
  const lower = r.bytesOf(8, "an operator id");
  const upper = r.bytesOf(8, "an operator id");
  const operatorId = toHex(lower) + toHex(upper);
  const parallelism = r.int("an operator's parallelism");
  const maxParallelism = r.int("an operator's max parallelism");
  readStreamHandle(r, "an operator's coordinator state");
  const at = r.position;
  const numSubtasks = r.int("the number of subtask states");
  if (numSubtasks < -1 || numSubtasks > r.remaining) {
    throw r.fail(`the number of subtask states is ${numSubtasks}, impossible with ${r.remaining} byte(s) left.`, at);
  }
  const subtasks: SubtaskState[] = [];
  for (let i = 0; i < numSubtasks; i++) {
    const stored = r.int("a subtask index");
    if (stored < 0) {
      subtasks.push({ index: -stored - 1, finished: true, managedKeyed: null, rawKeyed: null });
      continue;
    }
    subtasks.push(readSubtask(r, stored, version));
  }
  return { operatorId, name, uid, parallelism, maxParallelism, fullyFinished: numSubtasks === -1, subtasks };
}

function readSubtask(r: SnapshotInput, index: number, version: number): SubtaskState {
  if (r.int("whether a subtask has managed operator state") !== 0) skipOperatorHandle(r);
  if (r.int("whether a subtask has raw operator state") !== 0) skipOperatorHandle(r);
  const managedKeyed = readKeyedHandle(r, 0);
  const rawKeyed = readKeyedHandle(r, 0);
  // Channel state (unaligned checkpoints): version 6 tags each handle with its kind.
  for (const what of ["input channel", "output channel"]) {
    const n = r.count(`the number of ${what} state handles`, 4);
    for (let i = 0; i < n; i++) skipChannelHandle(r, what, version >= 6);
  }
  return { index, finished: false, managedKeyed, rawKeyed };
}

function skipOperatorHandle(r: SnapshotInput): void {
  const at = r.position;
  const type = r.byte("an operator state handle's kind");
  if (type === NULL_HANDLE) return;
  if (type !== PARTITIONABLE_OPERATOR && type !== SEGMENT_OPERATOR) throw r.fail(`unknown operator state handle kind ${type}.`, at);
  const n = r.count("the number of operator states of a handle", 7);
  for (let i = 0; i < n; i++) {
    r.utf("an operator state's name");
    r.byte("an operator state's distribution mode");
    const offsets = r.count("the number of an operator state's offsets", 8);
    r.skip(offsets * 8, "an operator state's offsets");
  }
  if (type === SEGMENT_OPERATOR) {
    r.utf("a task-owned directory");
    r.utf("a shared directory");
    r.boolean("whether a merged handle is empty");
  }
  readStreamHandle(r, "an operator state's stream");
}

function skipChannelHandle(r: SnapshotInput, what: string, v2: boolean): void {
  if (v2) {
    const at = r.position;
    const type = r.ubyte(`a ${what} state handle's kind`);
    if (type === 3 || type === 4) {
      // A merged channel state handle: subtask, size, delegate, serialized offsets.
      r.int("a subtask index");
      r.long("a state size");
      readStreamHandle(r, `a ${what} state's stream`);
      r.skip(r.count("the length of merged channel offsets"), "merged channel offsets");
      return;
    }
    if (type !== 1 && type !== 2) throw r.fail(`unknown ${what} state handle kind ${type}.`, at);
  }
  r.int("a subtask index");
  r.int("a gate or partition index");
  r.int("a channel index");
  const n = r.count(`the number of ${what} state offsets`, 8);
  r.skip(n * 8, `${what} state offsets`);
  r.long("a state size");
  readStreamHandle(r, `a ${what} state's stream`);
}

const MAX_DEPTH = 8;

function readKeyedHandle(r: SnapshotInput, depth: number): KeyedHandle | null {
  const at = r.position;
  const type = r.byte("a keyed state handle's kind");
  switch (type) {
    case NULL_HANDLE:
      return null;
    case KEY_GROUPS:
    case KEY_GROUPS_V2:
    case SAVEPOINT_KEY_GROUPS: {
      const { start, count } = keyGroupRange(r);
      r.skip(count * 8, "key-group offsets");
      const stream = readStreamHandle(r, "a key-groups state file");
      if (type === KEY_GROUPS_V2) r.utf("a state handle id");
      return { kind: "key-groups", savepoint: type === SAVEPOINT_KEY_GROUPS, startKeyGroup: start, numKeyGroups: count, stream };
    }
    case INCREMENTAL:
    case INCREMENTAL_V2: {
      const checkpointId = r.long("an incremental snapshot's checkpoint id");
      const backendId = r.utf("a backend id");
      const { start, count } = keyGroupRange(r);
      if (type === INCREMENTAL_V2) r.long("a checkpointed size");
      const metaData = readStreamHandle(r, "an incremental snapshot's meta-data file");
      const shared = readLocalFiles(r, "shared");
      const priv = readLocalFiles(r, "private");
      if (type === INCREMENTAL_V2) r.utf("a state handle id");
      return { kind: "incremental", checkpointId, backendId, startKeyGroup: start, numKeyGroups: count, metaData, shared, private: priv };
    }
    case CHANGELOG:
    case CHANGELOG_V2: {
      if (depth >= MAX_DEPTH) throw r.fail("changelog handles nested too deep.", at);
      const { start, count } = keyGroupRange(r);
      r.long("a checkpointed size");
      const materialized: KeyedHandle[] = [];
      const nBase = r.count("the number of materialized handles");
      for (let i = 0; i < nBase; i++) {
        const h = readKeyedHandle(r, depth + 1);
        if (h) materialized.push(h);
      }
      const nDelta = r.count("the number of changelog handles");
      for (let i = 0; i < nDelta; i++) readKeyedHandle(r, depth + 1);
      r.long("a materialization id");
      if (type === CHANGELOG_V2) r.long("a checkpoint id");
      r.utf("a state handle id");
      return { kind: "changelog", startKeyGroup: start, numKeyGroups: count, materialized, deltas: nDelta };
    }
    case CHANGELOG_BYTES: {
      keyGroupRange(r);
      r.long("a sequence number");
      r.long("a sequence number");
      const n = r.count("the number of state changes", 8);
      for (let i = 0; i < n; i++) {
        r.int("a state change's key group");
        r.skip(r.count("a state change's length"), "a state change");
      }
      r.utf("a state handle id");
      return { kind: "changelog-delta" };
    }
    case CHANGELOG_FILE:
    case CHANGELOG_FILE_V2: {
      keyGroupRange(r);
      const n = r.count("the number of changelog files", 9);
      for (let i = 0; i < n; i++) {
        r.long("an offset");
        readStreamHandle(r, "a changelog file");
      }
      r.long("a state size");
      r.long("a checkpointed size");
      r.utf("a state handle id");
      if (type === CHANGELOG_FILE_V2) r.utf("a storage identifier");
      return { kind: "changelog-delta" };
    }
    default:
      throw r.fail(`unknown keyed state handle kind ${type} (Flink writes 0, 3, 5, 7-14).`, at);
  }
}

function keyGroupRange(r: SnapshotInput): { start: number; count: number } {
  const at = r.position;
  const start = r.int("the first key group");
  const count = r.int("the number of key groups");
  if (start < 0 || count < 0 || start + count > 32768) {
    throw r.fail(`invalid key-group range: ${count} key group(s) from ${start} (max parallelism is at most 32768).`, at);
  }
  return { start, count };
}

function readLocalFiles(r: SnapshotInput, what: string): LocalFileHandle[] {
  const n = r.count(`the number of ${what} files`, 3);
  const out: LocalFileHandle[] = [];
  for (let i = 0; i < n; i++) {
    const localPath = r.utf(`a ${what} file's local path`);
    out.push({ localPath, handle: readStreamHandle(r, `${what} file ${localPath}`) });
  }
  return out;
}

/** A stream state handle (Flink's `deserializeStreamStateHandle`). */
export function readStreamHandle(r: SnapshotInput, what: string, depth = 0): StreamHandle | null {
  const at = r.position;
  const type = r.ubyte(`the kind of ${what}`);
  switch (type) {
    case NULL_HANDLE:
      return null;
    case FILE_STREAM: {
      const size = r.long(`the size of ${what}`);
      return { kind: "file", path: r.utf(`the path of ${what}`), size };
    }
    case BYTE_STREAM: {
      const name = r.utf(`the name of ${what}`);
      const n = r.count(`the length of ${what}`);
      return { kind: "bytes", name, data: r.bytesOf(n, what) };
    }
    case RELATIVE_STREAM: {
      const relativePath = r.utf(`the relative path of ${what}`);
      return { kind: "relative", relativePath, size: r.long(`the size of ${what}`) };
    }
    case KEY_GROUPS: {
      // A KeyGroupsStateHandle used as a stream handle (Flink allows it): its delegate holds the bytes.
      if (depth >= MAX_DEPTH) throw r.fail("state handles nested too deep.", at);
      const { count } = keyGroupRange(r);
      r.skip(count * 8, "key-group offsets");
      return readStreamHandle(r, what, depth + 1);
    }
    case SEGMENT_FILE: {
      const start = r.long(`the start of ${what}`);
      const size = r.long(`the size of ${what}`);
      r.int("a checkpoint scope");
      const path = r.utf(`the path of ${what}`);
      r.utf("a logical file id");
      return { kind: "segment", path, start, size };
    }
    case EMPTY_SEGMENT_FILE:
      return { kind: "empty-segment" };
    default:
      throw r.fail(`unknown kind ${type} of ${what} (Flink writes 0-2, 6, 15, 16).`, at);
  }
}
