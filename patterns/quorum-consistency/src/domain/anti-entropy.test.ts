import { describe, expect, it } from 'vitest';
import { hashBytes, planExchange } from './anti-entropy.ts';
import type { ReplicaDigests } from './anti-entropy.ts';

const digests = (
  count: number,
  tweak: (key: string) => string | undefined = () => 'd',
): Map<string, string> => {
  const map = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const key = `key-${i}`;
    const digest = tweak(key);
    if (digest !== undefined) map.set(key, digest);
  }
  return map;
};

describe('planExchange', () => {
  it('when replicas agree, then no range differs and only the roots are compared', () => {
    const replicas: ReplicaDigests[] = ['r1', 'r2', 'r3'].map((node) => ({ node, digests: digests(500) }));
    const plan = planExchange(replicas, 8);
    expect(plan.differingRanges).toEqual([]);
    expect(plan.keysToRepair).toEqual([]);
    expect(plan.hashBytes).toBe(3 * hashBytes);
  });

  it('when one replica lacks a key and another holds a different version, then exactly those keys are listed', () => {
    const replicas: ReplicaDigests[] = [
      { node: 'r1', digests: digests(500) },
      { node: 'r2', digests: digests(500, (key) => (key === 'key-7' ? undefined : 'd')) },
      { node: 'r3', digests: digests(500, (key) => (key === 'key-300' ? 'other' : 'd')) },
    ];
    expect(planExchange(replicas, 8).keysToRepair).toEqual(['key-300', 'key-7']);
  });

  it('the hashes exchanged grow with the number of differences, not with the number of keys', () => {
    const stale = (count: number, differing: number): number =>
      planExchange(
        [
          { node: 'r1', digests: digests(count) },
          { node: 'r2', digests: digests(count, (key) => (Number(key.slice(4)) < differing ? 'x' : 'd')) },
        ],
        10,
      ).hashBytes;
    // Ten times the keys, the same ten differences: about the same cost.
    expect(stale(10_000, 10)).toBeLessThan(stale(1_000, 10) * 1.5);
    // Ten times the differences: clearly more.
    expect(stale(10_000, 100)).toBeGreaterThan(stale(10_000, 10) * 4);
  });
});
