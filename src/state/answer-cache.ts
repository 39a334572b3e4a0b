/**
 * The serialized answers a heap state keeps between queries: small fixed-length answers cut from shared slabs (a
 * fresh small Uint8Array is costly on some runtimes), and a bounded two-generation cache of the others.
 */
import type { EntryId } from "./entry-ids.ts";

/**
 * Small answers are cut from shared slabs: each part is handed out once and never written again, so bytes handed out
 * never change; a slab lives as long as one of its answers does (answers are short-lived: a frame is written and they
 * are gone; cached answers are never cut from a slab).
 */
const SLAB_SIZE = 4096;
/** The largest answer cut from a slab. */
export const MAX_SLAB_ANSWER = 64;
let slab = new Uint8Array(SLAB_SIZE);
let slabUsed = 0;

/** `n` bytes of `from`, copied into the current slab (a new one when it is full). */
export function slabCopy(from: Uint8Array, n: number): Uint8Array {
  if (slabUsed + n > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + n);
  for (let i = 0; i < n; i++) out[i] = from[i];
  slabUsed += n;
  return out;
}

/** Serialized answers kept per state, at most (about: see {@link AnswerCache}). */
const CACHE_ENTRIES = 16_384;
const CACHE_BYTES = 16 * 1024 * 1024;

/**
 * Serialized answers by id, in two generations: new answers go to the young one, and when that is full it becomes
 * the old one (the previous old one is dropped). Bounded, and every operation takes constant time (dropping one
 * oldest entry at a time from a Map does not: engines skip the deleted slots at its front on every drop).
 */
export class AnswerCache {
  #young = new Map<EntryId, Uint8Array>();
  #youngBytes = 0;
  #old = new Map<EntryId, Uint8Array>();

  get(id: EntryId): Uint8Array | undefined {
    if (this.#young.size > 0) {
      const bytes = this.#young.get(id);
      if (bytes !== undefined) return bytes;
    }
    return this.#old.size > 0 ? this.#old.get(id) : undefined;
  }

  /** Forgets the answer of `id` (its value changed). */
  drop(id: EntryId): void {
    if (this.#young.size > 0) {
      const bytes = this.#young.get(id);
      if (bytes !== undefined) {
        this.#young.delete(id);
        this.#youngBytes -= bytes.length;
      }
    }
    if (this.#old.size > 0) this.#old.delete(id);
  }

  keep(id: EntryId, bytes: Uint8Array): void {
    if (bytes.length > CACHE_BYTES / 16) return;
    this.#young.set(id, bytes);
    this.#youngBytes += bytes.length;
    if (this.#young.size >= CACHE_ENTRIES / 2 || this.#youngBytes >= CACHE_BYTES / 2) {
      this.#old = this.#young;
      this.#young = new Map();
      this.#youngBytes = 0;
    }
  }
}
