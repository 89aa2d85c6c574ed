import { describe, expect, it } from 'vitest';
import { merge, mergeAll } from './merge.ts';
import {
  counterexamples,
  countersOf,
  randomClock,
  sameClock,
  seededRandom,
} from './random-clocks.test-support.ts';
import { counterOf, emptyClock, increment } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';

const two = (random: () => number): [VectorClock, VectorClock] => [randomClock(random), randomClock(random)];
const three = (random: () => number): [VectorClock, VectorClock, VectorClock] => [
  randomClock(random),
  randomClock(random),
  randomClock(random),
];

describe('merge', () => {
  it('merge is commutative', () => {
    expect(counterexamples(1, two, ([a, b]) => sameClock(merge(a, b), merge(b, a)))).toEqual([]);
  });

  it('merge is associative', () => {
    expect(
      counterexamples(2, three, ([a, b, c]) => sameClock(merge(merge(a, b), c), merge(a, merge(b, c)))),
    ).toEqual([]);
  });

  it('merge is idempotent', () => {
    expect(counterexamples(3, randomClock, (a) => sameClock(merge(a, a), a))).toEqual([]);
  });

  it('the empty clock is the identity of merge', () => {
    expect(counterexamples(4, randomClock, (a) => sameClock(merge(a, emptyClock()), a))).toEqual([]);
  });

  it('each merged counter is the larger of the two', () => {
    const holds = ([a, b]: [VectorClock, VectorClock]): boolean => {
      const merged = merge(a, b);
      return [...Object.keys(a), ...Object.keys(b)].every(
        (id) => counterOf(merged, id) === Math.max(counterOf(a, id), counterOf(b, id)),
      );
    };
    expect(counterexamples(5, two, holds)).toEqual([]);
  });

  it('on equal counters the later timestamp is kept, whichever side it came from', () => {
    const early = increment(emptyClock(), 'n1', 10);
    const late = increment(emptyClock(), 'n1', 20);
    expect(merge(early, late)).toEqual({ n1: { counter: 1, timestamp: 20 } });
    expect(merge(late, early)).toEqual({ n1: { counter: 1, timestamp: 20 } });
  });

  it('mergeAll folds merge over any number of clocks', () => {
    const random = seededRandom(6);
    const clocks = Array.from({ length: 10 }, () => randomClock(random));
    const folded = clocks.reduce(merge, emptyClock());
    expect(countersOf(mergeAll(clocks))).toEqual(countersOf(folded));
    expect(mergeAll([])).toEqual(emptyClock());
  });

  it('merge leaves its inputs unchanged and returns a frozen clock', () => {
    const a = increment(emptyClock(), 'n1');
    const b = increment(emptyClock(), 'n2');
    const merged = merge(a, b);
    expect(a).toEqual({ n1: { counter: 1, timestamp: 0 } });
    expect(b).toEqual({ n2: { counter: 1, timestamp: 0 } });
    expect(Object.isFrozen(merged)).toBe(true);
  });
});
