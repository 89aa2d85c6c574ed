import { describe, expect, it } from 'vitest';
import { fromJSON, toJSON } from './clock-json.ts';
import { InvalidVectorClockError } from './invalid-vector-clock-error.ts';
import { counterexamples, randomWideClock, sameClock } from './random-clocks.test-support.ts';
import type { VectorClock } from './vector-clock.ts';

describe('vector clock JSON', () => {
  it('fromJSON(toJSON(clock)) gives the clock back, through JSON text too', () => {
    const holds = (clock: VectorClock): boolean =>
      sameClock(fromJSON(toJSON(clock)), clock) &&
      sameClock(fromJSON(JSON.parse(JSON.stringify(clock))), clock);
    expect(counterexamples(40, (random) => randomWideClock(random, 8), holds)).toEqual([]);
  });

  it('equal clocks serialise to identical text whatever order their entries came in', () => {
    const a = fromJSON({ n2: { counter: 1, timestamp: 0 }, n1: { counter: 2, timestamp: 3 } });
    const b = fromJSON({ n1: { counter: 2, timestamp: 3 }, n2: { counter: 1, timestamp: 0 } });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(toJSON(a))).toBe(
      '{"n1":{"counter":2,"timestamp":3},"n2":{"counter":1,"timestamp":0}}',
    );
  });

  it.each([
    [null, /expected an object/],
    [[1, 2], /expected an object.*an array/],
    ['n1:1', /expected an object/],
    [{ n1: 3 }, /at n1: expected \{ counter, timestamp \}/],
    [{ n1: { counter: -1, timestamp: 0 } }, /at n1\.counter: must be an integer >= 1, got -1/],
    [{ n1: { counter: 1.5, timestamp: 0 } }, /at n1\.counter: must be an integer >= 1, got 1\.5/],
    [{ n1: { counter: 0, timestamp: 0 } }, /at n1\.counter/],
    [{ n1: { counter: '2', timestamp: 0 } }, /at n1\.counter: .* got "2"/],
    [{ n1: { counter: 1 } }, /at n1\.timestamp: .* got nothing/],
    [{ n1: { counter: 1, timestamp: -5 } }, /at n1\.timestamp/],
    [{ n1: { counter: 1, timestamp: 0, extra: true } }, /at n1: unknown field\(s\) extra/],
    [{ '': { counter: 1, timestamp: 0 } }, /non-empty/],
  ])('fromJSON(%j) throws a clear InvalidVectorClockError', (input, message) => {
    expect(() => fromJSON(input)).toThrow(InvalidVectorClockError);
    expect(() => fromJSON(input)).toThrow(message);
  });

  it('the error names the offending field in its path', () => {
    try {
      fromJSON({ n7: { counter: 1, timestamp: 'soon' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidVectorClockError);
      expect((error as InvalidVectorClockError).path).toBe('n7.timestamp');
    }
  });
});
