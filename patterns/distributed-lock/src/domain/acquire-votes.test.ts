import { describe, expect, it } from 'vitest';
import { tallyAcquireVotes } from './acquire-votes.ts';
import type { AcquireVote } from './acquire-votes.ts';

const granted = (node: string, fencingCounter = 0): AcquireVote => ({
  node,
  kind: 'granted',
  fencingCounter,
});
const held = (node: string, owner = 'w1'): AcquireVote => ({
  node,
  kind: 'held',
  fencingCounter: 4,
  holderOwner: owner,
  holderTtlMs: 900,
});
const down = (node: string): AcquireVote => ({ node, kind: 'unreachable', reason: 'down' });

describe('tallyAcquireVotes', () => {
  it('when 3 of 5 nodes grant, then the lease is granted with the highest fencing counter they reported', () => {
    const decision = tallyAcquireVotes(
      [granted('a', 2), granted('b', 7), granted('c', 5), down('d'), down('e')],
      5,
    );
    expect(decision).toEqual({ kind: 'granted', grantedBy: ['a', 'b', 'c'], fencingFloor: 7 });
  });

  it('when only 2 of 5 grant and the others hold another lease, then it is held and the 2 must be released', () => {
    const decision = tallyAcquireVotes([granted('a'), granted('b'), held('c'), held('d'), held('e')], 5);
    expect(decision).toMatchObject({ kind: 'held', votesFor: 2, needed: 3, grantedBy: ['a', 'b'] });
    expect(decision.kind === 'held' && decision.holder).toEqual({ owner: 'w1', ttlMs: 900 });
  });

  it('when 3 of 5 nodes are down, then the quorum is unavailable even if both others grant', () => {
    const decision = tallyAcquireVotes([granted('a'), granted('b'), down('c'), down('d'), down('e')], 5);
    expect(decision).toMatchObject({
      kind: 'quorum-unavailable',
      reachable: 2,
      needed: 3,
      grantedBy: ['a', 'b'],
    });
  });

  it('when a node sits out its restart delay, then it counts as unreachable, not as a vote', () => {
    const recovering: AcquireVote = { node: 'c', kind: 'recovering', remainingMs: 500 };
    const decision = tallyAcquireVotes([held('a'), held('b'), recovering, down('d'), down('e')], 5);
    expect(decision.kind).toBe('quorum-unavailable');
  });

  it('when the lock is free but earlier waiters are queued, then it is refused as held with no holder named', () => {
    const queued: AcquireVote = { node: 'c', kind: 'queued', fencingCounter: 1, headWaiter: 'x' };
    const decision = tallyAcquireVotes(
      [granted('a'), granted('b'), queued, { ...queued, node: 'd' }, { ...queued, node: 'e' }],
      5,
    );
    expect(decision).toMatchObject({ kind: 'held', queuedAhead: 3 });
    expect(decision.kind === 'held' && decision.holder).toBeUndefined();
  });

  it('when nodes name different holders, then the one most nodes name is reported', () => {
    const decision = tallyAcquireVotes(
      [held('a', 'old'), held('b', 'new'), held('c', 'new'), down('d'), down('e')],
      5,
    );
    expect(decision.kind === 'held' && decision.holder?.owner).toBe('new');
  });
});
