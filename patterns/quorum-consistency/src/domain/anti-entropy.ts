import { buildMerkleTree, diffTrees, rangeOf } from '@kvs-lab/shared/merkle';
import type { MerkleTree } from '@kvs-lab/shared/merkle';

/**
 * Merkle anti-entropy between replicas: each replica summarises its keys as a
 * Merkle tree of (key, digest of its versions). Two replicas compare trees
 * from the root down and only open subtrees whose hashes differ, so the cost
 * of finding k stale keys grows with k, not with the number of keys.
 */

/** One replica's summary: key -> digest of the versions it stores. */
export interface ReplicaDigests {
  readonly node: string;
  readonly digests: ReadonlyMap<string, string>;
}

/** Bytes per hash sent in a tree exchange (128-bit MurmurHash3). */
export const hashBytes = 16;

/** The tree of one replica's digests. */
export function treeOf(replica: ReplicaDigests, depth: number): MerkleTree {
  return buildMerkleTree(
    [...replica.digests].map(([key, digest]) => ({ key, digest })),
    { depth },
  );
}

export interface PairComparison {
  readonly a: string;
  readonly b: string;
  readonly ranges: readonly number[];
  readonly nodesCompared: number;
}

export interface ExchangePlan {
  readonly pairs: readonly PairComparison[];
  /** Leaf ranges that differ in at least one pair, ascending. */
  readonly differingRanges: readonly number[];
  /** Keys inside differing ranges whose digests are not the same on every replica. */
  readonly keysToRepair: readonly string[];
  /** Hashes exchanged to find them, in bytes: the price of the search. */
  readonly hashBytes: number;
}

/**
 * Compares every pair of replicas' trees and lists the keys to repair: those
 * in a differing range whose digest is missing or different somewhere. Keys in
 * ranges whose hashes agree are never looked at.
 */
export function planExchange(replicas: readonly ReplicaDigests[], depth: number): ExchangePlan {
  const trees = replicas.map((replica) => ({ node: replica.node, tree: treeOf(replica, depth) }));
  const pairs: PairComparison[] = [];
  for (let i = 0; i < trees.length; i++) {
    for (let j = i + 1; j < trees.length; j++) {
      const left = trees[i];
      const right = trees[j];
      if (!left || !right) continue;
      const diff = diffTrees(left.tree, right.tree);
      pairs.push({ a: left.node, b: right.node, ranges: diff.ranges, nodesCompared: diff.nodesCompared });
    }
  }
  const differing = new Set(pairs.flatMap((pair) => pair.ranges));
  const candidates = new Set<string>();
  for (const replica of replicas) {
    for (const key of replica.digests.keys()) if (differing.has(rangeOf(key, depth))) candidates.add(key);
  }
  const keysToRepair = [...candidates]
    .filter((key) => new Set(replicas.map((replica) => replica.digests.get(key) ?? '')).size > 1)
    .sort();
  return {
    pairs,
    differingRanges: [...differing].sort((x, y) => x - y),
    keysToRepair,
    hashBytes: pairs.reduce((sum, pair) => sum + pair.nodesCompared, 0) * hashBytes,
  };
}
