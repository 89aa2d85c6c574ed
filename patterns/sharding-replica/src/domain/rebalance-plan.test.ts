import { addNode, createRing, murmur3_32, ownerOf } from '@kvs-lab/shared/hashing';
import { describe, expect, it } from 'vitest';
import {
  balance,
  isMoving,
  moduloMovedFraction,
  movedFraction,
  planMoves,
  whatIfReport,
} from './rebalance-plan.ts';

const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);
const three = createRing({ virtualNodes: 160, nodes: ['shard-1', 'shard-2', 'shard-3'] });
const four = addNode(three, 'shard-4');

describe('rebalance plan', () => {
  it('with 160 virtual nodes, then max/mean keys per shard is at most 1.10 over 10k keys', () => {
    expect(balance(keys, three).maxOverMean).toBeLessThanOrEqual(1.1);
  });

  it('with 1 virtual node per shard, then the balance is far worse than with 160', () => {
    const single = createRing({ virtualNodes: 1, nodes: ['shard-1', 'shard-2', 'shard-3'] });
    expect(balance(keys, single).maxOverMean).toBeGreaterThan(balance(keys, three).maxOverMean);
  });

  it('when a fourth shard joins, then 20-30 % of keys move and every moved key lands on the new shard', () => {
    const fraction = movedFraction(keys, three, four);
    expect(fraction).toBeGreaterThanOrEqual(0.2);
    expect(fraction).toBeLessThanOrEqual(0.3);
    const moves = ['shard-1', 'shard-2', 'shard-3'].flatMap((from) =>
      planMoves(
        keys.filter((k) => ownerOf(three, k) === from),
        from,
        three,
        four,
      ),
    );
    expect(moves.length).toBe(Math.round(fraction * keys.length));
    expect(new Set(moves.map((m) => m.to))).toEqual(new Set(['shard-4']));
  });

  it('when modulo hashing grows from 3 to 4 buckets, then about 3/4 of keys move', () => {
    const fraction = moduloMovedFraction(
      keys.map((k) => murmur3_32(k)),
      3,
      4,
    );
    expect(fraction).toBeGreaterThan(0.7);
  });

  it('a key seen on a shard that does not own it under the old ring is not planned to move from there', () => {
    const key = keys.find((k) => ownerOf(three, k) === 'shard-1') as string;
    expect(planMoves([key], 'shard-2', three, four)).toEqual([]);
    expect(isMoving(key, three, three)).toBe(false);
  });

  it('the what-if report counts every sample key once and puts the ring near 1/4 moved, modulo near 3/4', () => {
    const report = whatIfReport(['shard-1', 'shard-2', 'shard-3'], 'shard-4', {
      virtualNodes: 160,
      sampleKeys: 10_000,
    });
    expect(Object.values(report.keysPerShard).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(report.maxOverMean).toBeLessThanOrEqual(1.1);
    expect(Math.abs(report.addShard.ringMovedFraction - 0.25)).toBeLessThan(0.05);
    expect(Math.abs(report.addShard.moduloMovedFraction - 0.75)).toBeLessThan(0.05);
    expect(report.addShard.idealFraction).toBe(0.25);
  });
});
