import { describe, expect, it } from 'vitest';
import { compare, descends } from './compare.ts';
import { merge } from './merge.ts';
import { prune } from './prune.ts';
import {
  counterexamples,
  randomClock,
  randomInt,
  randomWideClock,
  seededRandom,
} from './random-clocks.test-support.ts';
import { counterOf, emptyClock, increment, newestTimestamp } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';

interface PruneCase {
  readonly clock: VectorClock;
  readonly maxEntries: number;
}

// Clocks touched by up to 12 nodes against bounds of 1 to 6, so pruning has work to do.
const pruneCase = (random: () => number): PruneCase => ({
  clock: randomWideClock(random, 12),
  maxEntries: 1 + randomInt(random, 6),
});

describe('prune', () => {
  it('the pruned clock never has more than maxEntries entries', () => {
    const holds = ({ clock, maxEntries }: PruneCase): boolean =>
      Object.keys(prune(clock, maxEntries)).length === Math.min(maxEntries, Object.keys(clock).length);
    expect(counterexamples(30, pruneCase, holds)).toEqual([]);
  });

  it('pruning only forgets: each kept entry is unchanged, so the original descends from the pruned clock', () => {
    const holds = ({ clock, maxEntries }: PruneCase): boolean => {
      const pruned = prune(clock, maxEntries);
      return descends(clock, pruned) && Object.entries(pruned).every(([id, entry]) => clock[id] === entry);
    };
    expect(counterexamples(31, pruneCase, holds)).toEqual([]);
  });

  it('the entries kept are the newest ones', () => {
    const holds = ({ clock, maxEntries }: PruneCase): boolean => {
      const pruned = prune(clock, maxEntries);
      const oldestKept = Math.min(...Object.values(pruned).map((e) => e.timestamp));
      return Object.entries(clock).every(([id, e]) => id in pruned || e.timestamp <= oldestKept);
    };
    expect(counterexamples(32, pruneCase, holds)).toEqual([]);
  });

  it('a clock within the bound comes back unchanged', () => {
    const clock = increment(increment(emptyClock(), 'n1'), 'n2');
    expect(prune(clock, 2)).toBe(clock);
  });

  it('ties on timestamp are broken by node id, so every replica prunes alike', () => {
    const clock = merge(
      merge(increment(emptyClock(), 'b', 5), increment(emptyClock(), 'a', 5)),
      increment(emptyClock(), 'c', 5),
    );
    expect(Object.keys(prune(clock, 2))).toEqual(['a', 'b']);
  });

  it('a write pruned right after increment is never mistaken for an ancestor of a version that has not seen it', () => {
    interface WriteCase {
      readonly write: VectorClock;
      readonly pruned: VectorClock;
      readonly other: VectorClock;
    }
    const writeCase = (random: () => number): WriteCase => {
      const coordinator = `n${randomInt(random, 10)}`;
      const write = increment(randomWideClock(random, 10), coordinator);
      // "Has not seen it": the other version's counter for the coordinator stays below the write's.
      let other = merge(randomWideClock(random, 10), randomClock(random));
      while (counterOf(other, coordinator) >= counterOf(write, coordinator)) other = randomClock(random);
      return { write, pruned: prune(write, 1 + randomInt(random, 4)), other };
    };
    // Siblings stay siblings, and true ancestry may be hidden (a false sibling) but is never invented.
    const holds = ({ write, pruned, other }: WriteCase): boolean => {
      const truth = compare(other, write);
      const seen = compare(other, pruned);
      return (
        (seen === 'before' || seen === 'concurrent') && (truth !== 'concurrent' || seen === 'concurrent')
      );
    };
    expect(counterexamples(33, writeCase, holds)).toEqual([]);

    // The cost is real: some true ancestors do come back as false siblings.
    const random = seededRandom(33);
    const cases = Array.from({ length: 500 }, () => writeCase(random));
    const falseSiblings = cases.filter(
      ({ write, pruned, other }) =>
        compare(other, write) === 'before' && compare(other, pruned) === 'concurrent',
    );
    expect(falseSiblings.length).toBeGreaterThan(0);
  });

  it('the entry just incremented with a logical timestamp survives any bound', () => {
    const holds = (clock: VectorClock): boolean => {
      const write = increment(clock, 'coordinator');
      const kept = prune(write, 1);
      return (
        newestTimestamp(write) === write.coordinator?.timestamp && kept.coordinator === write.coordinator
      );
    };
    expect(counterexamples(34, (random) => randomWideClock(random, 10), holds)).toEqual([]);
  });

  it('rejects a bound below one', () => {
    expect(() => prune(emptyClock(), 0)).toThrow(RangeError);
    expect(() => prune(emptyClock(), 1.5)).toThrow(RangeError);
  });
});
