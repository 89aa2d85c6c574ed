import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import { describe, expect, it } from 'vitest';
import { decideTombstoneCollection } from './tombstone-gc.ts';
import type { StoredVersion } from './versioned-value.ts';

const value: StoredVersion = {
  value: 'v',
  isTombstone: false,
  clock: increment(emptyClock(), 'quorum-a'),
  writtenAt: 100,
  writer: 'quorum-a',
};
const tombstone: StoredVersion = {
  value: null,
  isTombstone: true,
  clock: increment(value.clock, 'quorum-a'),
  writtenAt: 200,
  writer: 'quorum-a',
};
const decide = (replicas: (StoredVersion[] | undefined)[], hasPendingHints = false, now = 10_000) =>
  decideTombstoneCollection({ replicas, hasPendingHints, now, graceMs: 1_000 });

describe('tombstone collection', () => {
  it('when every replica holds the same tombstone, no hint waits and the grace has passed, then it is collected', () => {
    expect(decide([[tombstone], [tombstone], [tombstone]]).collect).toBe(true);
  });

  it('when one replica still holds the old value, then the tombstone is kept (else the value would resurrect)', () => {
    expect(decide([[tombstone], [tombstone], [value]])).toEqual({
      collect: false,
      reason: 'not every replica holds this tombstone alone',
    });
  });

  it('when a replica did not answer, then the tombstone is kept', () => {
    expect(decide([[tombstone], undefined, [tombstone]]).collect).toBe(false);
  });

  it('when a hint is pending or the tombstone is young, then it is kept', () => {
    expect(decide([[tombstone], [tombstone]], true).collect).toBe(false);
    expect(decide([[tombstone], [tombstone]], false, 500).collect).toBe(false);
  });
});
