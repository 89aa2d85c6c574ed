import { describe, expect, it } from 'vitest';
import { murmur3_32 } from '../hashing/murmur3-32.ts';
import { leafRange, rangeOf } from './leaf-range.ts';
import { buildMerkleTree } from './merkle-tree.ts';
import { entries, seededRandom, shuffled } from './random-entries.test-support.ts';

const DEPTH = 6;
const ENTRIES = entries(5_000);

describe('Merkle tree', () => {
  it('insertion order does not matter', () => {
    const tree = buildMerkleTree(ENTRIES, { depth: DEPTH });
    const random = seededRandom(1);
    for (let trial = 0; trial < 5; trial++) {
      expect(buildMerkleTree(shuffled(ENTRIES, random), { depth: DEPTH })).toEqual(tree);
    }
  });

  it('has depth+1 levels, 2^l hashes on level l, and the root on level 0', () => {
    const tree = buildMerkleTree(ENTRIES, { depth: DEPTH });
    expect(tree.levels.map((level) => level.length)).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(tree.levels[0]).toEqual([tree.root]);
    expect(tree.leafKeyCounts.reduce((a, b) => a + b, 0)).toBe(ENTRIES.length);
  });

  it('the leaf key counts follow rangeOf', () => {
    const tree = buildMerkleTree(ENTRIES, { depth: DEPTH });
    const counts = new Array<number>(2 ** DEPTH).fill(0);
    for (const { key } of ENTRIES) counts[rangeOf(key, DEPTH)]! += 1;
    expect(tree.leafKeyCounts).toEqual(counts);
  });

  it('a changed digest changes its leaf and every ancestor, and nothing else', () => {
    const tree = buildMerkleTree(ENTRIES, { depth: DEPTH });
    const changed = buildMerkleTree(
      ENTRIES.map((e) => (e.key === 'key:42' ? { ...e, digest: 'v2:42' } : e)),
      { depth: DEPTH },
    );
    const leaf = rangeOf('key:42', DEPTH);
    tree.levels.forEach((level, l) => {
      const ancestor = leaf >>> (DEPTH - l);
      level.forEach((hash, i) => expect(hash === changed.levels[l]?.[i]).toBe(i !== ancestor));
    });
  });

  it('the leaf ranges tile the hash space, and each key lands in the range whose bounds hold its hash', () => {
    const ranges = Array.from({ length: 2 ** DEPTH }, (_, i) => leafRange(i, DEPTH));
    expect(ranges[0]?.startHash).toBe(0);
    expect(ranges.at(-1)?.endHash).toBe(2 ** 32);
    expect(ranges.every((r, i) => i === 0 || r.startHash === ranges[i - 1]?.endHash)).toBe(true);
    const misplaced = ENTRIES.filter(({ key }) => {
      const { startHash, endHash } = leafRange(rangeOf(key, DEPTH), DEPTH);
      return murmur3_32(key) < startHash || murmur3_32(key) >= endHash;
    });
    expect(misplaced).toEqual([]);
  });

  it('depth 0 is a single range holding every key', () => {
    const tree = buildMerkleTree(ENTRIES, { depth: 0 });
    expect(tree.levels).toEqual([[tree.root]]);
    expect(tree.leafKeyCounts).toEqual([ENTRIES.length]);
    expect(leafRange(0, 0)).toEqual({ index: 0, startHash: 0, endHash: 2 ** 32 });
  });

  it('rejects a key given twice and a depth outside [0, 16]', () => {
    const twice = [...ENTRIES.slice(0, 10), { key: 'key:3', digest: 'other' }];
    expect(() => buildMerkleTree(twice, { depth: 4 })).toThrow(/"key:3" appears twice/);
    expect(() => buildMerkleTree([], { depth: 17 })).toThrow(RangeError);
    expect(() => buildMerkleTree([], { depth: -1 })).toThrow(RangeError);
    expect(() => leafRange(16, 4)).toThrow(RangeError);
  });
});
