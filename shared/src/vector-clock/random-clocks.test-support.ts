// Deterministic random clocks for the property tests: a seeded PRNG so a
// failure replays exactly, and no test library beyond vitest.
import { increment, emptyClock } from './vector-clock.ts';
import type { VectorClock } from './vector-clock.ts';
import { merge } from './merge.ts';
import { fromJSON } from './clock-json.ts';
import { seededRandom } from '../testing/seeded-random.ts';

export { seededRandom };

/**
 * Runs a property over `cases` seeded random inputs and returns the inputs it
 * fails on, so a test asserts `toEqual([])` once and a failure shows the cases.
 */
export function counterexamples<T>(
  seed: number,
  make: (random: () => number) => T,
  holds: (input: T) => boolean,
  cases = 2_000,
): T[] {
  const random = seededRandom(seed);
  const failures: T[] = [];
  for (let i = 0; i < cases; i++) {
    const input = make(random);
    if (!holds(input)) failures.push(input);
  }
  return failures;
}

/** An integer in [0, n). */
export function randomInt(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** A clock over a small node pool with small counters, so equal and ordered pairs are common. */
export function randomClock(random: () => number): VectorClock {
  let clock = emptyClock();
  const writes = randomInt(random, 6);
  for (let i = 0; i < writes; i++) {
    clock = increment(clock, NODES[randomInt(random, NODES.length)] as string, randomInt(random, 50));
  }
  return clock;
}

/** A clock that has seen `base` and then some more writes (possibly none). */
export function randomDescendant(random: () => number, base: VectorClock): VectorClock {
  return merge(base, randomClock(random));
}

/** A clock over `nodes` nodes (`n0`...), each present with probability 1/2, random timestamps. */
export function randomWideClock(random: () => number, nodes: number): VectorClock {
  const json: Record<string, { counter: number; timestamp: number }> = {};
  for (let i = 0; i < nodes; i++) {
    if (random() < 0.5) {
      json[`n${i}`] = { counter: 1 + randomInt(random, 5), timestamp: randomInt(random, 1_000) };
    }
  }
  return fromJSON(json);
}

/** Equality of whole clocks, timestamps included; clocks keep sorted keys, so their JSON is canonical. */
export function sameClock(a: VectorClock, b: VectorClock): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The counters alone, as a plain object: an oracle for equality independent of `compare`. */
export function countersOf(clock: VectorClock): Record<string, number> {
  return Object.fromEntries(Object.entries(clock).map(([id, entry]) => [id, entry.counter]));
}
