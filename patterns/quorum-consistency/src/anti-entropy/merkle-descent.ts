import {
  childrenOf,
  differingNodes,
  parseNode,
  planDescent,
  treeDepth,
} from '../domain/incremental-merkle.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { ListedNode, MerkleComparison } from './merkle-comparison.ts';
import type { RoundReplicas } from './round-replicas.ts';

/** What the walk down the replicas' trees found. */
export interface Descent {
  /** The differing nodes small enough (or deep enough) to list key by key, with each replica's value. */
  readonly listed: ListedNode[];
  /** Top down: nodes compared and differing per level. */
  readonly levels: MerkleComparison['levels'];
  /** Tree nodes read per replica. */
  readonly rangesCompared: number;
}

/** Levels below the root read in the first request: down to about 64 keys per node, at most 8. */
export function prefetchDepth(keys: number): number {
  return Math.max(0, Math.min(8, Math.floor(Math.log2(Math.max(1, keys) / 64))));
}

/**
 * Top down: the root on every replica, then the children of every node whose
 * values differ, until a differing node is a leaf or small enough to list key
 * by key. The top levels differ almost everywhere once a few keys per node
 * differ, and each level is a round trip, so the first request reads every
 * node down to `prefetchLevels`.
 */
export async function descendTrees(
  round: RoundReplicas,
  options: { readonly prefetchLevels: number; readonly trace: TraceMessages; readonly from: string },
): Promise<Descent> {
  const { prefetchLevels, trace, from } = options;
  const cache = new Map<string, Map<number, string | null>>();
  let nodes = [1];
  // The nodes opened on the level above: asking for their children sends half as many indices.
  let parents: number[] = [];
  let rangesCompared = 0;
  const listed: ListedNode[] = [];
  const levels: MerkleComparison['levels'] = [];
  for (let level = 0; level <= treeDepth && nodes.length > 0; level++) {
    const asked = nodes;
    const isCached = level > 0 && level <= prefetchLevels;
    const toFetch =
      level === 0 ? Array.from({ length: 2 ** (prefetchLevels + 1) - 1 }, (_, i) => i + 1) : asked;
    if (!isCached)
      trace(
        round.live().map((replica) => ({
          from,
          to: replica.name,
          kind: 'merkle-read',
          detail: { level, nodes: level === 0 ? toFetch.length : 2 * parents.length },
        })),
      );
    const answered = (
      await Promise.all(
        round.live().map(async (replica) => {
          if (!isCached) {
            const fetched = await round.ask(replica, () =>
              level === 0 ? replica.readTreeNodes(toFetch) : replica.readTreeChildren(parents),
            );
            if (fetched)
              cache.set(replica.name, new Map(toFetch.map((node, j) => [node, fetched[j] ?? null])));
            else cache.delete(replica.name);
          }
          const held = cache.get(replica.name);
          return held && { node: replica.name, values: asked.map((node) => held.get(node) ?? null) };
        }),
      )
    ).filter((answer) => answer !== undefined);
    if (!isCached) rangesCompared += toFetch.length;
    const at = new Map(asked.map((node, j) => [node, j]));
    const valueOn = (answer: { values: (string | null)[] }, node: number) =>
      answer.values[at.get(node) ?? 0] ?? null;
    const differing = differingNodes(
      asked,
      answered.map((answer) => answer.values),
    );
    levels.push({ level, compared: asked.length, differing: differing.length });
    trace(
      answered.map((answer) => ({
        from: answer.node,
        to: from,
        kind: 'merkle-hashes',
        detail: { level, compared: asked.length, differing: differing.length },
      })),
    );
    const { open, list } = planDescent(
      differing,
      (node) => answered.map((answer) => parseNode(valueOn(answer, node)).keys),
      treeDepth,
    );
    for (const node of list)
      listed.push({ node, values: new Map(answered.map((answer) => [answer.node, valueOn(answer, node)])) });
    parents = open;
    nodes = childrenOf(open);
  }
  return { listed, levels, rangesCompared };
}
