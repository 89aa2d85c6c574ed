import { describe, expect, it } from 'vitest';
import { compare, descends } from './compare.ts';
import type { ClockOrder } from './compare.ts';
import { merge } from './merge.ts';
import {
  counterexamples,
  countersOf,
  randomClock,
  randomDescendant,
  seededRandom,
} from './random-clocks.test-support.ts';
import { emptyClock, increment } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';

type Pair = [VectorClock, VectorClock];

// Half the pairs are related by construction, or random pairs would be almost all
// concurrent; then either order, so 'before' and 'after' both come up.
function randomPair(random: () => number): Pair {
  const a = randomClock(random);
  const b = random() < 0.5 ? randomDescendant(random, a) : randomClock(random);
  return random() < 0.5 ? [a, b] : [b, a];
}

const sameCounters = (x: VectorClock, y: VectorClock): boolean =>
  JSON.stringify(countersOf(x)) === JSON.stringify(countersOf(y));

// The order merge implies: merge(a, b) has b's counters exactly when b has seen a.
function orderByMerge([a, b]: Pair): ClockOrder {
  const merged = merge(a, b);
  const isB = sameCounters(merged, b);
  const isA = sameCounters(merged, a);
  return isA && isB ? 'equal' : isB ? 'before' : isA ? 'after' : 'concurrent';
}

describe('compare', () => {
  it('compare agrees with merge: before iff merge(a, b) has b’s counters and a differs, and so on', () => {
    expect(counterexamples(10, randomPair, (pair) => compare(...pair) === orderByMerge(pair))).toEqual([]);
  });

  it('the random pairs exercise all four outcomes, so the property above says something', () => {
    const random = seededRandom(10);
    const seen = new Set(Array.from({ length: 500 }, () => orderByMerge(randomPair(random))));
    expect([...seen].sort()).toEqual(['after', 'before', 'concurrent', 'equal']);
  });

  it('compare is antisymmetric: swapping the arguments swaps before and after', () => {
    const mirror: Record<ClockOrder, ClockOrder> = {
      before: 'after',
      after: 'before',
      equal: 'equal',
      concurrent: 'concurrent',
    };
    expect(counterexamples(11, randomPair, ([a, b]) => compare(b, a) === mirror[compare(a, b)])).toEqual([]);
  });

  it('timestamps never decide causality', () => {
    const early = increment(emptyClock(), 'n1', 1);
    const late = increment(emptyClock(), 'n1', 99);
    expect(compare(early, late)).toBe('equal');
  });

  it('two writes on top of the same version by different nodes are concurrent', () => {
    const base = increment(emptyClock(), 'n1');
    expect(compare(increment(base, 'n2'), increment(base, 'n3'))).toBe('concurrent');
    expect(compare(base, increment(base, 'n2'))).toBe('before');
  });
});

describe('descends', () => {
  it('descends is reflexive', () => {
    expect(counterexamples(12, randomClock, (a) => descends(a, a))).toEqual([]);
  });

  it('descends is transitive', () => {
    // Chains a <= b <= c are built on purpose, plus unrelated c, so the premise is often true.
    const chain = (random: () => number): [VectorClock, VectorClock, VectorClock] => {
      const a = randomClock(random);
      const b = randomDescendant(random, a);
      return [a, b, random() < 0.5 ? randomDescendant(random, b) : randomClock(random)];
    };
    expect(
      counterexamples(13, chain, ([a, b, c]) => !(descends(c, b) && descends(b, a)) || descends(c, a)),
    ).toEqual([]);
  });

  it('descends(a, b) holds exactly when compare says after or equal', () => {
    const holds = ([a, b]: Pair): boolean => {
      const order = compare(a, b);
      return (
        descends(a, b) === (order === 'after' || order === 'equal') &&
        descends(b, a) === (order === 'before' || order === 'equal')
      );
    };
    expect(counterexamples(14, randomPair, holds)).toEqual([]);
  });

  it('every clock descends from the empty clock, and a merge descends from both inputs', () => {
    const holds = ([a, b]: Pair): boolean =>
      descends(a, emptyClock()) && descends(merge(a, b), a) && descends(merge(a, b), b);
    expect(counterexamples(15, randomPair, holds)).toEqual([]);
  });
});
