import { describe, expect, it } from 'vitest';
import {
  buildBloomFilter,
  decodeBloomFilter,
  encodeBloomFilter,
  mayContain,
  optimalHashCount,
  theoreticalFalsePositiveRate,
} from './bloom-filter.ts';

const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);

describe('Bloom filter', () => {
  it('when every added key is asked for, then the filter answers "maybe" for all of them (no false negatives)', () => {
    const filter = buildBloomFilter(keys, 10);
    expect(keys.filter((k) => !mayContain(filter, k))).toEqual([]);
  });

  it.each([6, 10, 14])(
    'when 100k absent keys are probed at %i bits per key, then the measured false-positive rate is within 1.5x of (1 - e^(-kn/m))^k',
    (bitsPerKey) => {
      const filter = buildBloomFilter(keys, bitsPerKey);
      let positives = 0;
      const probes = 100_000;
      for (let i = 0; i < probes; i++) if (mayContain(filter, `absent:${i}`)) positives += 1;
      const theory = theoreticalFalsePositiveRate(filter.bitCount, filter.keyCount, filter.hashCount);
      expect(positives / probes).toBeLessThanOrEqual(theory * 1.5);
      expect(positives / probes).toBeGreaterThan(theory / 1.5);
    },
  );

  it('when bits per key is 10, then k is 7 and the theoretical rate is about 0.82 %', () => {
    expect(optimalHashCount(10)).toBe(7);
    expect(theoreticalFalsePositiveRate(100_000, 10_000, 7)).toBeCloseTo(0.0082, 3);
  });

  it('when a filter is encoded and decoded, then it answers exactly as before', () => {
    const filter = buildBloomFilter(keys.slice(0, 100), 8);
    const copy = decodeBloomFilter(encodeBloomFilter(filter));
    expect(copy).toEqual(filter);
    expect(keys.slice(0, 100).every((k) => mayContain(copy, k))).toBe(true);
  });
});
