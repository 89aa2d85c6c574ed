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

/** One page of a full sync: whether more retained messages follow, and the cursor to ask from next. */
export interface MailboxPage {
  readonly hasMore: boolean;
  /** The historyId to pass as `afterHistoryId` for the next page; null when this page was the last. */
  readonly nextAfterHistoryId: number | null;
}

/**
 * Judges one page of the retained messages after `afterHistoryId`. Unlike
 * incremental sync it never refuses: a full sync takes whatever history still
 * holds, however far it was trimmed, so the app reloads what the mailbox has.
 */
export function pageMailbox(read: HistoryRead, limit: number): MailboxPage {
  const last = read.entries.at(-1);
  // A full page that stops short of the latest historyId leaves entries after it.
  const hasMore = read.entries.length === limit && last !== undefined && last.historyId < read.historyId;
  return { hasMore, nextAfterHistoryId: hasMore && last ? last.historyId : null };
}
