/**
 * Java's "modified UTF-8" (DataInput.readUTF / DataOutput.writeUTF): every UTF-16 code unit
 * is encoded on its own (so surrogates take 3 bytes each and lone surrogates survive), and
 * U+0000 is written as C0 80 so encoded strings never contain a zero byte.
 */

/** Number of modified-UTF-8 bytes `s` encodes to. */
export function modifiedUtf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c >= 0x0001 && c <= 0x007f ? 1 : c <= 0x07ff ? 2 : 3;
  }
  return n;
}

/** Encodes `s` as modified UTF-8 (no length prefix). */
export function encodeModifiedUtf8(s: string): Uint8Array {
  const out = new Uint8Array(modifiedUtf8Length(s));
  let p = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x0001 && c <= 0x007f) {
      out[p++] = c;
    } else if (c <= 0x07ff) {
      out[p++] = 0xc0 | (c >> 6);
      out[p++] = 0x80 | (c & 0x3f);
    } else {
      out[p++] = 0xe0 | (c >> 12);
      out[p++] = 0x80 | ((c >> 6) & 0x3f);
      out[p++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

/**
 * Decodes `length` bytes of modified UTF-8 starting at `start`. Accepts exactly what Java's
 * readUTF accepts (including non-shortest forms, which Java does not reject). On a bad byte
 * it calls `fail` with the offset relative to `start`, so callers raise their own error type.
 */
export function decodeModifiedUtf8(
  bytes: Uint8Array,
  start: number,
  length: number,
  fail: (relativeOffset: number, reason: string) => never,
): string {
  const end = start + length;
  // Build in chunks: String.fromCharCode.apply has an argument-count limit.
  const CHUNK = 4096;
  const units: number[] = [];
  let result = "";
  let i = start;
  while (i < end) {
    const a = bytes[i];
    let unit: number;
    if (a < 0x80) {
      unit = a;
      i += 1;
    } else if ((a & 0xe0) === 0xc0) {
      if (i + 2 > end) fail(i - start, "partial 2-byte character at end");
      const b = bytes[i + 1];
      if ((b & 0xc0) !== 0x80) fail(i + 1 - start, "malformed 2-byte character");
      unit = ((a & 0x1f) << 6) | (b & 0x3f);
      i += 2;
    } else if ((a & 0xf0) === 0xe0) {
      if (i + 3 > end) fail(i - start, "partial 3-byte character at end");
      const b = bytes[i + 1];
      const c = bytes[i + 2];
      if ((b & 0xc0) !== 0x80 || (c & 0xc0) !== 0x80) {
        fail(i + 1 - start, "malformed 3-byte character");
      }
      unit = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f);
      i += 3;
    } else {
      fail(i - start, `byte 0x${a.toString(16)} cannot start a character`);
    }
    units.push(unit);
    if (units.length === CHUNK) {
      result += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  if (units.length > 0) result += String.fromCharCode.apply(null, units);
  return result;
}
