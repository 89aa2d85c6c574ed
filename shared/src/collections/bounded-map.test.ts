import { describe, expect, it } from 'vitest';
import { BoundedMap } from './bounded-map.ts';

describe('BoundedMap', () => {
  it('when over capacity, then it forgets the least recently set or touched entry first', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<string, number>(2, { onEvict: (key) => evicted.push(key) });
    map.set('a', 1).set('b', 2);
    expect(map.touch('a')).toBe(1);
    map.set('c', 3);
    expect([...map.keys()]).toEqual(['a', 'c']);
    map.set('a', 10).set('d', 4);
    expect([...map.entries()]).toEqual([
      ['a', 10],
      ['d', 4],
    ]);
    expect(evicted).toEqual(['b', 'c']);
  });

  it('when get is used, then the entry does not get younger', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1).set('b', 2);
    expect(map.get('a')).toBe(1);
    map.set('c', 3);
    expect(map.has('a')).toBe(false);
    expect(map.touch('missing')).toBeUndefined();
    expect(map.size).toBe(2);
  });

  it('when emptied by delete or clear, then eviction still starts at the oldest entry', () => {
    const map = new BoundedMap<number, number>(2);
    for (let i = 0; i < 5; i += 1) map.set(i, i);
    for (const key of [...map.keys()]) map.delete(key);
    map.set(10, 10).set(11, 11).set(12, 12);
    expect([...map.keys()]).toEqual([11, 12]);
    map.clear();
    map.set(20, 20).set(21, 21).set(22, 22);
    expect([...map.keys()]).toEqual([21, 22]);
  });

  it('with capacity 0, then it keeps nothing; a bad capacity is refused', () => {
    const map = new BoundedMap<string, number>(0);
    map.set('a', 1);
    expect(map.size).toBe(0);
    expect(() => new BoundedMap(-1)).toThrow(RangeError);
    expect(() => new BoundedMap(1.5)).toThrow(RangeError);
  });

  it('over many mixed operations, then it holds exactly what a plain least-recently-used list holds', () => {
    // A deterministic mix of sets, touches and deletes, compared with an array kept in age order.
    const map = new BoundedMap<number, number>(50);
    let model: number[] = [];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let step = 0; step < 20_000; step += 1) {
      const key = random(200);
      const action = random(10);
      if (action < 6) {
        map.set(key, step);
        model = [...model.filter((k) => k !== key), key];
        if (model.length > 50) model = model.slice(model.length - 50);
      } else if (action < 9) {
        map.touch(key);
        if (model.includes(key)) model = [...model.filter((k) => k !== key), key];
      } else {
        map.delete(key);
        model = model.filter((k) => k !== key);
      }
    }
    expect([...map.keys()]).toEqual(model);
  });
});
