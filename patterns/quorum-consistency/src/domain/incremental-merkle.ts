import { rangeOf } from '@kvs-lab/shared/merkle';

/**
 * The Merkle tree each replica keeps up to date as it writes (as Cassandra
 * and Riak keep theirs), so anti-entropy never rebuilds a tree from the
 * whole key space: it reads a few hashes per level, top down, and then the
 * keys of the leaves that differ.
 *
 * Shape: a complete binary tree of `treeDepth` levels stored as a heap.
 * Node 1 is the root; node i has children 2i and 2i+1; the leaf for range r
 * is node 2^depth + r. A key's range is the top `depth` bits of
 * murmur3_32(key) (the kit's `rangeOf`), so replicas agree on it without
 * asking each other.
 *
 * Hash: a node's hash is the XOR of the 64-bit digests of every key below it.
 * XOR is what makes the tree incremental: changing one key's digest from d
 * to d' XORs d ^ d' into the depth+1 nodes on its path, with no sibling to
 * read. It is not collision resistant against crafted digests, but digests
 * are SHA-1 prefixes computed by the replica itself, so two different key
 * sets agree on a node only by a 2^-64 accident, enough for a repair that
 * runs again next round.
 */

/**
 * Depth of the stored tree: 2^14 = 16,384 leaves, a few keys per leaf at
 * 100,000 keys. Deeper trees cost more hashes per differing key on the way
 * down; shallower ones more keys listed per differing leaf. Every replica and
 * coordinator must use the same value: it is part of the stored format.
 */
export const treeDepth = 14;

/** The hash of an empty subtree, and the XOR identity. */
export const zeroHash = '0000000000000000';

/** One stored node: the XOR of its keys' digests and how many keys are below it. */
export interface TreeNode {
  readonly hash: string;
  readonly keys: number;
}

/** The leaf (range) that holds `key`. */
export function leafOf(key: string, depth: number = treeDepth): number {
  return rangeOf(key, depth);
}

/** The heap index of leaf `leaf` in a tree of `depth`. */
export function nodeOfLeaf(leaf: number, depth: number): number {
  return 2 ** depth + leaf;
}

/** The leaf index of heap node `node`, which must lie on the bottom level. */
export function leafOfNode(node: number, depth: number): number {
  return node - 2 ** depth;
}

/** The heap indices from leaf `leaf` up to the root: the nodes one key's change touches. */
export function pathOf(leaf: number, depth: number): number[] {
  const path: number[] = [];
  for (let node = nodeOfLeaf(leaf, depth); node >= 1; node = Math.floor(node / 2)) path.push(node);
  return path;
}

/** The level of heap node `node`: 0 for the root. */
export function levelOf(node: number): number {
  return Math.floor(Math.log2(node));
}

/** The leaves under heap node `node`, first and last inclusive: the keys a listing of it returns. */
export function leavesUnder(node: number, depth: number): { first: number; last: number } {
  const width = 2 ** (depth - levelOf(node));
  const first = node * width - 2 ** depth;
  return { first, last: first + width - 1 };
}

/** The children of every node in `nodes`, in order. */
export function childrenOf(nodes: readonly number[]): number[] {
  return nodes.flatMap((node) => [2 * node, 2 * node + 1]);
}

/** XOR of two 64-bit hashes written as 16 hex digits (what the Lua scripts compute with `bit.bxor`). */
export function xorHash(a: string, b: string): string {
  const word = (hash: string, at: number) => Number.parseInt(hash.slice(at, at + 8), 16);
  const hex = (value: number) => (value >>> 0).toString(16).padStart(8, '0');
  return hex(word(a, 0) ^ word(b, 0)) + hex(word(a, 8) ^ word(b, 8));
}

/** A stored node value `"<hash>:<keys>"` read back; absent means the empty subtree. */
export function parseNode(value: string | null | undefined): TreeNode {
  if (!value) return { hash: zeroHash, keys: 0 };
  const at = value.indexOf(':');
  return { hash: value.slice(0, at), keys: Number(value.slice(at + 1)) };
}

/** The stored form of a node; the empty subtree is not stored at all. */
export function formatNode(node: TreeNode): string | null {
  return node.keys === 0 ? null : `${node.hash}:${node.keys}`;
}

/**
 * A node's stored value from its two children's: the XOR of their hashes and
 * the sum of their keys (null: an empty subtree). What lets a descent read only
 * every other level and still compare the levels in between.
 */
export function parentValue(left: string | null, right: string | null): string | null {
  const a = parseNode(left);
  const b = parseNode(right);
  return formatNode({ hash: xorHash(a.hash, b.hash), keys: a.keys + b.keys });
}

/**
 * The rule the write script applies: one key's digest goes from `before` to
 * `after` (null: absent), so every node on its path XORs in the difference and
 * counts the key in or out. Returns a new tree; the input is not changed.
 */
