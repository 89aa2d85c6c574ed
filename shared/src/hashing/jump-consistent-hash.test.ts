import { describe, expect, it } from 'vitest';
import { jumpConsistentHash, jumpHashKey } from './jump-consistent-hash.ts';

const KEYS = Array.from({ length: 100_000 }, (_, i) => jumpHashKey(`key:${i}`));

describe('jump consistent hash', () => {
  it('matches the golden values shared across implementations', () => {
    // From Guava's HashingTest.testConsistentHash_linearCongruentialGeneratorCompatibility,
    // which pins the paper's LCG; also checked against the paper's C code compiled with gcc.
    const golden100 = [0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83];
    expect(golden100.map((_, key) => jumpConsistentHash(key, 100))).toEqual(golden100);
    expect(jumpConsistentHash(10863919174838991n, 11)).toBe(6);
    expect(jumpConsistentHash(2016238256797177309n, 11)).toBe(3);
    expect(jumpConsistentHash(1673758223894951030n, 11)).toBe(5);
    expect(jumpConsistentHash(2, 100001)).toBe(80343);
    expect(jumpConsistentHash(2201, 100001)).toBe(22152);
    expect(jumpConsistentHash(2202, 100001)).toBe(15018);
    expect(jumpConsistentHash(2n ** 64n - 1n, 1000)).toBe(313);
  });

  it('100,000 keys spread over 4 buckets with max/mean load <= 1.05', () => {
    const counts = [0, 0, 0, 0];
    for (const key of KEYS) counts[jumpConsistentHash(key, 4)]! += 1;
    expect(Math.max(...counts) / (KEYS.length / 4)).toBeLessThanOrEqual(1.05);
  });

  it('growing from n to n+1 buckets moves about 1/(n+1) of the keys, all onto the new bucket', () => {
    for (const n of [3, 7]) {
      let moved = 0;
      let movedElsewhere = 0;
      for (const key of KEYS) {
        const before = jumpConsistentHash(key, n);
        const after = jumpConsistentHash(key, n + 1);
        if (before !== after) {
          moved++;
          if (after !== n) movedElsewhere++;
        }
      }
      expect(Math.abs(moved / KEYS.length - 1 / (n + 1))).toBeLessThan(0.01);
      expect(movedElsewhere).toBe(0);
    }
  });

  it('one bucket takes every key', () => {
    expect(KEYS.slice(0, 1_000).every((key) => jumpConsistentHash(key, 1) === 0)).toBe(true);
  });

  it('rejects keys outside 64 bits and bucket counts below one', () => {
    expect(() => jumpConsistentHash(-1, 10)).toThrow(RangeError);
    expect(() => jumpConsistentHash(2n ** 64n, 10)).toThrow(RangeError);
    expect(() => jumpConsistentHash(0.5, 10)).toThrow(RangeError);
    expect(() => jumpConsistentHash(1, 0)).toThrow(RangeError);
  });
});
