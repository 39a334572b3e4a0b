/**
 * The keyed backend's serialization proxy (Flink's `KeyedBackendSerializationProxy`): what a keyed state snapshot
 * says about its states, at the start of every heap or full snapshot's key-group file and in the meta-data file of an
 * incremental or native RocksDB snapshot.
 *
 * ```
 * proxy      [i32 version = 6][bool key-group compression][snapshot of the key serializer][i16 n][state]*n
 * state      [utf name][i32 backend state type][i32 n][utf option key, utf value]*n [i32 n][utf serializer key, snapshot]*n
 * snapshot   [i32 2][utf snapshot class][i32 version][payload]     (see serializer-snapshots.ts)
 * ```
 *
 * The state types are KEY_VALUE (0), OPERATOR, BROADCAST, PRIORITY_QUEUE (3, timers) and, on Flink 2.x, KEY_VALUE_V2
 * (4, the async state API); option KEYED_STATE_TYPE names the kind (VALUE, LIST, MAP, REDUCING, AGGREGATING …); the
 * serializer keys are NAMESPACE_SERIALIZER, VALUE_SERIALIZER and, for V2 map states, USER_KEY_SERIALIZER.
 *
 * A serializer snapshot's payload has no length: one this library cannot read (a custom serializer) loses the
 * position. The reader then looks for the next state's header (its name, type and the KEYED_STATE_TYPE option) or the
 * next serializer entry of the same state, and reports the snapshot as unknown; states after it are still read.
 */
import { decodeModifiedUtf8 } from "../protocol/java/modified-utf8.ts";
import { SnapshotInput } from "./input.ts";
import { LostSyncError, readSerializerSnapshot, type SerializerSnapshot } from "./serializer-snapshots.ts";

/** Flink's `StateMetaInfoSnapshot.BackendStateType`, by ordinal. */
export const BACKEND_STATE_TYPES = ["KEY_VALUE", "OPERATOR", "BROADCAST", "PRIORITY_QUEUE", "KEY_VALUE_V2"] as const;
/** A backend state type. */
export type BackendStateType = (typeof BACKEND_STATE_TYPES)[number];

/** A serializer snapshot, or why there is none (its bytes could not be read). */
export type SnapshotOrLost = SerializerSnapshot | { readonly type: "lost"; readonly className: string; readonly reason: string };

/** One state of a keyed backend (Flink's `StateMetaInfoSnapshot`). */
export interface StateMetaInfo {
  /** The state's name: the state descriptor's name. */
  readonly name: string;
  /** Its backend state type. */
  readonly backendStateType: BackendStateType;
  /** Its options (KEYED_STATE_TYPE → VALUE, LIST, MAP, REDUCING, AGGREGATING …). */
  readonly options: ReadonlyMap<string, string>;
  /** Its serializers' snapshots by key (NAMESPACE_SERIALIZER, VALUE_SERIALIZER, USER_KEY_SERIALIZER). */
  readonly serializers: ReadonlyMap<string, SnapshotOrLost>;
}

/** A keyed backend's serialization proxy. */
export interface KeyedBackendProxy {
  /** The proxy's version (6 since Flink 1.8). */
  readonly version: number;
  /** Whether key groups are compressed (snappy). */
  readonly compression: boolean;
  /** The key serializer's snapshot. */
  readonly key: SnapshotOrLost;
  /** The states, in the file's order. */
  readonly states: readonly StateMetaInfo[];
  /** Where the proxy ends (relative to the bytes read): the key groups' data follows. */
  readonly end: number;
}

const PROXY_VERSION = 6;
const SERIALIZER_KEYS = ["NAMESPACE_SERIALIZER", "VALUE_SERIALIZER", "USER_KEY_SERIALIZER", "KEY_SERIALIZER"];
const KEYED_STATE_TYPE = "KEYED_STATE_TYPE";

/**
 * Reads the serialization proxy at the start of `bytes`.
 * @param file the file's name in messages
 * @throws SnapshotFormatError (`SNAPSHOT_FORMAT`) when the bytes are not a proxy or end before it does
 */
