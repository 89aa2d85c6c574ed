import { seededRandom } from '@kvs-lab/shared/testing';
import { describe, expect, it } from 'vitest';
import { createSketch, decay, estimate, isHot, recordAccess } from './hot-key-sketch.ts';

describe('count-min hot-key sketch', () => {
  it('never undercounts, and with a skewed load the most accessed key tops the list', () => {
    const random = seededRandom(7);
    const sketch = createSketch({ width: 256, depth: 4, topK: 5 });
    const truth = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      // Zipf-like: key k is drawn with weight 1/k.
      const u = random();
      const key = `k${Math.floor(Math.exp(u * Math.log(1000)))}`;
      truth.set(key, (truth.get(key) ?? 0) + 1);
      recordAccess(sketch, key);
    }
    for (const [key, count] of truth) expect(estimate(sketch, key)).toBeGreaterThanOrEqual(count);
    const hottest = [...truth].sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(sketch.top[0]?.key).toBe(hottest);
    expect(sketch.top.length).toBe(5);
    expect(sketch.counters.length).toBe(256 * 4);
  });

  it('decay halves the counts so a key that cooled down fades', () => {
    const sketch = createSketch({ width: 64, depth: 3, topK: 3 });
    for (let i = 0; i < 10; i++) recordAccess(sketch, 'a');
    decay(sketch);
    expect(estimate(sketch, 'a')).toBe(5);
    expect(sketch.total).toBe(5);
    expect(sketch.top).toEqual([{ key: 'a', estimate: 5 }]);
  });

  it('a key is hot only above both the share and the absolute count', () => {
    const sketch = createSketch({ width: 64, depth: 3, topK: 3 });
    for (let i = 0; i < 10; i++) recordAccess(sketch, 'a');
    expect(isHot(sketch, 10, { minShare: 0.1, minCount: 5 })).toBe(true);
    expect(isHot(sketch, 10, { minShare: 0.1, minCount: 50 })).toBe(false);
    expect(isHot(sketch, 0, { minShare: 0.1, minCount: 0 })).toBe(false);
  });

  it('the top list stays sorted by estimate, with each key once', () => {
    const random = seededRandom(11);
    const sketch = createSketch({ width: 128, depth: 4, topK: 4 });
    for (let i = 0; i < 5_000; i++) {
      recordAccess(sketch, `k${Math.floor(random() * random() * 40)}`);
      const estimates = sketch.top.map((e) => e.estimate);
      expect(estimates).toEqual([...estimates].sort((a, b) => b - a));
    }
    expect(new Set(sketch.top.map((e) => e.key)).size).toBe(4);
  });
});
