/**
 * Flink's `MathUtils.murmurHash(int)`: one murmur3 round plus fmix32 over a Java int,
 * folded to a non-negative int. Key-group routing depends on it bit for bit.
 */
export function murmurHash(code: number): number {
  let k = Math.imul(code | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  k = (k << 13) | (k >>> 19);
  k = (Math.imul(k, 5) + 0xe6546b64) | 0;
  k ^= 4;
  k ^= k >>> 16;
  k = Math.imul(k, 0x85ebca6b);
  k ^= k >>> 13;
  k = Math.imul(k, 0xc2b2ae35);
  k ^= k >>> 16;
  if (k >= 0) return k;
  return k !== -0x80000000 ? -k : 0;
}
