import { compare, emptyClock, fromJSON, increment } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { describe, expect, it } from 'vitest';
import {
  clockOfVersionId,
  contextOf,
  highestCounterOf,
  nextClock,
  resolve,
  versionId,
} from './versioned-value.ts';
import type { StoredVersion } from './versioned-value.ts';

const version = (value: string, clock: VectorClock, writtenAt = 0, writer = 'quorum-a'): StoredVersion => ({
  value,
  isTombstone: false,
  clock,
  writtenAt,
  writer,
});

describe('nextClock', () => {
  it('when a write carries the context of a read, then its clock descends every version that read returned', () => {
    const a = increment(emptyClock(), 'quorum-a');
    const b = increment(emptyClock(), 'quorum-b');
    const context = contextOf([version('x', a), version('y', b)]);
    const next = nextClock({ context, actor: 'quorum-a', highWater: 1, maxEntries: 10 });
    expect(compare(next, a)).toBe('after');
    expect(compare(next, b)).toBe('after');
  });

  it('when two coordinators write without a shared context, then the clocks are concurrent', () => {
    const first = nextClock({ context: emptyClock(), actor: 'quorum-a', highWater: 0, maxEntries: 10 });
    const second = nextClock({ context: emptyClock(), actor: 'quorum-b', highWater: 0, maxEntries: 10 });
    expect(compare(first, second)).toBe('concurrent');
  });

  it('when one coordinator writes twice from the same stale context, then the clocks differ (no write is named twice)', () => {
    const first = nextClock({ context: emptyClock(), actor: 'quorum-a', highWater: 0, maxEntries: 10 });
    const second = nextClock({ context: emptyClock(), actor: 'quorum-a', highWater: 1, maxEntries: 10 });
    expect(compare(first, second)).toBe('before');
  });

  it('clocks stay within maxEntries however many coordinators wrote', () => {
    let clock = emptyClock();
    for (let i = 0; i < 20; i++) {
      clock = nextClock({ context: clock, actor: `c${i % 7}`, highWater: 0, maxEntries: 3 });
      expect(Object.keys(clock).length).toBeLessThanOrEqual(3);
    }
    expect(clock.c5).toBeDefined();
  });
});

describe('resolve', () => {
  const a = version('a', fromJSON({ 'quorum-a': { counter: 1, timestamp: 1 } }), 10, 'quorum-a');
  const b = version('b', fromJSON({ 'quorum-b': { counter: 1, timestamp: 1 } }), 20, 'quorum-b');
  const ab = version('ab', contextOf([a, b]), 5);

  it('under vector clocks, concurrent versions are both kept as siblings', () => {
    expect(resolve([a, b], 'vector-clock').map((v) => v.value)).toEqual(['a', 'b']);
  });

  it('under vector clocks, a version that descends both replaces them, whatever its timestamp', () => {
    const merged = version('m', increment(ab.clock, 'quorum-a'), 1);
    expect(resolve([a, merged, b], 'vector-clock').map((v) => v.value)).toEqual(['m']);
  });

  it('under last-write-wins, only the later timestamp survives: the other concurrent write is lost', () => {
    expect(resolve([a, b], 'lww').map((v) => v.value)).toEqual(['b']);
    expect(resolve([b, a], 'lww').map((v) => v.value)).toEqual(['b']);
  });

  it('under last-write-wins, equal timestamps are settled by the writer name, the same on every replica', () => {
    const x = version('x', a.clock, 7, 'quorum-a');
    const y = version('y', b.clock, 7, 'quorum-b');
    expect(resolve([x, y], 'lww')[0]?.value).toBe('y');
    expect(resolve([y, x], 'lww')[0]?.value).toBe('y');
  });
});

describe('version ids and counters', () => {
  it('a version id reads back into the same clock', () => {
    const clock = fromJSON({
      'quorum-b': { counter: 2, timestamp: 4 },
      'quorum-a': { counter: 1, timestamp: 1 },
    });
    expect(clockOfVersionId(versionId(clock))).toEqual(clock);
  });

  it('highestCounterOf finds the actor’s largest counter, 0 when absent', () => {
    const versions = [
      version('x', fromJSON({ 'quorum-a': { counter: 3, timestamp: 1 } })),
      version('y', fromJSON({ 'quorum-a': { counter: 5, timestamp: 1 } })),
    ];
    expect(highestCounterOf('quorum-a', versions)).toBe(5);
    expect(highestCounterOf('quorum-b', versions)).toBe(0);
  });
});
