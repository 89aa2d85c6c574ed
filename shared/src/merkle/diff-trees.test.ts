import { describe, expect, it } from 'vitest';
import { diffTrees } from './diff-trees.ts';
import { rangeOf } from './leaf-range.ts';
import { buildMerkleTree } from './merkle-tree.ts';
import type { MerkleEntry } from './merkle-tree.ts';
import { entries, seededRandom, shuffled } from './random-entries.test-support.ts';

const DEPTH = 8;
const ENTRIES = entries(5_000);
const BASE = buildMerkleTree(ENTRIES, { depth: DEPTH });

const build = (entries: MerkleEntry[]) => buildMerkleTree(entries, { depth: DEPTH });
const bump = (key: string) => (e: MerkleEntry) => (e.key === key ? { ...e, digest: `v2:${key}` } : e);

// One key from each of `k` different leaf ranges, walking the keys in order.
function keysInDistinctRanges(k: number): string[] {
  const byRange = new Map<number, string>();
  for (const { key } of ENTRIES) {
    if (byRange.size === k) break;
    if (!byRange.has(rangeOf(key, DEPTH))) byRange.set(rangeOf(key, DEPTH), key);
  }
  return [...byRange.values()];
}

describe('diffTrees', () => {
  it('identical key sets: no differing range, found with one comparison', () => {
    expect(diffTrees(BASE, build([...ENTRIES].reverse()))).toEqual({ ranges: [], nodesCompared: 1 });
  });

  it('changing a key in range r gives exactly {r}', () => {
    expect(diffTrees(BASE, build(ENTRIES.map(bump('key:123')))).ranges).toEqual([rangeOf('key:123', DEPTH)]);
  });

  it('adding a key in range r gives exactly {r}', () => {
    const added = build([...ENTRIES, { key: 'key:new', digest: 'v1' }]);
    expect(diffTrees(BASE, added).ranges).toEqual([rangeOf('key:new', DEPTH)]);
  });

  it('removing a key in range r gives exactly {r}', () => {
    const removed = build(ENTRIES.filter((e) => e.key !== 'key:777'));
    expect(diffTrees(BASE, removed).ranges).toEqual([rangeOf('key:777', DEPTH)]);
  });

  it('changes in k ranges give exactly those k ranges', () => {
    for (const k of [2, 5, 17, 64]) {
      const keys = keysInDistinctRanges(k);
      const changed = build(ENTRIES.map((e) => (keys.includes(e.key) ? { ...e, digest: 'v2' } : e)));
      const expected = keys.map((key) => rangeOf(key, DEPTH)).sort((a, b) => a - b);
      expect(diffTrees(BASE, changed).ranges).toEqual(expected);
    }
  });

  it('random changes, additions and removals give exactly the ranges of the keys touched', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 30; trial++) {
      const touched = shuffled(ENTRIES, random).slice(0, 1 + Math.floor(random() * 40));
      // A third of the touched keys change, a third vanish, a third gain a new neighbour.
      const changed = new Set(touched.filter((_, i) => i % 3 === 0).map((e) => e.key));
      const removed = new Set(touched.filter((_, i) => i % 3 === 1).map((e) => e.key));
      const added = touched.filter((_, i) => i % 3 === 2).map((e) => ({ key: `${e.key}:new`, digest: 'v1' }));
      const replica = [
        ...ENTRIES.filter((e) => !removed.has(e.key)).map((e) =>
          changed.has(e.key) ? { ...e, digest: 'v2' } : e,
        ),
        ...added,
      ];
      const keys = [...changed, ...removed, ...added.map((e) => e.key)];
      const expected = [...new Set(keys.map((key) => rangeOf(key, DEPTH)))].sort((a, b) => a - b);
      expect(diffTrees(BASE, build(shuffled(replica, random))).ranges).toEqual(expected);
    }
  });

  it('the diff is symmetric', () => {
    const changed = build(ENTRIES.map(bump('key:9')).filter((e) => e.key !== 'key:4000'));
    expect(diffTrees(changed, BASE)).toEqual(diffTrees(BASE, changed));
  });

  it('one stale range costs 1 + 2·depth comparisons, not one per range', () => {
    // The root, then both children at every level on the path down: 17 hashes instead of 256 leaves.
    expect(diffTrees(BASE, build(ENTRIES.map(bump('key:5')))).nodesCompared).toBe(1 + 2 * DEPTH);
  });

  it('every range stale costs every node of the tree, 2^(depth+1) - 1', () => {
    const allChanged = build(ENTRIES.map((e) => ({ ...e, digest: 'v2' })));
    const diff = diffTrees(BASE, allChanged);
    expect(diff.ranges).toHaveLength(BASE.leafKeyCounts.filter((c) => c > 0).length);
    expect(diff.nodesCompared).toBe(2 ** (DEPTH + 1) - 1);
  });

  it('trees of different depths cannot be compared', () => {
    expect(() => diffTrees(BASE, buildMerkleTree(ENTRIES, { depth: DEPTH - 1 }))).toThrow(/depth 8 and 7/);
  });
});
