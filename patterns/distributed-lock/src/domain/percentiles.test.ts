import { describe, expect, it } from 'vitest';
import { percentile, RecentSamples } from './percentiles.ts';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile([], 0.5)).toBe(0);
  });

  it('keeps only the most recent samples once full', () => {
    const samples = new RecentSamples(3);
    for (const v of [100, 100, 100, 1, 2, 3]) samples.add(v);
    expect(samples.summary()).toEqual({ count: 3, p50: 2, p99: 3 });
  });
});
