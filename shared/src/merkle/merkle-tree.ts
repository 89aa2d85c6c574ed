import { assertDepth, rangeOf } from './leaf-range.ts';
import { innerHash, leafHash } from './node-hash.ts';

/**
 * A Merkle tree over a replica's keys, for anti-entropy (Dynamo, Cassandra,
 * Riak): two replicas compare roots, and only where hashes differ do they
 * look further down, so finding a few stale keys among millions costs a few
 * hashes per tree level instead of shipping every key.
 *
 * The tree is complete and binary: level 0 is the root, level `depth` holds
 * the 2^depth leaf ranges, and node i at level l has children 2i and 2i+1 at
 * level l+1. So a leaf's index, read in binary, is its path from the root.
 */

/** What a replica knows about one key: its name and a digest of its current version. */
export interface MerkleEntry {
  readonly key: string;
  /** A digest of the stored version (e.g. of its vector clock and value); equal digests mean in sync. */
  readonly digest: string;
}

/** An immutable Merkle tree. */
export interface MerkleTree {
  readonly depth: number;
  /** The root hash: equal roots mean the two key sets and digests are (almost surely) equal. */
  readonly root: string;
  /** Hashes level by level: `levels[0]` is `[root]`, `levels[depth]` the 2^depth leaves. */
  readonly levels: readonly (readonly string[])[];
  /** How many keys fall in each leaf range, for the live view. */
  readonly leafKeyCounts: readonly number[];
}

/** Builds the tree of `depth` over `entries`; throws if a key appears twice. */
export function buildMerkleTree(entries: Iterable<MerkleEntry>, options: { depth: number }): MerkleTree {
  const { depth } = options;
  assertDepth(depth);
  const leafCount = 2 ** depth;
  const buckets: [string, string][][] = Array.from({ length: leafCount }, () => []);
  for (const { key, digest } of entries) buckets[rangeOf(key, depth)]?.push([key, digest]);

  const leaves = buckets.map((bucket) => {
    // Sort by key so the leaf hash is the same whatever order the entries came in.
    bucket.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    bucket.forEach(([key], i) => {
      if (i > 0 && bucket[i - 1]?.[0] === key) {
        throw new RangeError(
          `buildMerkleTree: key ${JSON.stringify(key)} appears twice; a replica holds one digest per key`,
        );
      }
    });
    return leafHash(bucket);
  });

  // Fold pairs of children upward until one hash is left.
  const levels: (readonly string[])[] = [Object.freeze(leaves)];
  while ((levels[0] as readonly string[]).length > 1) {
    const below = levels[0] as readonly string[];
    const above = Array.from({ length: below.length / 2 }, (_, i) =>
      innerHash(below[2 * i] as string, below[2 * i + 1] as string),
    );
    levels.unshift(Object.freeze(above));
  }

  return Object.freeze({
    depth,
    root: (levels[0] as readonly string[])[0] as string,
    levels: Object.freeze(levels),
    leafKeyCounts: Object.freeze(buckets.map((bucket) => bucket.length)),
  });
}
