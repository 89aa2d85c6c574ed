import { describe, expect, it } from 'vitest';
import { compare, descends } from '@kvs-lab/shared/vector-clock';
import type { VectorClock } from '@kvs-lab/shared/vector-clock';
import { stampWrite } from './write-clock.ts';

describe('stampWrite', () => {
  it('when successive leaders stamp successive writes to one key, then each clock descends the previous: one chain', () => {
    const leaders = ['ring-1', 'ring-1', 'ring-2', 'ring-3', 'ring-2', 'ring-1'];
    let previous: VectorClock | undefined;
    leaders.forEach((leader, i) => {
      const clock = stampWrite(previous, leader, i + 1);
      if (previous) {
        expect(compare(clock, previous)).toBe('after');
        expect(descends(clock, previous)).toBe(true);
      }
      previous = clock;
    });
  });

  it('when two coordinators stamp the same parent (what quorum-consistency allows), then the clocks are siblings', () => {
    const parent = stampWrite(undefined, 'ring-1', 1);
    expect(compare(stampWrite(parent, 'ring-2', 2), stampWrite(parent, 'ring-3', 2))).toBe('concurrent');
  });
});
