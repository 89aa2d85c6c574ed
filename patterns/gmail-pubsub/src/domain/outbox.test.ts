import { seededRandom } from '@kvs-lab/shared/testing';
import { describe, expect, it } from 'vitest';
import { backpressurePolicies, offer, take } from './outbox.ts';
import type { OutboxItem } from './outbox.ts';

const item = (key: string, value: number): OutboxItem<number> => ({ coalesceKey: key, value });

function fill(capacity: number): readonly OutboxItem<number>[] {
  return Array.from({ length: capacity }, (_, i) => item(`k${i % 2}`, i));
}

describe('bounded outbox', () => {
  it('when there is room and keys differ, then every policy queues the item and drops nothing', () => {
    for (const policy of backpressurePolicies) {
      expect(offer([item('a', 1)], item('b', 2), policy, 2)).toEqual({
        kind: 'queued',
        items: [item('a', 1), item('b', 2)],
        dropped: 0,
      });
    }
  });

  it('when a newer item with the same key arrives under coalesce, then it supersedes the waiting one even with room left', () => {
    expect(offer([item('a', 1), item('b', 2)], item('a', 3), 'coalesce', 10)).toEqual({
      kind: 'queued',
      items: [item('b', 2), item('a', 3)],
      dropped: 1,
    });
  });

  it('when full under drop-oldest, then the oldest item goes and the newest stays', () => {
    const result = offer(fill(3), item('z', 99), 'drop-oldest', 3);
    expect(result).toEqual({
      kind: 'queued',
      items: [item('k1', 1), item('k0', 2), item('z', 99)],
      dropped: 1,
    });
  });

  it('when full under coalesce, then older items with the same key are superseded by the newest', () => {
    const result = offer(fill(4), item('k0', 99), 'coalesce', 4);
    expect(result).toEqual({
      kind: 'queued',
      items: [item('k1', 1), item('k1', 3), item('k0', 99)],
      dropped: 2,
    });
  });

  it('when full under coalesce with all keys distinct, then it falls back to dropping the oldest', () => {
    const items = [item('a', 1), item('b', 2)];
    expect(offer(items, item('c', 3), 'coalesce', 2)).toEqual({
      kind: 'queued',
      items: [item('b', 2), item('c', 3)],
      dropped: 1,
    });
  });

  it('when full under disconnect, then the answer is to disconnect and the queue is unchanged', () => {
    const items = fill(2);
    expect(offer(items, item('x', 5), 'disconnect', 2)).toEqual({ kind: 'disconnect', items });
  });

  it('whatever arrives, the queue never exceeds its capacity and queued + dropped accounts for every item', () => {
    const random = seededRandom(7);
    for (const policy of ['drop-oldest', 'coalesce'] as const) {
      let items: readonly OutboxItem<number>[] = [];
      let dropped = 0;
      let taken = 0;
      for (let i = 0; i < 2_000; i += 1) {
        const result = offer(items, item(`k${Math.floor(random() * 5)}`, i), policy, 8);
        if (result.kind !== 'queued') throw new Error('unexpected disconnect');
        items = result.items;
        dropped += result.dropped;
        expect(items.length).toBeLessThanOrEqual(8);
        if (random() < 0.3) {
          const { taken: out, rest } = take(items, 2);
          taken += out.length;
          items = rest;
        }
      }
      expect(items.length + dropped + taken).toBe(2_000);
      // Order is kept: what remains is increasing.
      expect(items.map((i) => i.value)).toEqual([...items.map((i) => i.value)].sort((a, b) => a - b));
    }
  });
});
