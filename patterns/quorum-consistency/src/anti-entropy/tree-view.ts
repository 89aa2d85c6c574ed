import { parseNode, treeDepth } from '../domain/incremental-merkle.ts';
import type { ReplicaStore } from '../store/replica-store.ts';

/** A stored tree as levels of node values, for GET /merkle/{node} and /check. */
export interface TreeView {
  readonly depth: number;
  readonly root: string;
  readonly keys: number;
  readonly levels: string[][];
  readonly leafKeyCounts: number[];
}

/** The top `depth` levels of one replica's stored tree (one read). */
export async function readTreeView(replica: ReplicaStore, depth: number): Promise<TreeView> {
  const shown = Math.min(depth, treeDepth);
  const nodes = Array.from({ length: 2 ** (shown + 1) - 1 }, (_, i) => i + 1);
  const values = (await replica.readTreeNodes(nodes)).map(parseNode);
  const levels = Array.from({ length: shown + 1 }, (_, level) =>
    values.slice(2 ** level - 1, 2 ** (level + 1) - 1),
  );
  const root = values[0] ?? parseNode(null);
  return {
    depth: shown,
    root: root.hash,
    keys: root.keys,
    levels: levels.map((level) => level.map((node) => node.hash)),
    leafKeyCounts: (levels[shown] ?? []).map((node) => node.keys),
  };
}