export function applyEntryChange(
  tree: ReadonlyMap<number, TreeNode>,
  change: { readonly leaf: number; readonly before: string | null; readonly after: string | null },
  depth: number,
): Map<number, TreeNode> {
  const next = new Map(tree);
  if (change.before === change.after) return next;
  const delta = xorHash(change.before ?? zeroHash, change.after ?? zeroHash);
  const keysDelta = (change.after === null ? 0 : 1) - (change.before === null ? 0 : 1);
  for (const node of pathOf(change.leaf, depth)) {
    const current = next.get(node) ?? { hash: zeroHash, keys: 0 };
    const updated = { hash: xorHash(current.hash, delta), keys: current.keys + keysDelta };
    if (updated.keys === 0) next.delete(node);
    else next.set(node, updated);
  }
  return next;
}

/** The tree of a whole key set, built from scratch: what the incremental updates must always equal. */
export function buildTree(
  entries: Iterable<{ readonly key: string; readonly digest: string }>,
  depth: number,
): Map<number, TreeNode> {
  let tree = new Map<number, TreeNode>();
  for (const { key, digest } of entries)
    tree = applyEntryChange(tree, { leaf: leafOf(key, depth), before: null, after: digest }, depth);
  return tree;
}

/**
 * One step of the top-down comparison: of `nodes`, those whose stored value
 * is not the same on every replica. `answers[i][j]` is replica i's value for
 * `nodes[j]` (null: empty). Equal values mean the whole subtree agrees, so
 * nothing below it is ever read.
 */
export function differingNodes(
  nodes: readonly number[],
  answers: readonly (readonly (string | null)[])[],
): number[] {
  const [first, ...others] = answers;
  return nodes.filter((_, j) => others.some((values) => (values[j] ?? null) !== (first?.[j] ?? null)));
}

/**
 * A differing node at the frontier of what a descent has read, holding at
 * most this many keys on every replica, is listed key by key (its keys and
 * digests come in the same round trip as the next hashes read) rather than
 * opened: reading further down costs a round trip, and 16 keys listed cost
 * about what 16 hashes do.
 */
export const listThreshold = 16;

/** The most levels a descent reads below an opened node in one request: 2^4 = 16 hashes per node. */
export const maxStride = 4;

/**
 * Splits differing nodes into those to open (their children are compared
 * next) and those to list (their keys are read and compared). A leaf is
 * always listed. A node whose children are already known (`isKnownBelow`:
 * read in an earlier request, or computed) is opened, since comparing them
 * costs nothing. At the frontier, a node that holds at most `threshold` keys
 * on every replica is listed; just above the leaves "few" is twice as many,
 * since opening such a node costs a round trip to save listing one leaf's
 * few keys.
 */
export function planDescent(
  differing: readonly number[],
  keysOn: (node: number) => readonly number[],
  depth: number,
  threshold: number = listThreshold,
  isKnownBelow: (node: number) => boolean = () => false,
): { open: number[]; list: number[] } {
  const open: number[] = [];
  const list: number[] = [];
  for (const node of differing) {
    const level = levelOf(node);
    if (level === depth) list.push(node);
    else if (isKnownBelow(node)) open.push(node);
    else if (Math.max(0, ...keysOn(node)) <= (level === depth - 1 ? 2 * threshold : threshold))
      list.push(node);
    else open.push(node);
  }
  return { open, list };
}

/**
 * How many levels to read below an opened frontier node holding `keys` keys
 * at `level`: enough that each node reached is expected to hold at most half
 * the listing threshold (keys spread evenly over the leaves by their hash), so
 * nearly all of them can be listed in the next request instead of opened
 * again; at least one level, at most `stride` levels, never below the leaves.
 */
export function strideFor(
  keys: number,
  level: number,
  depth: number,
  threshold: number = listThreshold,
  stride: number = maxStride,
): number {
  let levels = 1;
  while (levels < stride && keys / 2 ** levels > threshold / 2) levels += 1;
  return Math.max(0, Math.min(levels, depth - level));
}

/**
 * The keys to repair once the differing leaves are listed: a key whose digest
 * is not the same on every replica (missing counts as different). `listings[i]`
 * maps each key of replica i in those leaves to its digest.
 */
export function keysToRepair(listings: readonly ReadonlyMap<string, string>[]): string[] {
  const differing = new Set<string>();
  for (const listing of listings)
    for (const key of listing.keys())
      if (!differing.has(key) && listings.some((other) => other.get(key) !== listing.get(key)))
        differing.add(key);
  return [...differing].sort();
}

/**
 * For each key to repair, one replica per distinct digest to read the
 * versions from: replicas with equal digests hold equal sibling sets, so
 * reading one of them is enough. Replicas without the key are left out.
 */
export function readersFor(
  key: string,
  listings: readonly { readonly node: string; readonly digests: ReadonlyMap<string, string> }[],
): { node: string; sameAs: string[] }[] {
  const byDigest = new Map<string, string[]>();
  for (const { node, digests } of listings) {
    const digest = digests.get(key);
    if (digest === undefined) continue;
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), node]);
  }
  return [...byDigest.values()].map(([node, ...sameAs]) => ({ node: node as string, sameAs }));
}
