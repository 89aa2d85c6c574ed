import {
  childrenOf,
  differingNodes,
  parentValue,
  parseNode,
  planDescent,
  treeDepth,
} from '../domain/incremental-merkle.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { ReplicaStore } from '../store/replica-store.ts';
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
 * by key. Each request is a round trip, so a request reads two levels' worth:
 * the first one the level `prefetchLevels` down (the top levels differ almost
 * everywhere once a few keys per node differ), each later one the
 * grandchildren of the nodes opened; the levels in between are computed from
 * the level below (a node is the XOR of its children), so they cost no bytes.
 */
export async function descendTrees(
  round: RoundReplicas,
  options: { readonly prefetchLevels: number; readonly trace: TraceMessages; readonly from: string },
): Promise<Descent> {
  const { prefetchLevels, trace, from } = options;
  // Per replica, every node value read or computed so far.
  const known = new Map<string, Map<number, string | null>>();
  let rangesCompared = 0;
  const fetch = async (
    level: number,
    read: (replica: ReplicaStore) => Promise<(string | null)[]>,
    nodes: number[],
  ) => {
    trace(
      round.live().map((replica) => ({
        from,
        to: replica.name,
        kind: 'merkle-read',
        detail: { level, nodes: nodes.length },
      })),
    );
    await Promise.all(
      round.live().map(async (replica) => {
        const fetched = await round.ask(replica, () => read(replica));
        if (!fetched) return;
        const values = known.get(replica.name) ?? new Map<number, string | null>();
        nodes.forEach((node, j) => values.set(node, fetched[j] ?? null));
        known.set(replica.name, values);
      }),
    );
    rangesCompared += nodes.length;
  };
  // Fills in the ancestors of `nodes` up to `upTo` levels above them, for every replica that answered.
  const computeAbove = (nodes: readonly number[], upTo: number) => {
    for (const values of known.values()) {
      let below = [...nodes];
      for (let step = 0; step < upTo; step++) {
        const parents = [...new Set(below.map((node) => Math.floor(node / 2)))];
        for (const parent of parents)
          values.set(parent, parentValue(values.get(2 * parent) ?? null, values.get(2 * parent + 1) ?? null));
        below = parents;
      }
    }
  };

  const top = Array.from({ length: 2 ** prefetchLevels }, (_, i) => 2 ** prefetchLevels + i);
  await fetch(0, (replica) => replica.readTreeNodes(top), top);
  computeAbove(top, prefetchLevels);

  let nodes = [1];
  const listed: ListedNode[] = [];
  const levels: MerkleComparison['levels'] = [];
  for (let level = 0; level <= treeDepth && nodes.length > 0; level++) {
    const asked = nodes;
    const first = asked[0] ?? 1;
    const isKnown = [...known.values()].some((values) => values.has(first));
    if (!isKnown) {
      // The opened nodes' grandchildren (two levels in one request), or, where nothing below can be opened
      // (the level above the leaves and the leaves are always listed), their children.
      const parents = [...new Set(asked.map((node) => Math.floor(node / 2)))];
      if (level < treeDepth - 1) {
        const grandchildren = childrenOf(asked);
        await fetch(level + 1, (replica) => replica.readTreeChildren(asked), grandchildren);
        computeAbove(grandchildren, 1);
      } else await fetch(level, (replica) => replica.readTreeChildren(parents), asked);
    }
    const answered = round.live().flatMap((replica) => {
      const values = known.get(replica.name);
      return values ? [{ node: replica.name, values: asked.map((node) => values.get(node) ?? null) }] : [];
    });
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
    nodes = childrenOf(open);
  }
  return { listed, levels, rangesCompared };
}
