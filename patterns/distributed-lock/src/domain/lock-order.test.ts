import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import { firstDuplicate, lockOrder } from './lock-order.ts';

describe('lockOrder', () => {
  it('when two callers list the same resources in any order, then canonical order is the same for both', () => {
    const random = seededRandom(7);
    const names = ['b', 'a', 'account-2', 'account-10', 'z'];
    for (let i = 0; i < 100; i++) {
      const shuffled = [...names].sort(() => random() - 0.5);
      expect(lockOrder(shuffled, 'canonical')).toEqual(lockOrder(names, 'canonical'));
    }
  });

  it('as-given keeps the caller order (the naive order that can deadlock)', () => {
    expect(lockOrder(['b', 'a'], 'as-given')).toEqual(['b', 'a']);
  });

  it('finds a resource listed twice', () => {
    expect(firstDuplicate(['a', 'b', 'a'])).toBe('a');
    expect(firstDuplicate(['a', 'b'])).toBeUndefined();
  });
});
