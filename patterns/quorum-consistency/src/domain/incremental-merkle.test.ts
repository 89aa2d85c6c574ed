import { seededRandom } from '@kvs-lab/shared/testing';
import { describe, expect, it } from 'vitest';
import {
  applyEntryChange,
  buildTree,
  childrenOf,
  differingNodes,
  keysToRepair,
  leafOf,
  leavesUnder,
  formatNode,
  parentValue,
  planDescent,
  pathOf,
  readersFor,
  strideFor,
  xorHash,
  zeroHash,
} from './incremental-merkle.ts';
import type { TreeNode } from './incremental-merkle.ts';

const depth = 6;
const hex = (random: () => number) =>
  Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');

describe('incremental Merkle tree', () => {
  it('XOR is its own inverse and zero is its identity', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 50; i++) {
      const a = hex(random);
      const b = hex(random);
      expect(xorHash(xorHash(a, b), b)).toBe(a);
      expect(xorHash(a, zeroHash)).toBe(a);
      expect(xorHash(a, b)).toBe(xorHash(b, a));
    }
    expect(xorHash('ffffffff00000000', '0f0f0f0fffffffff')).toBe('f0f0f0f0ffffffff');
  });

  it('a key’s path runs from its leaf to the root, one node per level', () => {
    expect(pathOf(5, 3)).toEqual([13, 6, 3, 1]);
    expect(pathOf(0, 0)).toEqual([1]);
  });

  it('random inserts, updates and deletes applied one by one give the tree built from the final key set', () => {
    const random = seededRandom(2);
    const current = new Map<string, string>();
    let tree = new Map<number, TreeNode>();
    for (let step = 0; step < 2_000; step++) {
      const key = `k${Math.floor(random() * 150)}`;
      const before = current.get(key) ?? null;
      const after = random() < 0.2 ? null : hex(random);
      if (after === null) current.delete(key);
      else current.set(key, after);
      tree = applyEntryChange(tree, { leaf: leafOf(key, depth), before, after }, depth);
    }
    expect(tree).toEqual(
      buildTree(
        [...current].map(([key, digest]) => ({ key, digest })),
        depth,
      ),
    );
    expect(tree.get(1)?.keys ?? 0).toBe(current.size);
  });

  it('every stored node equals the value computed from its two children, so a descent may skip a level', () => {
    const random = seededRandom(4);
    const tree = buildTree(
      Array.from({ length: 40 }, (_, i) => ({ key: `key-${i}`, digest: hex(random) })),
      depth,
    );
    const stored = (node: number) => {
      const value = tree.get(node);
      return value ? formatNode(value) : null;
    };
    for (let node = 1; node < 2 ** depth; node++)
      expect(parentValue(stored(2 * node), stored(2 * node + 1)), `node ${node}`).toBe(stored(node));
    expect(parentValue(null, null)).toBeNull();
  });

  it('an empty key set stores no node at all', () => {
    const one = buildTree([{ key: 'a', digest: hex(seededRandom(3)) }], depth);
    const emptied = applyEntryChange(
      one,
      {
        leaf: leafOf('a', depth),
        before: one.get(pathOf(leafOf('a', depth), depth)[0] as number)?.hash ?? null,
        after: null,
      },
      depth,
    );
    expect(emptied.size).toBe(0);
  });

  it('comparing top down opens only the paths to the changed keys', () => {
    const random = seededRandom(4);
    const entries = Array.from({ length: 300 }, (_, i) => ({ key: `key-${i}`, digest: hex(random) }));
    const changed = new Set(['key-7', 'key-123']);
    const a = buildTree(entries, depth);
    const b = buildTree(
      entries.map((entry) => (changed.has(entry.key) ? { ...entry, digest: hex(random) } : entry)),
      depth,
    );
    const value = (tree: Map<number, TreeNode>, node: number) => {
      const found = tree.get(node);
      return found ? `${found.hash}:${found.keys}` : null;
    };
    let nodes = [1];
    let compared = 0;
    for (let level = 0; level <= depth; level++) {
      compared += nodes.length;
      const differing = differingNodes(
        nodes,
        [a, b].map((tree) => nodes.map((node) => value(tree, node))),
      );
      nodes = level === depth ? differing : childrenOf(differing);
    }
    expect(nodes.map((node) => node - 2 ** depth).sort()).toEqual(
      [...new Set([...changed].map((key) => leafOf(key, depth)))].sort(),
    );
    // Root, then at most two children per level for each of the two paths.
    expect(compared).toBeLessThanOrEqual(1 + 2 * 2 * depth);
  });

  it('the leaves under a node tile its range, and small differing nodes are listed, not opened', () => {
    expect(leavesUnder(1, 3)).toEqual({ first: 0, last: 7 });
    expect(leavesUnder(3, 3)).toEqual({ first: 4, last: 7 });
    expect(leavesUnder(13, 3)).toEqual({ first: 5, last: 5 });
    const keys = new Map([
      [2, [100, 3]],
      [3, [2, 4]],
      [9, [1, 1]],
    ]);
    expect(planDescent([2, 3, 9], (node) => keys.get(node) ?? [], 3, 4)).toEqual({ open: [2], list: [3, 9] });
    // A leaf is listed whatever it holds; just above the leaves, up to twice the threshold is listed.
    expect(planDescent([8], () => [50], 3, 4)).toEqual({ open: [], list: [8] });
    expect(planDescent([4, 5, 2], (node) => (node === 4 ? [8] : [9]), 3, 4)).toEqual({
      open: [5, 2],
      list: [4],
    });
  });

  it('a differing node whose children are already known is opened, however few keys it holds', () => {
    const known = new Set([2]);
    expect(
      planDescent(
        [2, 3],
        () => [1, 2],
        3,
        4,
        (node) => known.has(node),
      ),
    ).toEqual({
      open: [2],
      list: [3],
    });
    // A leaf has no children: it is listed even when asked whether anything below it is known.
    expect(
      planDescent(
        [8],
        () => [1],
        3,
        4,
        () => true,
      ),
    ).toEqual({ open: [], list: [8] });
  });

  it('a descent reads deep enough below an opened node that what it reaches can be listed next', () => {
    // 78 keys at level 7 of 14 (10,000 keys): four levels down, about 5 keys per node (at most 8 wanted).
    expect(strideFor(78, 7, 14, 16, 4)).toBe(4);
    // 20 keys: two levels (5 per node); 9 keys: one level is the least a read can go.
    expect(strideFor(20, 10, 14, 16, 4)).toBe(2);
    expect(strideFor(9, 10, 14, 16, 4)).toBe(1);
    // Never more than the cap, nor below the leaves.
    expect(strideFor(10_000, 2, 14, 16, 4)).toBe(4);
    expect(strideFor(10_000, 12, 14, 16, 4)).toBe(2);
    // Each node reached is expected to hold at most half the threshold, for any count below the cap.
    for (let keys = 1; keys <= 128; keys++) {
      const levels = strideFor(keys, 0, 14, 16, 4);
      expect(levels).toBeGreaterThanOrEqual(1);
      if (levels < 4) expect(keys / 2 ** levels).toBeLessThanOrEqual(8);
    }
  });

  it('keys to repair: missing on one replica or with another digest; readers: one replica per distinct digest', () => {
    const listings = [
      {
        node: 'r1',
        digests: new Map([
          ['x', 'd1'],
          ['y', 'd2'],
          ['z', 'd3'],
        ]),
      },
      {
        node: 'r2',
        digests: new Map([
          ['x', 'd1'],
          ['y', 'd2'],
          ['z', 'd4'],
        ]),
      },
      {
        node: 'r3',
        digests: new Map([
          ['x', 'd1'],
          ['z', 'd3'],
        ]),
      },
    ];
    expect(keysToRepair(listings.map((listing) => listing.digests))).toEqual(['y', 'z']);
    expect(readersFor('z', listings)).toEqual([
      { node: 'r1', sameAs: ['r3'] },
      { node: 'r2', sameAs: [] },
    ]);
    expect(readersFor('y', listings)).toEqual([{ node: 'r1', sameAs: ['r2'] }]);
  });
});
