/**
 * The server's side of catch-up: whether a user's history still reaches back to
 * a client's `startHistoryId`, and where the next page starts when it does.
 */

/** What one history read returned: the mailbox's latest historyId, how far it was trimmed, the page. */
export interface HistoryRead {
  readonly historyId: number;
  /** Every entry up to and including this historyId is gone. */
  readonly trimmedThrough: number;
  readonly entries: readonly { readonly historyId: number }[];
}

export type HistoryReach =
  | { readonly ok: true; readonly hasMore: boolean; readonly resumeFrom: number }
  | { readonly ok: false; readonly reason: 'trimmed' | 'ahead' };

/**
 * Judges a read of at most `limit` events after `startHistoryId`. Trimmed past the
 * start, or a start ahead of the mailbox (Redis lost its data), means only a full
 * sync is safe; otherwise `resumeFrom` is the historyId to ask from next.
 */
export function reachHistory(startHistoryId: number, read: HistoryRead, limit: number): HistoryReach {
  // An entry after startHistoryId was trimmed: the client would silently miss it.
  if (startHistoryId < read.trimmedThrough) return { ok: false, reason: 'trimmed' };
  if (startHistoryId > read.historyId) return { ok: false, reason: 'ahead' };
  const last = read.entries.at(-1);
  const hasMore = read.entries.length === limit && last !== undefined && last.historyId < read.historyId;
  return { ok: true, hasMore, resumeFrom: hasMore && last ? last.historyId : read.historyId };
}