export function readKeyedBackendProxy(bytes: Uint8Array, file: string): KeyedBackendProxy {
  const r = new SnapshotInput(bytes, file);
  const at = r.position;
  const version = r.int("the serialization proxy's version");
  if (version !== PROXY_VERSION) {
    throw r.fail(
      `keyed state serialization proxy version ${version}, expected 6` +
        (version >= 1 && version < 6 ? " (Flink 1.7 and older: restore with Flink 1.16 and take a savepoint)" : "") + ".",
      at,
    );
  }
  const compression = r.boolean("the key-group compression flag");
  let key: SnapshotOrLost;
  let lost: LostSyncError | undefined;
  try {
    key = readSerializerSnapshot(r, "the key serializer");
  } catch (e) {
    if (!(e instanceof LostSyncError)) throw e;
    key = { type: "lost", className: e.snapshotClass, reason: e.reason };
    lost = e;
  }
  const states: StateMetaInfo[] = [];
  let total: number;
  if (lost === undefined) {
    const nAt = r.position;
    total = r.short("the number of states");
    if (total < 0) throw r.fail(`the number of states is ${total}.`, nAt);
  } else {
    // The key serializer could not be read past: find the first keyed state; the count is the short before it.
    const next = findStateHeader(r.bytes, lost.at);
    if (next < 0) return { version, compression, key, states, end: r.position };
    r.skip(next - 2 - r.position, "an unknown key serializer snapshot");
    total = r.short("the number of states");
  }
  let recovered = false;
  for (let i = 0; i < total; i++) {
    if (r.remaining === 0 && recovered) break;
    try {
      const s = readState(r, i);
      states.push(s.state);
      if (s.lostAt !== undefined) {
        // Find the next state and carry on from there; what lay between (timer states) is skipped.
        recovered = true;
        const next = findStateHeader(r.bytes, s.lostAt);
        if (next < 0) break;
        r.skip(next - r.position, "a serializer snapshot this library cannot read");
      }
    } catch (e) {
      // After a recovery, bytes that do not parse as a state are the key groups' data: the proxy has ended.
      if (recovered) break;
      throw e;
    }
  }
  return { version, compression, key, states, end: r.position };
}

function readState(r: SnapshotInput, index: number): { state: StateMetaInfo; lostAt?: number } {
  const name = r.utf(`the name of state ${index}`);
  const typeAt = r.position;
  const ordinal = r.int(`the backend state type of ${JSON.stringify(name)}`);
  const backendStateType = BACKEND_STATE_TYPES[ordinal];
  if (backendStateType === undefined) throw r.fail(`state ${JSON.stringify(name)} has an unknown backend state type ${ordinal}.`, typeAt);
  const options = new Map<string, string>();
  const nOptions = r.count(`the number of options of ${JSON.stringify(name)}`, 4);
  for (let i = 0; i < nOptions; i++) options.set(r.utf(`an option of ${JSON.stringify(name)}`), r.utf(`an option value of ${JSON.stringify(name)}`));
  const serializers = new Map<string, SnapshotOrLost>();
  const nSerializers = r.count(`the number of serializers of ${JSON.stringify(name)}`, 10);
  for (let i = 0; i < nSerializers; i++) {
    const key = r.utf(`a serializer key of ${JSON.stringify(name)}`);
    try {
      serializers.set(key, readSerializerSnapshot(r, `the ${key.toLowerCase().replaceAll("_", " ")} of state ${JSON.stringify(name)}`));
    } catch (e) {
      if (!(e instanceof LostSyncError)) throw e;
      serializers.set(key, { type: "lost", className: e.snapshotClass, reason: e.reason });
      // Another serializer of this state may follow: find its key, else the next state.
      if (i + 1 < nSerializers) {
        const next = findSerializerEntry(r.bytes, e.at);
        if (next >= 0) {
          r.skip(next - r.position, "a serializer snapshot this library cannot read");
          continue;
        }
      }
      return { state: { name, backendStateType, options, serializers }, lostAt: e.at };
    }
  }
  return { state: { name, backendStateType, options, serializers } };
}

/** The offset of the next `[utf KEY][i32 2]` serializer entry at or after `from`; -1 when none. */
function findSerializerEntry(b: Uint8Array, from: number): number {
  let best = -1;
  for (const key of SERIALIZER_KEYS) {
    const pattern = utfBytes(key, [0, 0, 0, 2]);
    const i = indexOf(b, pattern, from);
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  return best;
}

/**
 * The offset of the next keyed state's header at or after `from`: `[utf name][i32 0 or 4][i32 1][utf KEYED_STATE_TYPE]`;
 * -1 when none. The name is found backwards from the type: a UTF length that ends exactly there and decodes.
 */
export function findStateHeader(b: Uint8Array, from: number): number {
  const anchor = utfBytes(KEYED_STATE_TYPE, []);
  for (let i = indexOf(b, anchor, from); i >= 0; i = indexOf(b, anchor, i + 1)) {
    // [type int][numOptions int = 1] before the option key.
    const typeAt = i - 8;
    if (typeAt < from + 2) continue;
    const type = int32(b, typeAt), nOptions = int32(b, i - 4);
    if ((type !== 0 && type !== 4) || nOptions < 1 || nOptions > 2) continue;
    for (let len = 0; len <= Math.min(65535, typeAt - from - 2); len++) {
      const lenAt = typeAt - 2 - len;
      if (((b[lenAt] << 8) | b[lenAt + 1]) === len && isModifiedUtf8(b, lenAt + 2, len)) return lenAt;
    }
  }
  return -1;
}

function isModifiedUtf8(b: Uint8Array, start: number, length: number): boolean {
  try {
    decodeModifiedUtf8(b, start, length, () => {
      throw new RangeError("not modified UTF-8");
    });
    return true;
  } catch {
    return false;
  }
}

function utfBytes(s: string, suffix: number[]): Uint8Array {
  return new Uint8Array([(s.length >> 8) & 0xff, s.length & 0xff, ...[...s].map((c) => c.charCodeAt(0)), ...suffix]);
}

function indexOf(b: Uint8Array, pattern: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i <= b.length - pattern.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (b[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}

function int32(b: Uint8Array, at: number): number {
  return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
}
