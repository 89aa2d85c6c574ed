import { describe, expect, it } from 'vitest';
import { catchUpText, clientRows, cursorState } from './client-rows.js';

const client = (node: string, queueDepth = 0, dropped: number | null = 0) => ({ node, queueDepth, dropped });

describe('the live view socket rows', () => {
  it('when there are more sockets than rows, then the ones with drops and queues come first and the caption says "N of M"', () => {
    const { rows, caption } = clientRows(
      [client('ann/a'), client('bob/b', 3), client('cat/c', 64, 20), client('dan/d')],
      2,
    );
    expect(rows.map((r) => r.node)).toEqual(['cat/c', 'bob/b']);
    expect(caption).toBe('2 of 4 sockets, fullest outboxes first');
  });

  it('when the sockets fit, then they are in name order and counted', () => {
    const { rows, caption } = clientRows([client('bob/b'), client('ann/a')], 8);
    expect(rows.map((r) => r.node)).toEqual(['ann/a', 'bob/b']);
    expect(caption).toBe('2 sockets');
  });

  it('says how far a cursor is behind the latest historyId', () => {
    expect(cursorState({ cursor: 1, latest: 4, lastCatchUp: null })).toEqual({
      state: 'behind',
      behind: 3,
      text: 'cursor #1, latest #4: 3 behind',
    });
    expect(cursorState({ cursor: 4, latest: 4, lastCatchUp: null }).state).toBe('caught-up');
    expect(cursorState({ cursor: null, latest: 10, lastCatchUp: null }).text).toBe(
      'cursor unknown, latest #10',
    );
  });

  it('describes a catch-up by sync and by full sync', () => {
    expect(catchUpText({ kind: 'sync', fromHistoryId: 1, toHistoryId: 4, count: 3 })).toBe(
      'sync #1 → #4 (3 from history)',
    );
    expect(catchUpText({ kind: 'full-sync', fromHistoryId: 2, toHistoryId: 10, count: 0 })).toBe(
      'history expired after #2: full sync to #10',
    );
  });
});
