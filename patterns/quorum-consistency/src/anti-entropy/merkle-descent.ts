import {
  childrenOf,
  differingNodes,
  parentValue,
  parseNode,
  planDescent,
  treeDepth,
} from '../domain/incremental-merkle.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { ListedNode, MerkleComparison } from './merkle-comparison.ts';
import { groupByValue, readOncePerValue } from './read-once-per-value.ts';
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

/**
 * Levels below the root read in the first request: down to about 64 keys per node, at most 8. Reading
 * deeper (16 keys per node, up to 1,024 nodes) saved a round trip on paper but measured slower in the same
 * bench at the same load, and moved more bytes.
 */
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
  const traceRead = (level: number, nodes: number) =>
    trace(
      round.live().map((replica) => ({
        from,
        to: replica.name,
        kind: 'merkle-read',
        detail: { level, nodes },
      })),
    );
  const remember = (name: string, nodes: readonly number[], values: readonly (string | null)[]) => {
    const held = known.get(name) ?? new Map<number, string | null>();
    nodes.forEach((node, j) => held.set(node, values[j] ?? null));
    known.set(name, held);
  };
  // The children of each of `parents`, read from one replica per distinct value of the node `under(parent)`
  // (the parent itself or the node above it): replicas that agree there agree below.
  const readChildren = async (level: number, parents: readonly number[], under: (node: number) => number) => {
    traceRead(level, 2 * parents.length);
    const names = round.live().map((replica) => replica.name);
    const answers = await readOncePerValue(
      round,
      parents.map((parent) => ({
        item: parent,
        groups: groupByValue(names, (name) => known.get(name)?.get(under(parent))),
      })),
      async (replica, asked) => {
        const flat = await replica.readTreeChildren(asked);
        return asked.map((_, j): [string | null, string | null] => [
          flat[2 * j] ?? null,
          flat[2 * j + 1] ?? null,
        ]);
      },
    );
    for (const [name, pairs] of answers)
      for (const [parent, [left, right]] of pairs)
        remember(name, [2 * parent, 2 * parent + 1], [left, right]);
    rangesCompared += 2 * parents.length;
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

  // The first request reads the level `prefetchLevels` down on every replica: nothing is known to group by.
  const top = Array.from({ length: 2 ** prefetchLevels }, (_, i) => 2 ** prefetchLevels + i);
  traceRead(0, top.length);
  await Promise.all(
    round.live().map(async (replica) => {
      const values = await round.ask(replica, () => replica.readTreeNodes(top));
      if (values) remember(replica.name, top, values);
    }),
  );
  rangesCompared += top.length;
  computeAbove(top, prefetchLevels);

  let nodes = [1];
  const listed: ListedNode[] = [];
  const levels: MerkleComparison['levels'] = [];
  for (let level = 0; level <= treeDepth && nodes.length > 0; level++) {
    const asked = nodes;
    const first = asked[0] ?? 1;
    const isKnown = [...known.values()].some((values) => values.has(first));
    if (!isKnown) {
      // The opened nodes' grandchildren (two levels in one request: the level above the leaves comes with
      // the leaves), or, at the leaves, the leaves themselves.
      const parents = [...new Set(asked.map((node) => Math.floor(node / 2)))];
      if (level < treeDepth) {
        await readChildren(level + 1, asked, (node) => Math.floor(node / 2));
        computeAbove(childrenOf(asked), 1);
      } else await readChildren(level, parents, (node) => node);
    }
    const answered = round.live().flatMap((replica) => {
      const held = known.get(replica.name);
      return held ? [{ node: replica.name, held, values: asked.map((node) => held.get(node) ?? null) }] : [];
    });
    const valueOn = (answer: { held: ReadonlyMap<number, string | null> }, node: number) =>
      answer.held.get(node) ?? null;
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
