import {
  differingNodes,
  levelOf,
  listThreshold,
  parentValue,
  parseNode,
  planDescent,
  strideFor,
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
 * Top down: the root on every replica, then below every node whose values
 * differ, until a differing node is a leaf or small enough to list key by key.
 * Each request is a round trip, so each reads as far down as pays: the first
 * one the level `prefetchLevels` down on every replica (the top levels differ
 * almost everywhere once a few keys per node differ), each later one, under
 * every node opened at the edge of what is known, the level where its nodes
 * are expected to be small enough to list (strideFor), from one replica per
 * distinct value of the opened node, and compares that level directly: the
 * levels in between would only lead to the same differing nodes. The levels
 * above the first request's are computed (a node is the XOR of its children),
 * so the comparison starts at the root at no cost in bytes. A node to list is
 * handed to `onListed` as soon as it is found, so its listing travels beside
 * the descent's next request instead of after the descent.
 */
export async function descendTrees(
  round: RoundReplicas,
  options: {
    readonly prefetchLevels: number;
    readonly trace: TraceMessages;
    readonly from: string;
    readonly onListed: (nodes: readonly ListedNode[]) => void;
  },
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
  const isKnown = (node: number) =>
    round.live().some((replica) => known.get(replica.name)?.has(node) ?? false);
  // Fills in the ancestors of `nodes` up to `upTo` levels above them, for every replica that holds them.
  const computeAbove = (nodes: readonly number[], upTo: number) => {
    for (const values of known.values()) {
      if (!values.has(nodes[0] ?? 0)) continue;
      let below = [...nodes];
      for (let step = 0; step < upTo; step++) {
        const parents = [...new Set(below.map((node) => Math.floor(node / 2)))];
        for (const parent of parents)
          values.set(parent, parentValue(values.get(2 * parent) ?? null, values.get(2 * parent + 1) ?? null));
        below = parents;
      }
    }
  };
  // The nodes `levels` below each opened node, read from one replica per distinct value of the opened
  // node: replicas that agree on a node agree below it.
  const readBelow = async (opened: readonly number[], levels: number) => {
    const width = 2 ** levels;
    traceRead(levelOf(opened[0] ?? 1) + levels, width * opened.length);
    const names = round.live().map((replica) => replica.name);
    const answers = await readOncePerValue(
      round,
      opened.map((node) => ({
        item: node,
        groups: groupByValue(names, (name) => known.get(name)?.get(node)),
      })),
      async (replica, asked) => {
        const flat = await replica.readTreeBelow(asked, levels);
        return asked.map((_, j) => flat.slice(j * width, (j + 1) * width));
      },
    );
    for (const [name, values] of answers)
      for (const [node, under] of values) remember(name, descendantsOf(node, levels), under);
    rangesCompared += width * opened.length;
  };

  // The first request reads the level `prefetchLevels` down on every replica: nothing is known to group by.
  const top = Array.from({ length: 2 ** prefetchLevels }, (_, i) => 2 ** prefetchLevels + i);
  traceRead(prefetchLevels, top.length);
  await Promise.all(
    round.live().map(async (replica) => {
      const values = await round.ask(replica, () => replica.readTreeNodes(top));
      if (values) remember(replica.name, top, values);
    }),
  );
  rangesCompared += top.length;
  computeAbove(top, prefetchLevels);

  const listed: ListedNode[] = [];
  const perLevel = new Map<number, { compared: number; differing: number }>();
  let frontier = [1];
  while (frontier.length > 0) {
    // Compare down through what is known; what is opened at its edge is read in the next request.
    const toRead = new Map<number, number[]>();
    const found: ListedNode[] = [];
    let nodes = frontier;
    while (nodes.length > 0) {
      const answered = round.live().flatMap((replica) => {
        const held = known.get(replica.name);
        return held ? [{ node: replica.name, held }] : [];
      });
      const valueOn = (answer: (typeof answered)[number], node: number) => answer.held.get(node) ?? null;
      const differing = differingNodes(
        nodes,
        answered.map((answer) => nodes.map((node) => valueOn(answer, node))),
      );
      const level = levelOf(nodes[0] ?? 1);
      for (const node of nodes) count(perLevel, levelOf(node), 'compared');
      for (const node of differing) count(perLevel, levelOf(node), 'differing');
      trace(
        answered.map((answer) => ({
          from: answer.node,
          to: from,
          kind: 'merkle-hashes',
          detail: { level, compared: nodes.length, differing: differing.length },
        })),
      );
      const keysOn = (node: number) => answered.map((answer) => parseNode(valueOn(answer, node)).keys);
      const { open, list } = planDescent(differing, keysOn, treeDepth, listThreshold, (node) =>
        isKnown(2 * node),
      );
      for (const node of list)
        found.push({ node, values: new Map(answered.map((answer) => [answer.node, valueOn(answer, node)])) });
      nodes = [];
      for (const node of open) {
        if (isKnown(2 * node)) nodes.push(2 * node, 2 * node + 1);
        else {
          const levels = strideFor(Math.max(0, ...keysOn(node)), levelOf(node), treeDepth);
          toRead.set(levels, [...(toRead.get(levels) ?? []), node]);
        }
      }
    }
    listed.push(...found);
    if (found.length > 0) options.onListed(found);
    // The reads of every stride go out together: one round trip.
    await Promise.all([...toRead].map(([levels, opened]) => readBelow(opened, levels)));
    frontier = [...toRead].flatMap(([levels, opened]) =>
      opened.flatMap((node) => descendantsOf(node, levels)),
    );
  }
  const levels = [...perLevel]
    .sort(([a], [b]) => a - b)
    .map(([level, { compared, differing }]) => ({ level, compared, differing }));
  return { listed, levels, rangesCompared };
}

/** The 2^levels nodes `levels` below `node`, in order. */
function descendantsOf(node: number, levels: number): number[] {
  const width = 2 ** levels;
  return Array.from({ length: width }, (_, i) => node * width + i);
}

function count(
  perLevel: Map<number, { compared: number; differing: number }>,
  level: number,
  field: 'compared' | 'differing',
): void {
  const entry = perLevel.get(level) ?? { compared: 0, differing: 0 };
  entry[field] += 1;
  perLevel.set(level, entry);
}
