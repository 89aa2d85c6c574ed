import { murmur3_32 } from '../hashing/murmur3-32.ts';

/**
 * The key space a Merkle tree covers, cut into 2^depth leaf ranges by the top
 * `depth` bits of murmur3_32(key). Cutting by hash, not by key order, gives
 * every range about the same number of keys whatever the keys look like, and
 * both replicas agree on a key's range without asking each other.
 */

/** The deepest tree allowed: 2^16 = 65,536 leaf ranges, already far more than a lab holds keys. */
export const MAX_DEPTH = 16;

/** One leaf range: the keys whose hash h satisfies startHash <= h < endHash. */
export interface LeafRange {
  readonly index: number;
  readonly startHash: number;
  /** Exclusive; the last range ends at 2^32. */
  readonly endHash: number;
}

/** The leaf range index of `key` in a tree of `depth`: the top `depth` bits of its murmur3_32 hash. */
export function rangeOf(key: string, depth: number): number {
  assertDepth(depth);
  // `>>> 32` would shift by 0 in JavaScript, so depth 0 (a single range) is special-cased.
  return depth === 0 ? 0 : murmur3_32(key) >>> (32 - depth);
}

/** The hash bounds of leaf range `index` in a tree of `depth`. */
export function leafRange(index: number, depth: number): LeafRange {
  assertDepth(depth);
  const count = 2 ** depth;
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`leafRange: index must be an integer in [0, ${count}), got ${String(index)}`);
  }
  const width = 2 ** (32 - depth);
  return Object.freeze({ index, startHash: index * width, endHash: (index + 1) * width });
}

/** Throws unless `depth` is an integer in [0, MAX_DEPTH]. */
export function assertDepth(depth: number): void {
  if (!Number.isSafeInteger(depth) || depth < 0 || depth > MAX_DEPTH) {
    throw new RangeError(`a Merkle tree depth must be an integer in [0, ${MAX_DEPTH}], got ${String(depth)}`);
  }
}
