import { describe, expect, it } from 'vitest';
import { interleave } from './interleave.ts';
import type { LoadResult } from './load.ts';

const load = (requestsPerSecond: number, errors = 0): LoadResult => ({
  requestsPerSecond,
  latencyP50Ms: 1,
  latencyP99Ms: 2,
  total: requestsPerSecond,
  errors,
  non2xx: 0,
});

describe('interleave', () => {
  it('when measurements run over rounds, then each keeps its median and its summed errors', async () => {
    const figures = [100, 300, 200];
    const order: string[] = [];
    const results = await interleave(3, [
      { name: 'a', run: () => (order.push('a'), Promise.resolve(load(figures[order.length % 3] ?? 0, 1))) },
      { name: 'b', run: () => (order.push('b'), Promise.resolve(load(50))) },
    ]);
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(results.require('a').requestsPerSecond).toBe(200);
    expect(results.require('a').errors).toBe(3);
  });

  it('when two measurements are to swap, then they trade places every other round', async () => {
    const order: string[] = [];
    const run = (name: string) => () => (order.push(name), Promise.resolve(load(1)));
    await interleave(
      3,
      ['base', 'a', 'b'].map((name) => ({ name, run: run(name) })),
      undefined,
      { swap: ['a', 'b'] },
    );
    expect(order).toEqual(['base', 'a', 'b', 'base', 'b', 'a', 'base', 'a', 'b']);
  });

  it('when a row asks for a measurement that was not taken, then it names the ones that were', async () => {
    const results = await interleave(1, [{ name: 'baseline', run: () => Promise.resolve(load(1)) }]);
    expect(() => results.require('pattern')).toThrow(/no result for pattern: measured baseline/);
  });
});
