/**
 * Freshness records on the wire: what a state server says of a key group's version, last update and staleness,
 * and how a proxy names the server per entry. Pure: web-standard globals only.
 */
import { ByteReader, type ByteWriter } from "../core/bytes.ts";
import { InvalidFrameError } from "./errors.ts";
import { readExtension } from "./extension-codec.ts";

/** How fresh a state is in one key group, as a state server reports it (the shape of `KvStateFreshness`). */
export interface FreshnessRecord {
  /** Moves on with every write to the state in the key group; time-based (ms << 16 | count). */
  readonly version: bigint;
  /** The last write's time (ms since the epoch), null when never written. */
  readonly lastUpdateMs: number | null;
  /** Every record the subtask received before this time (ms since the epoch) is applied. */
  readonly asOfMs: number;
  /** The state server's now − `asOfMs`, in ms. */
  readonly stalenessMs: number;
}

/** Where an entry of a client's batch was served from, and how fresh (null: the state server gives no freshness). */
export interface EntryFreshness {
  /** The state server that holds the key's key group (`host:port`), or "" when no server holds it. */
  readonly node: string;
  /** The key's key group. */
  readonly keyGroup: number;
  /** The state's freshness there, or null when the server did not say (a Flink state server). */
  readonly state: FreshnessRecord | null;
}

/**
 * The freshness records that follow a batch answer's entries (one per entry, in order), with the FRESHNESS flag:
 * a state server's (`[u8 known][i64 version][i64 lastUpdateMs or -1][i64 asOfMs][i64 stalenessMs]`, only the byte when
 * unknown), or a proxy's (a table of nodes before the entries, `[i32 m][m × string node]`, and per entry
 * `[i32 node index or -1][i32 keyGroup]` and the state server's record). A record may be given as the bytes it was read
 * from (a proxy relays a state server's records without decoding them).
 */
export type BatchFreshness =
  | { readonly kind: "server"; readonly records: readonly (FreshnessRecord | Uint8Array | null)[] }
  | {
    readonly kind: "client";
    readonly nodes: readonly string[];
    readonly nodeOf: ArrayLike<number>;
    readonly keyGroups: ArrayLike<number>;
    readonly records: readonly (FreshnessRecord | Uint8Array | null | undefined)[];
  };

const UNKNOWN_RECORD = new Uint8Array([0]);

/**
 * A record whose version is also given as its millisecond and count (`version = ms << 16 | count`), so that it is
 * written without bigint arithmetic (a heap backend's records are).
 */
export interface SplitVersion {
  /** `version >> 16n`, as a number. */
  readonly versionMs: number;
  /** `version & 0xffffn`, as a number. */
  readonly versionSeq: number;
}

/** Writes a safe integer (or -1) as a Java long, without bigint arithmetic. */
function writeSafeLong(w: ByteWriter, n: number): void {
  if (n < 0) {
    w.writeInt32(-1);
    w.writeInt32(-1);
    return;
  }
  w.writeInt32(Math.floor(n / 0x1_0000_0000));
  w.writeUint32(n % 0x1_0000_0000);
}

/** Writes a state server's freshness record (see {@link BatchFreshness}); bytes read earlier are copied as they are. */
export function writeFreshnessRecord(w: ByteWriter, f: FreshnessRecord | Uint8Array | null | undefined): void {
  if (f instanceof Uint8Array) {
    w.writeBytes(f);
    return;
  }
  if (f === null || f === undefined) {
    w.writeUint8(0);
    return;
  }
  w.writeUint8(1);
  const split = f as Partial<SplitVersion>;
  if (split.versionMs !== undefined && split.versionSeq !== undefined) {
    // (ms << 16 | seq) as two int32s: ms < 2^47, so ms >> 16 < 2^31.
    w.writeInt32(Math.floor(split.versionMs / 0x10000));
    w.writeUint32(((split.versionMs % 0x10000) * 0x10000 + split.versionSeq) >>> 0);
  } else w.writeInt64(BigInt.asIntN(64, f.version));
  writeSafeLong(w, f.lastUpdateMs === null ? -1 : Math.floor(f.lastUpdateMs));
  writeSafeLong(w, Math.floor(f.asOfMs));
  writeSafeLong(w, Math.max(0, Math.floor(f.stalenessMs)));
}

/** Decodes a record that {@link readServerBatchAnswer} kept as bytes. */
export function decodeFreshnessRecord(raw: Uint8Array): FreshnessRecord | null {
  return readExtension("freshness record", () => readFreshnessRecord(new ByteReader(raw)));
}

/** Skips a state server's freshness record and returns its bytes (checked, not decoded). */
export function readRawFreshnessRecord(r: ByteReader): Uint8Array {
  const start = r.position;
  const known = r.readUint8();
  if (known === 0) return UNKNOWN_RECORD;
  if (known !== 1) throw new InvalidFrameError(`A freshness record's flag is ${known}, not 0 or 1.`, false);
  const body = r.readBytes(32);
  // Versions and times are never negative: their top bits are 0.
  if ((body[0] | body[8] | body[16] | body[24]) & 0x80) {
    if (!(body[8] === 0xff && body.subarray(8, 16).every((b) => b === 0xff)) || (body[0] | body[16] | body[24]) & 0x80) {
      throw new InvalidFrameError("A freshness record holds a negative version or time.", false);
    }
  }
  return r.bytes.subarray(start, r.position);
}

/** Reads what {@link writeFreshnessRecord} wrote. */
export function readFreshnessRecord(r: ByteReader): FreshnessRecord | null {
  const known = r.readUint8();
  if (known === 0) return null;
  if (known !== 1) throw new InvalidFrameError(`A freshness record's flag is ${known}, not 0 or 1.`, false);
  const version = r.readInt64();
  const last = r.readInt64();
  const asOf = r.readInt64();
  const staleness = r.readInt64();
  if (version < 0n || last < -1n || asOf < 0n || staleness < 0n) throw new InvalidFrameError("A freshness record holds a negative version or time.", false);
  return { version, lastUpdateMs: last === -1n ? null : Number(last), asOfMs: Number(asOf), stalenessMs: Number(staleness) };
}
