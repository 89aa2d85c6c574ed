import { describe, expect, it } from 'vitest';
import { electionsFrom } from './election-summary.js';
import { captionFor, progressText, titleFor } from './ring-caption.js';
import { arrowBetween, nodePositions } from './ring-geometry.js';

describe('the ring picture helpers', () => {
  it('puts the first member at the top and the others clockwise, evenly', () => {
    const at = nodePositions(['a', 'b', 'c', 'd'], { cx: 100, cy: 100, radius: 50 });
    expect(at.get('a')).toEqual({ x: 100, y: 50 });
    expect(at.get('b')?.x).toBeCloseTo(150);
    expect(at.get('c')?.y).toBeCloseTo(150);
  });

  it('runs an arrow edge to edge, and its answer beside it rather than on top', () => {
    const a = { x: 0, y: 0 };
    const b = { x: 100, y: 0 };
    const there = arrowBetween(a, b, 10, 4);
    const back = arrowBetween(b, a, 10, 4);
    expect([there.x1, there.x2]).toEqual([10, 90]);
    expect(there.y1).not.toBe(back.y1);
  });

  it('tallies an election the candidate saw: its own vote plus the grants reach a majority', () => {
    const messages = [
      { from: 'ring-2', to: 'ring-1', kind: 'request-vote', detail: { term: 4 } },
      { from: 'ring-2', to: 'ring-3', kind: 'request-vote', detail: { term: 4 } },
      { from: 'ring-3', to: 'ring-2', kind: 'vote-granted', detail: { term: 4 } },
      { from: 'ring-1', to: 'ring-2', kind: 'append-entries', detail: { term: 3 } },
    ];
    const [won] = electionsFrom(messages, 3, 'ring-2');
    expect(won).toEqual({
      term: 4,
      candidate: 'ring-2',
      asked: ['ring-1', 'ring-3'],
      granted: ['ring-3'],
      denied: [],
      isWon: true,
    });
    // A voter saw only its own vote: it cannot say whether the candidate won.
    expect(electionsFrom(messages, 3, 'ring-3')[0]?.isWon).toBeNull();
    expect(electionsFrom(messages.slice(0, 2), 5, 'ring-2')[0]?.isWon).toBe(false);
  });

  it('says Raft runs inside etcd on the etcd engine, and never calls it the hand-made Raft', () => {
    expect(captionFor({ engine: 'etcd', ring: { self: 'ring-e1' } })).toMatch(/Raft runs inside etcd/);
    expect(titleFor({ engine: 'etcd' })).toMatch(/on etcd/);
    expect(titleFor({ engine: 'raft' })).toMatch(/on Raft/);
    expect(progressText(null)).toBe('not heard yet');
    expect(progressText({ term: 4, commitIndex: 12, lastLogIndex: 13 })).toBe('term 4 · commit 12 / log 13');
  });
});
