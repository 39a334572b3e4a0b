const scratch = new DataView(new ArrayBuffer(8));

/** Java `Long.hashCode(v)`: `(int)(v ^ (v >>> 32))`. */
export function javaLongHash(v: bigint | number): number {
  if (typeof v === "number") {
    scratch.setFloat64(0, 0);
    scratch.setBigInt64(0, BigInt(v));
  } else scratch.setBigInt64(0, BigInt.asIntN(64, v));
  return scratch.getInt32(0) ^ scratch.getInt32(4);
}

/** Java `Double.hashCode(v)`, over `doubleToLongBits` (NaN canonicalised). */
export function javaDoubleHash(v: number): number {
  if (Number.isNaN(v)) return 0x7ff80000;
  scratch.setFloat64(0, v);
  return scratch.getInt32(0) ^ scratch.getInt32(4);
}

/** Java `Float.hashCode(v)`: `floatToIntBits(v)` (NaN canonicalised). */
export function javaFloatHash(v: number): number {
  if (Number.isNaN(v)) return 0x7fc00000;
  scratch.setFloat32(0, v);
  return scratch.getInt32(0);
}

/** Java `String.hashCode()` over UTF-16 code units. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Java `Boolean.hashCode(v)`. */
export function javaBooleanHash(v: boolean): number {
  return v ? 1231 : 1237;
}
