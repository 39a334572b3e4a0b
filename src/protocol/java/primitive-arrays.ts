/** The elements of a Java primitive array (`[B`, `[I`, ...), big-endian as DataOutput writes them, into typed arrays. */
import type { ByteReader } from "../../core/bytes.ts";
import type { JavaPrimitiveArray } from "./object-model.ts";

/** Reads `length` elements of the primitive type `code` (the char after `[` in the class name); the caller checked the bytes are there. */
export function readPrimitiveElements(r: ByteReader, code: number, length: number): JavaPrimitiveArray {
  switch (code) {
    case 0x42: { // B
      const a = new Int8Array(length);
      a.set(r.readBytes(length)); // converts 0..255 to -128..127
      return a;
    }
    case 0x43: {
      const a = new Uint16Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readUint16();
      return a;
    }
    case 0x44: {
      const a = new Float64Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readFloat64();
      return a;
    }
    case 0x46: {
      const a = new Float32Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readFloat32();
      return a;
    }
    case 0x49: {
      const a = new Int32Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readInt32();
      return a;
    }
    case 0x4a: {
      const a = new BigInt64Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readInt64();
      return a;
    }
    case 0x53: {
      const a = new Int16Array(length);
      for (let i = 0; i < length; i++) a[i] = r.readInt16();
      return a;
    }
    default: { // Z
      const a: boolean[] = [];
      for (let i = 0; i < length; i++) a.push(r.readBoolean());
      return a;
    }
  }
}
