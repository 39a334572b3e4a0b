import { InvalidArgumentError } from "./errors.ts";
import { murmurHash } from "./murmur.ts";

/** Smallest default max parallelism (number of key groups), as in Flink. */
export const DEFAULT_LOWER_BOUND_MAX_PARALLELISM = 1 << 7;
/** Largest allowed max parallelism, as in Flink. */
export const UPPER_BOUND_MAX_PARALLELISM = 1 << 15;

/**
 * An inclusive range of key groups `[start, end]`; `end = start - 1` is the empty range.
 */
export class KeyGroupRange {
  /** The first key group of the range (inclusive). */
  readonly startKeyGroup: number;
  /** The last key group of the range (inclusive); `startKeyGroup - 1` when the range is empty. */
  readonly endKeyGroup: number;

  /** The empty range `[0, -1]` (Flink's `KeyGroupRange.EMPTY_KEY_GROUP_RANGE`). */
  static readonly EMPTY: KeyGroupRange = new KeyGroupRange(0, -1);

  /**
   * The key groups `startKeyGroup` to `endKeyGroup`, both included.
   * @throws InvalidArgumentError (`INVALID_ARGUMENT`) when `startKeyGroup` is not a non-negative
   *   integer or `endKeyGroup` is below `startKeyGroup - 1`
   */
  constructor(startKeyGroup: number, endKeyGroup: number) {
    if (!Number.isInteger(startKeyGroup) || startKeyGroup < 0) {
      throw new InvalidArgumentError(
        `Key group range start must be a non-negative integer, got ${startKeyGroup}.`,
      );
    }
    if (!Number.isInteger(endKeyGroup) || endKeyGroup - startKeyGroup + 1 < 0) {
      throw new InvalidArgumentError(
        `Key group range [${startKeyGroup}, ${endKeyGroup}] is inverted: end must be >= start - 1.`,
      );
    }
    this.startKeyGroup = startKeyGroup;
    this.endKeyGroup = endKeyGroup;
  }

  /** How many key groups the range holds (0 for an empty range). */
  get numberOfKeyGroups(): number {
    return this.endKeyGroup - this.startKeyGroup + 1;
  }

  /** Whether `keyGroup` is in the range. */
  contains(keyGroup: number): boolean {
    return keyGroup >= this.startKeyGroup && keyGroup <= this.endKeyGroup;
  }

  /** Whether `other` is a KeyGroupRange with the same bounds. */
  equals(other: unknown): boolean {
    return other instanceof KeyGroupRange && other.startKeyGroup === this.startKeyGroup &&
      other.endKeyGroup === this.endKeyGroup;
  }

  /** The key groups of the range, in ascending order. */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let kg = this.startKeyGroup; kg <= this.endKeyGroup; kg++) yield kg;
  }

  /** Flink's toString: `KeyGroupRange{startKeyGroup=0, endKeyGroup=127}`. */
  toString(): string {
    return `KeyGroupRange{startKeyGroup=${this.startKeyGroup}, endKeyGroup=${this.endKeyGroup}}`;
  }
}

function checkParallelism(p: number): void {
  if (!Number.isInteger(p) || p <= 0 || p > UPPER_BOUND_MAX_PARALLELISM) {
    throw new InvalidArgumentError(`Operator parallelism not within bounds: ${p}`);
  }
}

/**
 * The key group of a key's Java `hashCode()`: `murmurHash(hash) % maxParallelism`.
 *
 * @example
 * ```ts
 * import { computeKeyGroupForKeyHash, computeOperatorIndexForKeyGroup, intSerializer } from "queryable-state";
 *
 * const keyGroup = computeKeyGroupForKeyHash(intSerializer.hashCode(42), 128); // the proxy's routing decision
 * const subtask = computeOperatorIndexForKeyGroup(128, 4, keyGroup); // which of 4 subtasks owns key 42
 * ```
 */
export function computeKeyGroupForKeyHash(keyHash: number, maxParallelism: number): number {
  return murmurHash(keyHash) % maxParallelism;
}

/** The key groups operator `operatorIndex` of `parallelism` owns, out of `maxParallelism`. */
export function computeKeyGroupRangeForOperatorIndex(
  maxParallelism: number,
  parallelism: number,
  operatorIndex: number,
): KeyGroupRange {
  checkParallelism(parallelism);
  checkParallelism(maxParallelism);
  if (maxParallelism < parallelism) {
    throw new InvalidArgumentError("Maximum parallelism must not be smaller than parallelism.");
  }
  // Java int arithmetic: wrap on overflow, truncate on division.
  const start = ((Math.imul(operatorIndex, maxParallelism) + parallelism - 1) | 0) / parallelism;
  const end = ((Math.imul(operatorIndex + 1, maxParallelism) - 1) | 0) / parallelism;
  return new KeyGroupRange(Math.trunc(start), Math.trunc(end));
}

/** The operator index (of `parallelism`) that owns `keyGroupId`. */
export function computeOperatorIndexForKeyGroup(
  maxParallelism: number,
  parallelism: number,
  keyGroupId: number,
): number {
  return Math.trunc(Math.imul(keyGroupId, parallelism) / maxParallelism);
}

function roundUpToPowerOfTwo(x: number): number {
  let v = (x | 0) - 1;
  v |= v >>> 1;
  v |= v >>> 2;
  v |= v >>> 4;
  v |= v >>> 8;
  v |= v >>> 16;
  return (v + 1) | 0;
}

/** Flink's default max parallelism for an operator parallelism: 1.5×p rounded up to a power of two, within [128, 32768]. */
export function computeDefaultMaxParallelism(parallelism: number): number {
  checkParallelism(parallelism);
  return Math.min(
    Math.max(roundUpToPowerOfTwo(parallelism + Math.trunc(parallelism / 2)), DEFAULT_LOWER_BOUND_MAX_PARALLELISM),
    UPPER_BOUND_MAX_PARALLELISM,
  );
}
