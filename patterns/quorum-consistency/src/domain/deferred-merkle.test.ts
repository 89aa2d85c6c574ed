import { seededRandom } from '@kvs-lab/shared/testing';
import { describe, expect, it } from 'vitest';
import { changeOf, changesByNode, flushChanges, recordChange } from './deferred-merkle.ts';
import type { PendingChange } from './deferred-merkle.ts';
import { buildTree, formatNode, leafOf, pathOf } from './incremental-merkle.ts';

const depth = 6;
const hex = (random: () => number) =>
  Array.from({ length: 16 }, () => Math.floor(random() * 16).toString(16)).join('');

/** A stored tree as the replicas keep it: heap index -> "<hash>:<keys>". */
type StoredTree = Map<number, string>;

function flushInto(tree: StoredTree, pending: ReadonlyMap<number, PendingChange>): void {
  for (const [node, value] of flushChanges((n) => tree.get(n) ?? null, pending, depth)) {
    if (value === null) tree.delete(node);
    else tree.set(node, value);
  }
}

const stored = (entries: Iterable<[string, string]>): StoredTree =>
  new Map(
    [
      ...buildTree(
        [...entries].map(([key, digest]) => ({ key, digest })),
        depth,
      ),
    ].map(([node, value]) => [node, formatNode(value) ?? '']),
  );

describe('deferred Merkle upkeep', () => {
  it('changes recorded at their leaves and flushed in random batches give the tree built from the final key set', () => {
    const random = seededRandom(21);
    const current = new Map<string, string>();
    const tree: StoredTree = new Map();
    let pending = new Map<number, PendingChange>();
    for (let step = 0; step < 3_000; step++) {
      const key = `k${Math.floor(random() * 200)}`;
      const before = current.get(key) ?? null;
      const after = random() < 0.2 ? null : hex(random);
      if (after === null) current.delete(key);
      else current.set(key, after);
      pending = recordChange(pending, leafOf(key, depth), changeOf(before, after));
      if (random() < 0.05) {
        // A flush takes some of the waiting leaves, as a bounded flush on a replica does.
        const batch = new Map([...pending].filter(() => random() < 0.5));
        flushInto(tree, batch);
        for (const leaf of batch.keys()) pending.delete(leaf);
      }
    }
    flushInto(tree, pending);
    expect(tree).toEqual(stored(current));
  });

  it('a key written and written back leaves nothing waiting', () => {
    const random = seededRandom(22);
    const [a, b] = [hex(random), hex(random)];
    let pending = recordChange(new Map(), 3, changeOf(null, a));
    pending = recordChange(pending, 3, changeOf(a, b));
    pending = recordChange(pending, 3, changeOf(b, null));
    expect(pending.size).toBe(0);
  });

  it('a batch changes each node once, however many of its leaves changed: at most the union of their paths', () => {
    const random = seededRandom(23);
    let pending = new Map<number, PendingChange>();
    const leaves = [0, 1, 2, 40, 63];
    for (const leaf of leaves) pending = recordChange(pending, leaf, changeOf(null, hex(random)));
    const union = new Set(leaves.flatMap((leaf) => pathOf(leaf, depth)));
    expect(new Set(changesByNode(pending, depth).keys())).toEqual(union);
    // The root combines all five changes: one key more per leaf.
    expect(changesByNode(pending, depth).get(1)?.keysDelta).toBe(leaves.length);
  });
});
