import { describe, expect, it } from 'vitest';
import { WaitHistogram } from './wait-histogram.ts';

describe('WaitHistogram', () => {
  it('counts cumulatively per bucket, with +Inf equal to the total', () => {
    const h = new WaitHistogram();
    for (const ms of [3, 20, 20, 700, 60_000]) h.observe(ms);
    const byLe = Object.fromEntries(h.buckets().map((b) => [b.le, b.count]));
    expect(byLe['0.005']).toBe(1);
    expect(byLe['0.025']).toBe(3);
    expect(byLe['0.5']).toBe(3);
    expect(byLe['1']).toBe(4);
    expect(byLe['30']).toBe(4);
    expect(byLe['+Inf']).toBe(5);
    expect(h.count).toBe(5);
    expect(h.sumSeconds).toBeCloseTo(60.743, 6);
  });
});
