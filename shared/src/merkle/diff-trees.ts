import type { MerkleTree } from './merkle-tree.ts';

/** What comparing two trees found, and what it cost. */
export interface TreeDiff {
  /** Indices of the leaf ranges whose contents differ, ascending: the only ranges to repair. */
  readonly ranges: readonly number[];
  /**
   * Node pairs compared on the way down. In a real exchange each is one hash
   * sent between replicas (16 bytes here), so this is the cost of finding the
   * differences, against shipping every key.
   */
  readonly nodesCompared: number;
}

/**
 * The leaf ranges where two trees of equal depth differ, found as replicas do:
 * level by level from the root, descending only into subtrees whose hashes
 * differ. Throws if the depths differ, since their ranges would not line up.
 */
export function diffTrees(a: MerkleTree, b: MerkleTree): TreeDiff {
  if (a.depth !== b.depth) {
    throw new RangeError(
      `diffTrees: cannot compare trees of depth ${a.depth} and ${b.depth}; rebuild one to match`,
    );
  }
  let nodesCompared = 0;
  let differing = [0];
  for (let level = 0; level <= a.depth; level++) {
    const hashesA = a.levels[level] ?? [];
    const hashesB = b.levels[level] ?? [];
    const next: number[] = [];
    for (const i of differing) {
      nodesCompared++;
      // Equal hashes: the whole subtree agrees, so none of it is looked at again.
      if (hashesA[i] !== hashesB[i]) next.push(i);
    }
    // Below the leaves there is nothing left to open.
    differing = level === a.depth ? next : next.flatMap((i) => [2 * i, 2 * i + 1]);
  }
  return Object.freeze({ ranges: Object.freeze(differing), nodesCompared });
}
