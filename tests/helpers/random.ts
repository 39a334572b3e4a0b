/** A small seeded PRNG (mulberry32) so property tests are reproducible: the seed is printed on failure. */
export class Rng {
  #s: number;
  readonly seed: number;
  constructor(seed = (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0) {
    this.seed = seed >>> 0;
    this.#s = this.seed;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  int32(): number {
    return (this.next() * 4294967296) | 0;
  }
  int64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.int32() >>> 0) << 32n) | BigInt(this.int32() >>> 0));
  }
  bool(): boolean {
    return this.next() < 0.5;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
  /** A string mixing ASCII, 2- and 3-byte varint chars, surrogate pairs and lone surrogates. */
  string(maxLen = 40): string {
    const n = this.int(0, maxLen);
    let s = "";
    for (let i = 0; i < n; i++) {
      const k = this.int(0, 9);
      if (k < 5) s += String.fromCharCode(this.int(0, 0x7f));
      else if (k < 7) s += String.fromCharCode(this.int(0x80, 0x3fff));
      else if (k < 8) s += String.fromCharCode(this.int(0x4000, 0xffff));
      else s += String.fromCodePoint(this.int(0x10000, 0x10ffff));
    }
    return s;
  }
  double(): number {
    const k = this.int(0, 5);
    if (k === 0) return this.pick([0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE]);
    const b = new DataView(new ArrayBuffer(8));
    b.setInt32(0, this.int32());
    b.setInt32(4, this.int32());
    return b.getFloat64(0);
  }
}

/** Runs `fn` with a fresh Rng; on failure the seed is part of the error. */
export function withSeed(fn: (rng: Rng) => void, seed?: number): void {
  const rng = new Rng(seed);
  try {
    fn(rng);
  } catch (e) {
    (e as Error).message = `[seed ${rng.seed}] ${(e as Error).message}`;
    throw e;
  }
}
