import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import { quorumSize, validityMs } from './quorum.ts';

describe('quorumSize', () => {
  it('is 3 of 5, 2 of 3, 1 of 1: a strict majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('when two quorums of the same nodes are drawn at random, then they always share a node', () => {
    const random = seededRandom(3);
    for (let round = 0; round < 500; round++) {
      const n = 1 + Math.floor(random() * 9);
      const pick = () => {
        const nodes = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
        return new Set(nodes.slice(0, quorumSize(n)));
      };
      const a = pick();
      const b = pick();
      expect([...a].some((node) => b.has(node))).toBe(true);
    }
  });
});

describe('validityMs', () => {
  it('when acquiring took part of the TTL, then the validity is the rest minus the drift allowance', () => {
    // 10,000 - 120 - (100 + 2)
    expect(validityMs({ ttlMs: 10_000, elapsedMs: 120, driftFactor: 0.01 })).toBe(9_778);
  });

  it('when acquiring took longer than the TTL, then the validity is negative (the lease is useless)', () => {
    expect(validityMs({ ttlMs: 100, elapsedMs: 150, driftFactor: 0.01 })).toBeLessThan(0);
  });
});
