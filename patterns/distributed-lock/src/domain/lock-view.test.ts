import { describe, expect, it } from 'vitest';
import { summarizeLockView } from './lock-view.ts';
import type { NodeLockState, QueueEntry } from './lock-view.ts';

const up = (node: string, token: string | null, queue: QueueEntry[] = []): NodeLockState => ({
  node,
  kind: 'up',
  token,
  owner: token ? `owner-${token}` : null,
  instance: token ? 'lock-a' : null,
  fencingToken: token ? 3 : null,
  ttlMs: token ? 1000 : null,
  fencingCounter: 3,
  queue,
});

describe('summarizeLockView', () => {
  it('when one token holds a majority, then it is held by that owner, and a minority leftover shows as another lease', () => {
    const view = summarizeLockView(
      [
        up('a', 't1'),
        up('b', 't1'),
        up('c', 't1'),
        up('d', 't0'),
        { node: 'e', kind: 'unreachable', reason: 'x' },
      ],
      5,
    );
    expect(view.isHeld).toBe(true);
    expect(view.holder).toMatchObject({ owner: 'owner-t1', nodes: ['a', 'b', 'c'], fencingToken: 3 });
    expect(view.nodes.map((n) => n.status)).toEqual([
      'holder',
      'holder',
      'holder',
      'other-lease',
      'unreachable',
    ]);
  });

  it('when no token holds a majority, then it is not held', () => {
    const view = summarizeLockView(
      [up('a', 't1'), up('b', 't1'), up('c', null), up('d', null), up('e', null)],
      5,
    );
    expect(view.isHeld).toBe(false);
    expect(view.holder).toBeNull();
  });

  it('merges the queues of all nodes in ticket order and counts on how many nodes each waiter is', () => {
    const q1 = [
      { member: 'x1:lock-a:w2', ticket: 2 },
      { member: 'x2:lock-b:w1', ticket: 1 },
    ];
    const view = summarizeLockView(
      [up('a', null, q1), up('b', null, q1), up('c', null, [q1[0] ?? { member: '', ticket: 0 }])],
      3,
    );
    expect(view.queue).toEqual([
      { waiter: 'x2:lock-b:w1', ticket: 1, nodes: 2, owner: 'w1', instance: 'lock-b' },
      { waiter: 'x1:lock-a:w2', ticket: 2, nodes: 3, owner: 'w2', instance: 'lock-a' },
    ]);
  });
});
