import { describe, expect, it } from 'vitest';
import { pageMailbox, reachHistory } from './history-window.ts';

const entries = (...ids: number[]) => ids.map((historyId) => ({ historyId }));

describe('history window (server-side catch-up)', () => {
  it('when history was trimmed past the start, then the read is refused as trimmed', () => {
    expect(reachHistory(3, { historyId: 10, trimmedThrough: 4, entries: [] }, 100)).toEqual({
      ok: false,
      reason: 'trimmed',
    });
  });

  it('when the start is exactly the last trimmed historyId, then nothing after it is missing and the read is served', () => {
    const read = { historyId: 6, trimmedThrough: 4, entries: entries(5, 6) };
    expect(reachHistory(4, read, 100)).toEqual({ ok: true, hasMore: false, resumeFrom: 6 });
  });

  it('when the start is ahead of the mailbox (a reset), then the read is refused as ahead', () => {
    expect(reachHistory(12, { historyId: 3, trimmedThrough: 0, entries: [] }, 100)).toEqual({
      ok: false,
      reason: 'ahead',
    });
  });

  it('when a full page ends before the latest historyId, then there is more and the next read resumes from its last event', () => {
    const read = { historyId: 9, trimmedThrough: 0, entries: entries(3, 4, 5) };
    expect(reachHistory(2, read, 3)).toEqual({ ok: true, hasMore: true, resumeFrom: 5 });
  });

  it('when a full page ends at the latest historyId, then there is no more', () => {
    const read = { historyId: 5, trimmedThrough: 0, entries: entries(3, 4, 5) };
    expect(reachHistory(2, read, 3)).toEqual({ ok: true, hasMore: false, resumeFrom: 5 });
  });
});

describe('mailbox pages (full sync)', () => {
  it('when a page is full and short of the latest historyId, then more follow from its last entry', () => {
    const read = { historyId: 30, trimmedThrough: 25, entries: entries(26, 27) };
    expect(pageMailbox(read, 2)).toEqual({ hasMore: true, nextAfterHistoryId: 27 });
  });

  it('when a page reaches the latest historyId, then it is the last even if full', () => {
    const read = { historyId: 30, trimmedThrough: 25, entries: entries(29, 30) };
    expect(pageMailbox(read, 2)).toEqual({ hasMore: false, nextAfterHistoryId: null });
  });

  it('when history was trimmed past the cursor, then the page is still served (full sync takes what is retained)', () => {
    const read = { historyId: 30, trimmedThrough: 25, entries: entries(26) };
    expect(pageMailbox(read, 5)).toEqual({ hasMore: false, nextAfterHistoryId: null });
  });
});
