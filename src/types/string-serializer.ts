import type { ByteReader, ByteWriter } from "../core/bytes.ts";
import { SerializationError, TruncatedInputError } from "../core/errors.ts";
import { javaStringHash } from "./java-hash.ts";
import { badJson } from "./json-value.ts";
import { badValue } from "./primitive-serializers.ts";
import type { KeySerializer } from "./type-serializer.ts";

const HIGH_BIT = 0x80;
const CHUNK = 4096;

/**
 * Java `String` ⇄ `string | null` in Flink's `StringValue` format: a base-128 varint of
 * `length + 1` (0 means null), then each UTF-16 code unit as its own base-128 varint
 * (1-3 bytes). Surrogates are written unit by unit, so any JS string round-trips.
 */
export const stringSerializer: KeySerializer<string | null> = {
  name: "StringSerializer",
  length: -1,
  serialize(v: string | null, out: ByteWriter): void {
    if (v === null) {
      out.writeUint8(0);
      return;
    }
    if (typeof v !== "string") throw badValue(this.name, "a string or null", v);
    const n = v.length;
    out.ensure(5 + 3 * n);
    const buf = out.rawBuffer;
    let p = out.length;
    let len = n + 1;
    while (len >= HIGH_BIT) {
      buf[p++] = (len & 0x7f) | HIGH_BIT;
      len >>>= 7;
    }
    buf[p++] = len;
    for (let i = 0; i < n; i++) {
      let c = v.charCodeAt(i);
      if (c < HIGH_BIT) {
        buf[p++] = c;
        continue;
      }
      while (c >= HIGH_BIT) {
        buf[p++] = (c & 0x7f) | HIGH_BIT;
        c >>>= 7;
      }
      buf[p++] = c;
    }
    out.commit(p);
  },
  deserialize(input: ByteReader): string | null {
    let len = readVarint(input);
    if (len === 0) return null;
    len -= 1;
    // Every char takes at least one byte: refuse impossible lengths before allocating.
    if (len > input.remaining) throw new TruncatedInputError(len, input.remaining, "string");
    const bytes = input.bytes;
    const start = input.position;
    // ASCII fast path: one byte per char, no varint continuation.
    let ascii = true;
    for (let i = 0; i < len; i++) {
      if (bytes[start + i] >= HIGH_BIT) {
        ascii = false;
        break;
      }
    }
    if (ascii) return fromCodes(input.readBytes(len));
    const units = new Uint16Array(len);
    for (let i = 0; i < len; i++) {
      let c = input.readUint8();
      if (c >= HIGH_BIT) {
        c &= 0x7f;
        let shift = 7;
        let curr: number;
        while ((curr = input.readUint8()) >= HIGH_BIT) {
          if (shift < 32) c |= (curr & 0x7f) << shift;
          shift += 7;
        }
        if (shift < 32) c |= curr << shift;
      }
      units[i] = c; // Java's (char) cast keeps the low 16 bits; Uint16Array does the same.
    }
    return fromCodes(units);
  },
  hashCode(v: string | null): number {
    if (v === null) throw badValue(this.name, "a non-null string as a key", v);
    return javaStringHash(v);
  },
  fromJson(json: unknown): string | null {
    if (json === null) return null;
    if (typeof json !== "string") throw badJson(this.name, "a string or null", json);
    return json;
  },
};

function readVarint(input: ByteReader): number {
  let len = input.readUint8();
  if (len < HIGH_BIT) return len;
  len &= 0x7f;
  let shift = 7;
  let curr: number;
  while ((curr = input.readUint8()) >= HIGH_BIT) {
    len += (curr & 0x7f) * 2 ** shift;
    shift += 7;
    if (shift > 35) throw new SerializationError("String length varint is longer than 5 bytes.");
  }
  len += curr * 2 ** shift;
  if (len > 0x7fffffff) {
    throw new SerializationError(`String length ${len - 1} exceeds Java's maximum string length.`);
  }
  return len;
}

function fromCodes(codes: Uint8Array | Uint16Array): string {
  if (codes.length <= CHUNK) return String.fromCharCode.apply(null, codes as unknown as number[]);
  let s = "";
  for (let i = 0; i < codes.length; i += CHUNK) {
    s += String.fromCharCode.apply(null, codes.subarray(i, i + CHUNK) as unknown as number[]);
  }
  return s;
}
