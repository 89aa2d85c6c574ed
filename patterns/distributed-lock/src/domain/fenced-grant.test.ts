import { describe, expect, it } from 'vitest';
import type { AcquireVote } from './acquire-votes.ts';
import { foldedToken, highestCounterSeen, isAcquireSettled } from './fenced-grant.ts';

const granted = (node: string, fencingCounter: number, raised: boolean): AcquireVote => ({
  node,
  kind: 'granted',
  fencingCounter,
  raised,
});
const held = (node: string, fencingCounter: number): AcquireVote => ({
  node,
  kind: 'held',
  fencingCounter,
  holderOwner: 'w1',
  holderTtlMs: 900,
});

describe('the fencing token inside the acquire round trip', () => {
  it('when a majority granted and raised the proposal, then the proposal is the token', () => {
    const votes = [granted('a', 6, true), granted('b', 6, true), granted('c', 5, true)];
    expect(foldedToken(votes, 7, 5)).toBe(7);
  });

  it('when a node granted but its counter was already at the proposal, then the proposal is no token', () => {
    // c was raised to 7 by another holder: two holders must never get the same number.
    const votes = [granted('a', 6, true), granted('b', 6, true), granted('c', 7, false), held('d', 7)];
    expect(foldedToken(votes, 7, 5)).toBeNull();
  });

  it('when a minority raised, then the attempt waits for every vote before it is decided', () => {
    const votes = [granted('a', 6, true), granted('b', 6, true)];
    expect(isAcquireSettled(votes, 3, 7, 5)).toBe(false);
    expect(isAcquireSettled([...votes, granted('c', 6, true)], 2, 7, 5)).toBe(true);
  });

  it('when refused, then it is decided only once every node voted', () => {
    const votes = [held('a', 4), held('b', 4), held('c', 4)];
    expect(isAcquireSettled(votes, 2, 5, 5)).toBe(false);
    expect(isAcquireSettled([...votes, held('d', 4), held('e', 4)], 0, 5, 5)).toBe(true);
  });

  it('the highest counter seen is what the nodes held before this attempt raised them', () => {
    expect(highestCounterSeen([granted('a', 3, true), held('b', 4)])).toBe(4);
    expect(highestCounterSeen([{ node: 'c', kind: 'unreachable', reason: 'down' }])).toBe(0);
  });
});
