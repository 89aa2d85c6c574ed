import { describe, expect, it } from 'vitest';
import { counterOf, emptyClock, formatClock, increment, newestTimestamp, nodeIdsOf } from './vector-clock.ts';

describe('vector clock values', () => {
  it('the empty clock counts 0 for every node', () => {
    expect(counterOf(emptyClock(), 'n1')).toBe(0);
    expect(nodeIdsOf(emptyClock())).toEqual([]);
  });

  it('increment raises exactly one counter by one and leaves the input unchanged', () => {
    const one = increment(emptyClock(), 'n1');
    const two = increment(one, 'n1');
    const other = increment(two, 'n2');
    expect(counterOf(one, 'n1')).toBe(1);
    expect([counterOf(other, 'n1'), counterOf(other, 'n2')]).toEqual([2, 1]);
    expect(counterOf(one, 'n1')).toBe(1);
    expect(Object.isFrozen(other) && Object.isFrozen(other.n1)).toBe(true);
  });

  it('without a timestamp, increment ticks one past the newest timestamp in the clock', () => {
    const clock = increment(increment(emptyClock(), 'n1', 41), 'n2');
    expect(clock.n2?.timestamp).toBe(42);
    expect(newestTimestamp(clock)).toBe(42);
  });

  it('a node id like __proto__ is an ordinary id', () => {
    const clock = increment(emptyClock(), '__proto__');
    expect(counterOf(clock, '__proto__')).toBe(1);
    expect(counterOf(emptyClock(), '__proto__')).toBe(0);
    expect(counterOf(emptyClock(), 'toString')).toBe(0);
  });

  it('rejects an empty node id and a negative or fractional timestamp', () => {
    expect(() => increment(emptyClock(), '')).toThrow(TypeError);
    expect(() => increment(emptyClock(), 'n1', -1)).toThrow(RangeError);
    expect(() => increment(emptyClock(), 'n1', 0.5)).toThrow(RangeError);
  });

  it('formatClock shows counters in node order', () => {
    expect(formatClock(increment(increment(emptyClock(), 'n3'), 'n1'))).toBe('{n1:1, n3:1}');
  });
});
