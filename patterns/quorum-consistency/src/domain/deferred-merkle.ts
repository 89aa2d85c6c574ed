import { formatNode, nodeOfLeaf, parseNode, xorHash, zeroHash } from './incremental-merkle.ts';
import type { TreeNode } from './incremental-merkle.ts';

/**
 * Deferred upkeep of the incremental Merkle tree: a write records its change
 * at its leaf only, and the nodes above are brought up to date in batches,
 * before anyone reads them. A write then costs one field instead of the
 * depth+1 nodes of its path, and a batch writes a node shared by many
 * changed leaves (the root, the top levels) once instead of once per change.
 *
 * This holds because a node's hash is an XOR and its count a sum: changes
 * commute and combine, so the XOR of every delta recorded at a leaf, applied
 * once, gives the node the same value as applying each delta as it came.
 * The tree a reader sees is always the stored tree with every pending change
 * applied (the replicas' scripts flush before any read of a node).
 */

/** Changes waiting at one leaf: the XOR of the digest changes and the net count of keys in or out. */
export interface PendingChange {
  readonly delta: string;
  readonly keysDelta: number;
}

/** The change a key's digest going from `before` to `after` (null: absent) makes to its leaf and above. */
export function changeOf(before: string | null, after: string | null): PendingChange {
  return {
    delta: xorHash(before ?? zeroHash, after ?? zeroHash),
    keysDelta: (after === null ? 0 : 1) - (before === null ? 0 : 1),
  };
}

/** Two changes as one: XOR the deltas, add the counts (the order never matters). */
export function combineChanges(a: PendingChange, b: PendingChange): PendingChange {
  return { delta: xorHash(a.delta, b.delta), keysDelta: a.keysDelta + b.keysDelta };
}

/** A change that alters nothing, e.g. a key written and written back: nothing needs to wait for it. */
export function isNoChange(change: PendingChange): boolean {
  return change.delta === zeroHash && change.keysDelta === 0;
}

/**
 * What a write does: adds its change to what already waits at its leaf
 * (a new map; the input is not changed). A leaf whose changes cancel out
 * waits for nothing.
 */
export function recordChange(
  pending: ReadonlyMap<number, PendingChange>,
  leaf: number,
  change: PendingChange,
): Map<number, PendingChange> {
  const next = new Map(pending);
  const waiting = next.get(leaf);
  const combined = waiting ? combineChanges(waiting, change) : change;
  if (isNoChange(combined)) next.delete(leaf);
  else next.set(leaf, combined);
  return next;
}

/**
 * Every node a batch of pending leaves changes, with the combined change it
 * gets: the leaves themselves, then level by level their parents, each the
 * combination of its changed children, up to the root. One entry per node,
 * however many leaves lie below it.
 */
export function changesByNode(
  pending: ReadonlyMap<number, PendingChange>,
  depth: number,
): Map<number, PendingChange> {
  const all = new Map<number, PendingChange>();
  let level = new Map<number, PendingChange>();
  for (const [leaf, change] of pending) level.set(nodeOfLeaf(leaf, depth), change);
  while (level.size > 0) {
    const parents = new Map<number, PendingChange>();
    for (const [node, change] of level) {
      all.set(node, change);
      if (node === 1) continue;
      const parent = Math.floor(node / 2);
      const sibling = parents.get(parent);
      parents.set(parent, sibling ? combineChanges(sibling, change) : change);
    }
    level = parents;
  }
  return all;
}

/**
 * What a flush does: applies a batch of pending leaves to the stored tree
 * (stored values as `"<hash>:<keys>"`, absent for an empty subtree) and
 * answers the nodes to write (null: the subtree became empty, delete it).
 */
export function flushChanges(
  stored: (node: number) => string | null,
  pending: ReadonlyMap<number, PendingChange>,
  depth: number,
): Map<number, string | null> {
  const writes = new Map<number, string | null>();
  for (const [node, change] of changesByNode(pending, depth)) {
    if (isNoChange(change)) continue;
    const current: TreeNode = parseNode(stored(node));
    writes.set(
      node,
      formatNode({ hash: xorHash(current.hash, change.delta), keys: current.keys + change.keysDelta }),
    );
  }
  return writes;
}
