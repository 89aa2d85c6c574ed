import { describe, expect, it } from 'vitest';
import { emptyHintBoard, forgetHolder, nextHintBoard } from './hint-board.ts';

const waitingOn3 = { target: 'replica-3', heldBy: 'replica-1', count: 2, keys: ['a', 'b'] };

describe('the hint board', () => {
  it('when a group of hints shrinks while its holder answers, then the missing hints are drawn delivered', () => {
    const stored = nextHintBoard(emptyHintBoard, { pending: [waitingOn3], silent: [], atMs: 1 });
    expect(stored.waiting).toEqual([waitingOn3]);
    const half = nextHintBoard(stored, {
      pending: [{ ...waitingOn3, count: 1, keys: ['b'] }],
      silent: [],
      atMs: 2,
    });
    expect(half.delivered).toEqual([{ ...waitingOn3, count: 1, keys: ['a'], atMs: 2 }]);
    const all = nextHintBoard(half, { pending: [], silent: [], atMs: 3 });
    expect(all.waiting).toEqual([]);
    expect(all.delivered.map((d) => [d.keys, d.atMs])).toEqual([
      [['a'], 2],
      [['b'], 3],
    ]);
  });

  it('when the holder does not answer, then its hints stay waiting and none is counted delivered', () => {
    const stored = nextHintBoard(emptyHintBoard, { pending: [waitingOn3], silent: [], atMs: 1 });
    const silent = nextHintBoard(stored, { pending: [], silent: ['replica-1'], atMs: 2 });
    expect(silent).toEqual({ waiting: [waitingOn3], delivered: [] });
  });

  it('when a holder is flushed, then its hints are forgotten, not delivered', () => {
    const stored = nextHintBoard(emptyHintBoard, { pending: [waitingOn3], silent: [], atMs: 1 });
    const next = nextHintBoard(forgetHolder(stored, 'replica-1'), { pending: [], silent: [], atMs: 2 });
    expect(next).toEqual({ waiting: [], delivered: [] });
  });

  it('keeps only the last deliveries', () => {
    let board = emptyHintBoard;
    for (let i = 0; i < 12; i++) {
      board = nextHintBoard(board, {
        pending: [{ ...waitingOn3, count: 1, keys: [`k${i}`] }],
        silent: [],
        atMs: i,
      });
      board = nextHintBoard(board, { pending: [], silent: [], atMs: i });
    }
    expect(board.delivered.map((d) => d.keys[0])).toEqual(['k4', 'k5', 'k6', 'k7', 'k8', 'k9', 'k10', 'k11']);
  });
});
