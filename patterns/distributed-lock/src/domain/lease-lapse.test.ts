import { describe, expect, it } from 'vitest';
import { leaseLapse } from './lease-lapse.ts';
import type { NodeLockState } from './lock-view.ts';

const up = (node: string, token: string | null, ttlMs: number | null): NodeLockState => ({
  node,
  kind: 'up',
  token,
  owner: token ? 'alice' : null,
  instance: token ? 'lock-a' : null,
  fencingToken: token ? 7 : null,
  ttlMs,
  fencingCounter: 7,
  queue: [],
});
const down = (node: string): NodeLockState => ({ node, kind: 'unreachable', reason: 'ECONNREFUSED' });

describe('leaseLapse', () => {
  it('a lease a majority still holds (extended elsewhere) has not lapsed: it runs the quorum-th longest TTL', () => {
    const states = [
      up('1', 't', 9_000),
      up('2', 't', 8_000),
      up('3', 't', 7_000),
      up('4', null, null),
      down('5'),
    ];
    expect(leaseLapse(states, 't', 5)).toEqual({ kind: 'held', remainingMs: 7_000 });
  });

  it('fewer than a quorum holding it, with a majority answering: lapsed', () => {
    const states = [
      up('1', 't', 100),
      up('2', null, null),
      up('3', 'other', 5_000),
      up('4', null, null),
      down('5'),
    ];
    expect(leaseLapse(states, 't', 5)).toEqual({ kind: 'lapsed' });
  });

  it('too few answers to rule out a majority: unknown', () => {
    const states = [up('1', 't', 100), up('2', null, null), down('3'), down('4'), down('5')];
    expect(leaseLapse(states, 't', 5)).toEqual({ kind: 'unknown' });
  });
});
