import { describe, expect, it } from 'vitest';
import { compare } from './compare.ts';
import { counterexamples, randomClock, randomDescendant, randomInt } from './random-clocks.test-support.ts';
import { reconcile } from './reconcile.ts';
import { emptyClock, increment } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';

interface Version {
  readonly clock: VectorClock;
  readonly value: string;
}

// A replica set's worth of versions: some descend from others, some race, some repeat.
function randomVersions(random: () => number): Version[] {
  const versions: Version[] = [];
  const count = 1 + randomInt(random, 6);
  for (let i = 0; i < count; i++) {
    const parent = versions[randomInt(random, versions.length + 1)];
    const roll = random();
    const clock =
      parent === undefined
        ? randomClock(random)
        : roll < 0.2
          ? parent.clock
          : randomDescendant(random, parent.clock);
    versions.push({ clock, value: `v${i}` });
  }
  return versions;
}

describe('reconcile', () => {
  it('reconcile keeps exactly the maximal versions, one per distinct clock', () => {
    // Oracle: a version is maximal when nothing strictly newer exists; among equal
    // clocks the first one stands for the rest.
    const maximal = (versions: Version[]): Version[] =>
      versions.filter(
        (v, index) =>
          !versions.some((w) => compare(v.clock, w.clock) === 'before') &&
          !versions.slice(0, index).some((w) => compare(v.clock, w.clock) === 'equal'),
      );
    const holds = (versions: Version[]): boolean => {
      const survivors = reconcile(versions);
      const expected = maximal(versions);
      return survivors.length === expected.length && survivors.every((s, i) => s === expected[i]);
    };
    expect(counterexamples(20, randomVersions, holds)).toEqual([]);
  });

  it('the survivors are pairwise concurrent, and every dropped version is covered by a survivor', () => {
    const holds = (versions: Version[]): boolean => {
      const survivors = reconcile(versions);
      const isPairwiseConcurrent = survivors.every((a) =>
        survivors.every((b) => a === b || compare(a.clock, b.clock) === 'concurrent'),
      );
      const isCovered = versions.every((v) =>
        survivors.some((s) => ['after', 'equal'].includes(compare(s.clock, v.clock))),
      );
      return isPairwiseConcurrent && isCovered;
    };
    expect(counterexamples(21, randomVersions, holds)).toEqual([]);
  });

  it('a version that has seen all the others is the one answer', () => {
    const v1 = { clock: increment(emptyClock(), 'n1'), value: 'a' };
    const v2 = { clock: increment(v1.clock, 'n2'), value: 'b' };
    expect(reconcile([v2, v1])).toEqual([v2]);
    expect(reconcile([v1, v2])).toEqual([v2]);
  });

  it('concurrent writes come back as siblings with their values, duplicates dropped', () => {
    const base = increment(emptyClock(), 'n1');
    const left = { clock: increment(base, 'n2'), value: 'left' };
    const right = { clock: increment(base, 'n3'), value: 'right' };
    const stale = { clock: base, value: 'stale' };
    expect(reconcile([left, stale, right, { ...left }])).toEqual([left, right]);
  });

  it('nothing to reconcile gives nothing back', () => {
    expect(reconcile([])).toEqual([]);
  });
});
