/**
 * The client's side of catch-up, as in Gmail: a push is only a hint that
 * carries the mailbox's new historyId. The client remembers the last historyId
 * it handed to the app; a push one past it is delivered, an older one is a
 * duplicate, and a jump means something was missed and must be read from history.
 */

/** The last historyId the app has seen; undefined before the first push or sync. */
export type Cursor = number | undefined;

export type PushDecision =
  | { readonly kind: 'deliver'; readonly cursor: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'gap'; readonly sinceHistoryId: number; readonly missing: number };

/** What to do with a pushed historyId, given the cursor. */
export function onPush(cursor: Cursor, historyId: number): PushDecision {
  // A client that knows nothing yet takes the first push as its starting point.
  if (cursor === undefined || historyId === cursor + 1) return { kind: 'deliver', cursor: historyId };
  if (historyId <= cursor) return { kind: 'duplicate' };
  return { kind: 'gap', sinceHistoryId: cursor, missing: historyId - cursor - 1 };
}

/**
 * Merges a history page into the cursor: only events past the cursor, in
 * historyId order, each once, so a push that raced the sync is not handed over twice.
 */
export function applyHistory<E extends { readonly historyId: number }>(
  cursor: Cursor,
  events: readonly E[],
): { readonly cursor: Cursor; readonly deliver: readonly E[] } {
  const fresh = [...events]
    .filter((event) => cursor === undefined || event.historyId > cursor)
    .sort((a, b) => a.historyId - b.historyId)
    .filter((event, index, all) => index === 0 || all[index - 1]?.historyId !== event.historyId);
  const last = fresh.at(-1);
  return { cursor: last ? last.historyId : cursor, deliver: fresh };
}

/**
 * Full sync: the app reloads the mailbox from what history retains. The cursor
 * cannot say what the app already has (after a reset the historyIds start over
 * with other mails), so each message is judged by its messageId: the ones the
 * app has not seen, in historyId order, each once even if pages overlap.
 */
export function newToApp<E extends { readonly historyId: number; readonly messageId: string }>(
  seen: ReadonlySet<string>,
  messages: readonly E[],
): readonly E[] {
  const taken = new Set<string>();
  return [...messages]
    .sort((a, b) => a.historyId - b.historyId)
    .filter((message) => {
      if (seen.has(message.messageId) || taken.has(message.messageId)) return false;
      taken.add(message.messageId);
      return true;
    });
}
