import { describe, expect, it } from 'vitest';
import { rendezvousOwner, rendezvousRanking } from './rendezvous.ts';

const KEYS = Array.from({ length: 100_000 }, (_, i) => `key:${i}`);
const THREE = ['shard-1', 'shard-2', 'shard-3'];
const FOUR = [...THREE, 'shard-4'];
const owners3 = KEYS.map((key) => rendezvousOwner(key, THREE));
const owners4 = KEYS.map((key) => rendezvousOwner(key, FOUR));

describe('rendezvous hashing', () => {
  it('100,000 keys spread over 3 nodes with max/mean load <= 1.05', () => {
    const counts = new Map<string, number>();
    for (const owner of owners3) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    expect(counts.size).toBe(3);
    expect(Math.max(...counts.values()) / (KEYS.length / 3)).toBeLessThanOrEqual(1.05);
  });

  it('adding a 4th node moves about 1/4 of the keys, only onto the new node', () => {
    const moved = KEYS.filter((_, i) => owners3[i] !== owners4[i]).length;
    const movedElsewhere = KEYS.filter((_, i) => owners3[i] !== owners4[i] && owners4[i] !== 'shard-4');
    expect(Math.abs(moved / KEYS.length - 0.25)).toBeLessThan(0.01);
    expect(movedElsewhere).toEqual([]);
  });

  it('removing a node moves only its keys, each to its runner-up', () => {
    const without1 = FOUR.filter((n) => n !== 'shard-1');
    const wrong = KEYS.filter((key, i) => {
      const after = rendezvousOwner(key, without1);
      const expected = owners4[i] === 'shard-1' ? rendezvousRanking(key, FOUR)[1]?.node : owners4[i];
      return after !== expected;
    });
    expect(wrong).toEqual([]);
  });

  it('the ranking lists every node once, heaviest first, and does not depend on the order nodes are given', () => {
    for (const key of KEYS.slice(0, 2_000)) {
      const ranking = rendezvousRanking(key, FOUR);
      const reversed = rendezvousRanking(key, [...FOUR].reverse());
      const isSorted = ranking.every((w, i) => i === 0 || (ranking[i - 1]?.weight ?? 0) >= w.weight);
      if (
        new Set(ranking.map((w) => w.node)).size !== 4 ||
        !isSorted ||
        JSON.stringify(reversed) !== JSON.stringify(ranking)
      ) {
        expect.fail(`bad ranking for ${key}`);
      }
    }
  });

  it('no nodes, no owner', () => {
    expect(() => rendezvousOwner('key:1', [])).toThrow(RangeError);
    expect(rendezvousRanking('key:1', [])).toEqual([]);
  });
});
