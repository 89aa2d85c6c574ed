import { describe, expect, it } from 'vitest';
import { acquireMessages, isNewPicture } from './attempt-view.ts';
import type { AttemptVote } from './attempt-view.ts';

const votes = (...kinds: AttemptVote['vote'][]): AttemptVote[] =>
  kinds.map((vote, i) => ({ node: `lock-${i + 1}`, vote }));

describe('attempts worth showing', () => {
  it('shows the first attempt, a changed vote or outcome, and every grant; not a waiter retrying unchanged', () => {
    const queued = { outcome: 'queued' as const, votes: votes('queued', 'queued', 'queued') };
    expect(isNewPicture(undefined, queued)).toBe(true);
    expect(isNewPicture(queued, { ...queued })).toBe(false);
    expect(isNewPicture(queued, { outcome: 'queued', votes: votes('queued', 'unreachable', 'queued') })).toBe(
      true,
    );
    expect(isNewPicture(queued, { outcome: 'held', votes: queued.votes })).toBe(true);
    const granted = { outcome: 'granted' as const, votes: votes('granted', 'granted', 'granted') };
    expect(isNewPicture(granted, granted)).toBe(true);
  });

  it('turns an acquire fan-out into a request to each node and each vote back', () => {
    const messages = acquireMessages('lock-a', { resource: 'r', owner: 'o' }, [
      { node: 'lock-1', kind: 'granted', fencingCounter: 1 },
      { node: 'lock-2', kind: 'unreachable', reason: 'cut' },
    ]);
    expect(messages.map((m) => `${m.from}>${m.to} ${m.kind}`)).toEqual([
      'lock-a>lock-1 acquire',
      'lock-a>lock-2 acquire',
      'lock-1>lock-a vote-granted',
      'lock-2>lock-a vote-unreachable',
    ]);
  });
});
