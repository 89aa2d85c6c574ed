import { describe, expect, it } from 'vitest';
import { pointsPerShard, ringArcs } from './ring-arcs.js';

const quarter = 2 ** 30;

describe('the ring drawn as arcs', () => {
  it('gives each point the arc that ends at it, and the arc past the last point to the first point', () => {
    const arcs = ringArcs([
      { shard: 'shard-2', position: 2 * quarter - 1 },
      { shard: 'shard-1', position: quarter - 1 },
      { shard: 'shard-3', position: 3 * quarter - 1 },
    ]);
    expect(arcs).toEqual([
      { shard: 'shard-1', start: 0, end: 0.25 },
      { shard: 'shard-2', start: 0.25, end: 0.5 },
      { shard: 'shard-3', start: 0.5, end: 0.75 },
      { shard: 'shard-1', start: 0.75, end: 1 },
    ]);
  });

  it('merges neighbouring points of one shard, so the arcs cover the circle once', () => {
    const points = [
      { shard: 'shard-1', position: 10 },
      { shard: 'shard-1', position: 20 },
      { shard: 'shard-2', position: 2 ** 31 },
    ];
    const arcs = ringArcs(points);
    expect(arcs.map((a) => a.shard)).toEqual(['shard-1', 'shard-2', 'shard-1']);
    expect(arcs.reduce((sum, a) => sum + (a.end - a.start), 0)).toBeCloseTo(1, 12);
    expect(pointsPerShard(points)).toEqual({ 'shard-1': 2, 'shard-2': 1 });
  });

  it('draws nothing for an empty ring', () => {
    expect(ringArcs([])).toEqual([]);
  });
});
