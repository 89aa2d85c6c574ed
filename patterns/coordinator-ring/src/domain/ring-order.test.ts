import { describe, expect, it } from 'vitest';
import { ringOrder, successorsOf } from './ring-order.ts';

describe('ring order', () => {
  it('when given the same members in any order, then every node computes the same ring', () => {
    const a = ringOrder(['ring-1', 'ring-2', 'ring-3', 'ring-4', 'ring-5']);
    const b = ringOrder(['ring-5', 'ring-3', 'ring-1', 'ring-4', 'ring-2']);
    expect(a).toEqual(b);
    expect([...a].sort()).toEqual(['ring-1', 'ring-2', 'ring-3', 'ring-4', 'ring-5']);
  });

  it('when each node monitors its k successors, then every node is monitored by exactly k others', () => {
    const order = ringOrder(['ring-1', 'ring-2', 'ring-3', 'ring-4', 'ring-5']);
    const monitoredBy = new Map<string, number>();
    for (const id of order) {
      const successors = successorsOf(order, id, 2);
      expect(successors).not.toContain(id);
      for (const s of successors) monitoredBy.set(s, (monitoredBy.get(s) ?? 0) + 1);
    }
    expect([...monitoredBy.values()]).toEqual([2, 2, 2, 2, 2]);
  });

  it('when asked for more successors than other members, then it returns each other member once', () => {
    const order = ringOrder(['a', 'b', 'c']);
    expect(new Set(successorsOf(order, 'a', 10))).toEqual(new Set(['b', 'c']));
  });
});
