import { seededRandom } from '@kvs-lab/shared/testing';
import { describe, expect, it } from 'vitest';
import { lexBounds, pageOf } from './item-page.ts';
import type { PageQuery } from './item-page.ts';

// A model of ZRANGE BYLEX over a sorted array, to check the bounds without Redis.
function rangeByLex(sorted: readonly string[], min: string, max: string, isReversed: boolean): string[] {
  const above = (s: string) => min === '-' || (min.startsWith('[') ? s >= min.slice(1) : s > min.slice(1));
  const below = (s: string) => max === '+' || (max.startsWith('[') ? s <= max.slice(1) : s < max.slice(1));
  const hits = sorted.filter((s) => above(s) && below(s));
  return isReversed ? hits.reverse() : hits;
}

function paginate(sorted: readonly string[], query: Omit<PageQuery, 'startAfter'>): string[] {
  const seen: string[] = [];
  let startAfter: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const { min, max } = lexBounds({ ...query, startAfter });
    const fetched = rangeByLex(sorted, min, max, query.order === 'desc').slice(0, query.limit + 1);
    const page = pageOf(fetched, query.limit);
    seen.push(...page.sortKeys);
    if (page.nextStartAfter === undefined) return seen;
    startAfter = page.nextStartAfter;
  }
  throw new Error('pagination did not end');
}

describe('item pages', () => {
  const random = seededRandom(11);
  const sortKeys = Array.from(
    { length: 200 },
    () => `${['a', 'ab', 'b', 'order#'][Math.floor(random() * 4)]}${Math.floor(random() * 1000)}`,
  );
  const sorted = [...new Set(sortKeys)].sort();

  for (const order of ['asc', 'desc'] as const) {
    for (const prefix of ['', 'a', 'ab', 'order#', 'zz']) {
      it(`with order=${order} and prefix="${prefix}", then pages return every matching item exactly once, in order`, () => {
        const expected = sorted.filter((s) => s.startsWith(prefix));
        if (order === 'desc') expected.reverse();
        expect(paginate(sorted, { prefix, limit: 7, order })).toEqual(expected);
      });
    }
  }

  it('when the last page is exactly full, then no cursor is given', () => {
    expect(pageOf(['a', 'b'], 2)).toEqual({ sortKeys: ['a', 'b'], nextStartAfter: undefined });
    expect(pageOf(['a', 'b', 'c'], 2)).toEqual({ sortKeys: ['a', 'b'], nextStartAfter: 'b' });
  });
});
