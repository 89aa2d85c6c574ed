import { murmur3_32 } from './murmur3-32.ts';

/**
 * Rendezvous or highest-random-weight hashing (Thaler & Ravishankar, 1998):
 * every node gets a pseudo-random weight for the key and the heaviest owns
 * it. Removing a node moves only the keys it owned (each to its runner-up);
 * adding one moves only the keys where it is now the heaviest, about
 * 1/(n+1). No ring, no virtual nodes, at the cost of n hashes per lookup.
 */

/** A node's weight for a key. */
export interface RendezvousWeight {
  readonly node: string;
  readonly weight: number;
}

/** Every node ranked for `key`, heaviest first: the owner, then the natural replica order. */
export function rendezvousRanking(key: string, nodes: Iterable<string>): readonly RendezvousWeight[] {
  const ranked = [...new Set(nodes)].map((node) =>
    Object.freeze({ node, weight: rendezvousWeight(key, node) }),
  );
  // Equal 32-bit weights are rare but possible; the node name settles them the same way everywhere.
  ranked.sort((a, b) => b.weight - a.weight || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return Object.freeze(ranked);
}

/** The node that owns `key`: the one with the highest weight. */
export function rendezvousOwner(key: string, nodes: Iterable<string>): string {
  const top = rendezvousRanking(key, nodes)[0];
  if (top === undefined) throw new RangeError('rendezvousOwner: no nodes to choose from');
  return top.node;
}

/**
 * The weight of `node` for `key`: murmur3_32 of the key, seeded by a hash of
 * the node. For a fixed key, MurmurHash3 is a bijection of its seed, so
 * distinct node seeds never tie and each node's weight is an independent-looking draw.
 */
export function rendezvousWeight(key: string, node: string): number {
  return murmur3_32(key, murmur3_32(node));
}
