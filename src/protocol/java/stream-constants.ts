/**
 * Constants of the Java Object Serialization Stream Protocol (java.io.ObjectStreamConstants),
 * shared by the reader and the writer.
 */

export const STREAM_MAGIC = 0xaced;
export const STREAM_VERSION = 5;

/** Type codes that start each item in the stream. */
export const TC = {
  NULL: 0x70,
  REFERENCE: 0x71,
  CLASSDESC: 0x72,
  OBJECT: 0x73,
  STRING: 0x74,
  ARRAY: 0x75,
  CLASS: 0x76,
  BLOCKDATA: 0x77,
  ENDBLOCKDATA: 0x78,
  RESET: 0x79,
  BLOCKDATALONG: 0x7a,
  EXCEPTION: 0x7b,
  LONGSTRING: 0x7c,
  PROXYCLASSDESC: 0x7d,
  ENUM: 0x7e,
} as const;

/** Class descriptor flags. */
export const SC = {
  WRITE_METHOD: 0x01,
  SERIALIZABLE: 0x02,
  EXTERNALIZABLE: 0x04,
  BLOCK_DATA: 0x08,
  ENUM: 0x10,
} as const;

/** Handles are numbered from here, in the order objects are first written. */
export const BASE_WIRE_HANDLE = 0x7e0000;

/** Byte size of a primitive field / array element type code (a char code), or 0 if not primitive. */
export function primitiveSize(typeCode: number): number {
  switch (typeCode) {
    case 0x42: // B byte
    case 0x5a: // Z boolean
      return 1;
    case 0x43: // C char
    case 0x53: // S short
      return 2;
    case 0x46: // F float
    case 0x49: // I int
      return 4;
    case 0x44: // D double
    case 0x4a: // J long
      return 8;
    default:
      return 0;
  }
}
