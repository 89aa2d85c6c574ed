import type { MailboxPage } from './domain/history-window.ts';
import { pageMailbox, reachHistory } from './domain/history-window.ts';
import { AppError } from './errors.ts';
import type { HistoryEntry, HistoryPage, MailboxStore } from './store/mailbox-store.ts';

/**
 * Incremental sync: the events after `startHistoryId`; HISTORY_EXPIRED when history was trimmed past it or
 * when it is ahead (a reset). `onExpired` counts the refusals for /stats.
 */
export async function readHistory(
  store: MailboxStore,
  request: { userId: string; startHistoryId: number; limit: number },
  onExpired: () => void,
): Promise<HistoryPage & { hasMore: boolean }> {
  const { userId, startHistoryId, limit } = request;
  const page = await store.read(userId, { startHistoryId, limit });
  const reach = reachHistory(startHistoryId, page, limit);
  if (!reach.ok) {
    onExpired();
    throw new AppError(
      'HISTORY_EXPIRED',
      reach.reason === 'ahead'
        ? `startHistoryId ${startHistoryId} is ahead of the mailbox (latest ${page.historyId}): the history was reset; do a full sync.`
        : `History up to ${page.trimmedThrough} was trimmed; startHistoryId ${startHistoryId} is too old: do a full sync.`,
      { extras: { historyId: page.historyId, trimmedThrough: page.trimmedThrough } },
    );
  }
  return { ...page, hasMore: reach.hasMore };
}

/**
 * One page of a full sync: the retained messages after `afterHistoryId`, oldest
 * first. Never HISTORY_EXPIRED: a full sync takes whatever history still holds.
 */
export async function listMessages(
  store: MailboxStore,
  request: { userId: string; afterHistoryId: number; limit: number },
): Promise<{ historyId: number; trimmedThrough: number; messages: readonly HistoryEntry[] } & MailboxPage> {
  const { userId, afterHistoryId, limit } = request;
  const page = await store.read(userId, { startHistoryId: afterHistoryId, limit });
  return {
    historyId: page.historyId,
    trimmedThrough: page.trimmedThrough,
    messages: page.entries,
    ...pageMailbox(page, limit),
  };
}
