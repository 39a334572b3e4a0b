/**
 * The operator id Flink derives from an operator's uid (`.uid("…")`): Guava's 128-bit Murmur3 (x64, seed 0) of the
 * uid's UTF-8 bytes, as `StreamGraphHasherV2` computes it. Flink 1.x checkpoints name operators only by these ids
 * (Flink 2.x's also keep the name and uid), so a uid the job sets names its operator in `qstate schema`'s output.
 */
import { toHex } from "../core/hex.ts";

const MASK = (1n << 64n) - 1n;
const C1 = 0x87c37b91114253d5n;
const C2 = 0x4cf5ad432745937fn;

const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint) => (a * b) & MASK;

function fmix(k: bigint): bigint {
  k ^= k >> 33n;
  k = mul(k, 0xff51afd7ed558ccdn);
  k ^= k >> 33n;
  k = mul(k, 0xc4ceb9fe1a85ec53n);
  return k ^ (k >> 33n);
}

function le64(b: Uint8Array, at: number, n = 8): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

/** Guava's `Hashing.murmur3_128(0)` of `bytes`, as its 16 bytes. */
export function murmur3x64_128(bytes: Uint8Array): Uint8Array {
  let h1 = 0n, h2 = 0n;
  const blocks = Math.floor(bytes.length / 16);
  for (let i = 0; i < blocks; i++) {
    let k1 = le64(bytes, i * 16), k2 = le64(bytes, i * 16 + 8);
    k1 = mul(rotl(mul(k1, C1), 31n), C2);
    h1 ^= k1;
    h1 = (mul(((rotl(h1, 27n) + h2) & MASK), 5n) + 0x52dce729n) & MASK;
    k2 = mul(rotl(mul(k2, C2), 33n), C1);
    h2 ^= k2;
    h2 = (mul(((rotl(h2, 31n) + h1) & MASK), 5n) + 0x38495ab5n) & MASK;
  }
  const tail = bytes.length - blocks * 16, at = blocks * 16;
  if (tail > 8) h2 ^= mul(rotl(mul(le64(bytes, at + 8, tail - 8), C2), 33n), C1);
  if (tail > 0) h1 ^= mul(rotl(mul(le64(bytes, at, Math.min(tail, 8)), C1), 31n), C2);
  h1 ^= BigInt(bytes.length);
  h2 ^= BigInt(bytes.length);
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) & MASK;
  h2 = (h2 + h1) & MASK;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[i] = Number((h1 >> BigInt(8 * i)) & 0xffn);
    out[8 + i] = Number((h2 >> BigInt(8 * i)) & 0xffn);
  }
  return out;
}

/** The operator id (32 hex digits, as Flink prints it) of an operator with this uid. */
export function operatorIdOfUid(uid: string): string {
  return toHex(murmur3x64_128(new TextEncoder().encode(uid)));
}
