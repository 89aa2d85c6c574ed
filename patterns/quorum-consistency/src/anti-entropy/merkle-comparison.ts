import type { QuorumEventPayloads } from '../realtime/events.ts';

/** Where the replicas' trees differed in one round, pair by pair (the live view's Merkle panel). */
export type MerkleComparison = QuorumEventPayloads['merkle:compared'];

/** One listed node: each replica's stored value of it (null: an empty subtree). */
export interface ListedNode {
  readonly node: number;
  readonly values: ReadonlyMap<string, string | null>;
}

/** Per pair of replicas, the first leaf of each listed range where the two differ, for the live view. */
export function pairsOf(
  listed: readonly ListedNode[],
  ranges: readonly { first: number; last: number }[],
): MerkleComparison['pairs'] {
  const nodes = [...(listed[0]?.values.keys() ?? [])];
  const pairs: MerkleComparison['pairs'] = [];
  nodes.forEach((a, i) => {
    for (const b of nodes.slice(i + 1)) {
      pairs.push({
        a,
        b,
        ranges: listed.flatMap(({ values }, k) =>
          (values.get(a) ?? null) !== (values.get(b) ?? null) ? [ranges[k]?.first ?? 0] : [],
        ),
      });
    }
  });
  return pairs;
}
