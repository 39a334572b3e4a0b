/**
 * How a heap state names an entry: the serialized key+namespace bytes as a latin1 string, or, for a long or int key
 * without namespace, as a number (no string made per lookup). Distinct bytes always give distinct ids.
 */

/** How many bytes `String.fromCharCode` takes at once. */
const CHUNK = 4096;

/**
 * A string with one char per byte (latin1), usable as a Map key. Distinct bytes give
 * distinct strings, so it identifies serialized key+namespace bytes exactly.
 */
export function bytesToId(bytes: Uint8Array): string {
  if (bytes.length <= CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let s = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}

/** The bytes a {@link bytesToId} id stands for. */
export function idToBytes(id: string): Uint8Array {
  const out = new Uint8Array(id.length);
  for (let i = 0; i < id.length; i++) out[i] = id.charCodeAt(i);
  return out;
}

/**
 * What identifies one serialized key+namespace in a state's table: a number for the common shapes (a key of 8 or 4
 * bytes in no namespace, i.e. a long or int key with VoidNamespace), else the bytes as a {@link bytesToId} string.
 * Numbers cost no allocation and hash fast; the mapping is one to one, so equal bytes always give the same id.
 */
export type EntryId = number | string;

const TWO_32 = 2 ** 32;
/** Longs up to ±2^51 become numbers (×2, so ints can take the odd numbers); others stay strings. */
const LONG_HI_LIMIT = 2 ** 19;

/** The {@link EntryId} of serialized key+namespace bytes. */
export function entryId(b: Uint8Array): EntryId {
  const n = b.length;
  if (n === 10 && b[8] === 0x2a && b[9] === 0) {
    const hi = (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
    if (hi >= -LONG_HI_LIMIT && hi < LONG_HI_LIMIT) {
      const lo = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
      return (hi * TWO_32 + lo) * 2;
    }
  } else if (n === 6 && b[4] === 0x2a && b[5] === 0) {
    return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) * 2 + 1;
  }
  return bytesToId(b);
}

/** The bytes an {@link EntryId} stands for. */
export function entryIdBytes(id: EntryId): Uint8Array {
  if (typeof id === "string") return idToBytes(id);
  if (id % 2 !== 0) {
    const v = (id - 1) / 2;
    return new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff, 0x2a, 0]);
  }
  const v = id / 2;
  const hi = Math.floor(v / TWO_32), lo = v - hi * TWO_32;
  return new Uint8Array([hi >>> 24 & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 24, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff, 0x2a, 0]);
}

/** The key length a number {@link EntryId} implies (8 for a long, 4 for an int). */
export function impliedKeyLength(id: number): number {
  return id % 2 === 0 ? 8 : 4;
}
