import { describe, expect, it } from 'vitest';
import { pageOfKeys } from './key-page.ts';

describe('key table pages', () => {
  it('orders keys naturally, counts all and matching, and pages through the matches', () => {
    const keys = ['item-10', 'item-2', 'cart', 'item-1', 'item-2'];
    expect(pageOfKeys(keys, { offset: 0, limit: 2 })).toEqual({
      total: 4,
      matching: 4,
      offset: 0,
      keys: ['cart', 'item-1'],
    });
    expect(pageOfKeys(keys, { search: 'ITEM', offset: 1, limit: 5 })).toEqual({
      total: 4,
      matching: 3,
      offset: 1,
      keys: ['item-2', 'item-10'],
    });
    expect(pageOfKeys(keys, { search: 'nothing', offset: 0, limit: 5 }).keys).toEqual([]);
  });
});
