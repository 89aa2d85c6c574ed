import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import { describe, expect, it } from 'vitest';
import { planReadRepair } from './read-repair.ts';
import { resolve } from './versioned-value.ts';
import type { StoredVersion } from './versioned-value.ts';

const v1: StoredVersion = {
  value: 'old',
  isTombstone: false,
  clock: increment(emptyClock(), 'quorum-a'),
  writtenAt: 1,
  writer: 'quorum-a',
};
const v2: StoredVersion = { ...v1, value: 'new', clock: increment(v1.clock, 'quorum-a'), writtenAt: 2 };

describe('planReadRepair', () => {
  it('when one replica holds an ancestor, then only that replica is sent the newer version', () => {
    const answers = [
      { node: 'replica-1', versions: [v2] },
      { node: 'replica-2', versions: [v1] },
      { node: 'replica-3', versions: [] },
    ];
    const survivors = resolve([v2, v1], 'vector-clock');
    expect(planReadRepair(answers, survivors)).toEqual([
      { node: 'replica-2', missing: [v2] },
      { node: 'replica-3', missing: [v2] },
    ]);
  });

  it('when every replica agrees, then nothing is repaired', () => {
    expect(planReadRepair([{ node: 'replica-1', versions: [v2] }], [v2])).toEqual([]);
  });
});
