/**
 * Where one client stands in its mailbox, as the server can tell: the client keeps
 * its own cursor (history-cursor.ts), and the server follows it by applying the same
 * rule to what the client acknowledged and what it read back from history. The live
 * view draws it against the mailbox's latest historyId, so a learner sees a client
 * fall behind and catch up.
 */
import { onPush } from './history-cursor.ts';

/** The last catch-up: from the client's old cursor to where the answer left it. */
export interface CatchUp {
  /** `sync` read the missing events from history; `full-sync` means history no longer reached back. */
  readonly kind: 'sync' | 'full-sync';
  readonly fromHistoryId: number;
  readonly toHistoryId: number;
  readonly count: number;
}

export interface ClientPosition {
  /** The highest historyId the client has everything up to; null before its first push or sync. */
  readonly cursor: number | null;
  /** The mailbox's latest historyId this instance has heard of (pushed, queued or dropped alike). */
  readonly latest: number | null;
  readonly lastCatchUp: CatchUp | null;
}

export const unknownPosition: ClientPosition = { cursor: null, latest: null, lastCatchUp: null };

const higher = (a: number | null, b: number): number => (a === null ? b : Math.max(a, b));

/** A notification for the client's mailbox reached this instance, whatever its outbox did with it. */
export function mailAnnounced(position: ClientPosition, historyId: number): ClientPosition {
  return { ...position, latest: higher(position.latest, historyId) };
}

/** The client acknowledged a mailbox push: it moves its cursor only if the push was the next one. */
export function pushAcknowledged(position: ClientPosition, historyId: number): ClientPosition {
  const decision = onPush(position.cursor ?? undefined, historyId);
  // A jump leaves the cursor where it was: the client will ask history for what lies between.
  return decision.kind === 'deliver'
    ? { ...position, cursor: decision.cursor, latest: higher(position.latest, historyId) }
    : position;
}

/** A history:sync answered `count` events after `sinceHistoryId`, up to `resumeFrom`; `latest` is the mailbox's. */
export function historySynced(
  position: ClientPosition,
  answer: { sinceHistoryId: number; resumeFrom: number; count: number; latest: number },
): ClientPosition {
  const cursor = Math.max(position.cursor ?? 0, answer.resumeFrom);
  const latest = higher(position.latest, answer.latest);
  // A sync that found nothing missing caught nothing up: the last real catch-up stays on the picture.
  if (answer.count === 0) return { ...position, cursor, latest };
  return {
    cursor,
    latest,
    lastCatchUp: {
      kind: 'sync',
      fromHistoryId: answer.sinceHistoryId,
      toHistoryId: answer.resumeFrom,
      count: answer.count,
    },
  };
}

/**
 * History was trimmed past the client's cursor: it reloads the mailbox over HTTP, which this
 * instance does not see, so the cursor is unknown until the client acknowledges its next push.
 */
export function historyExpired(
  position: ClientPosition,
  answer: { sinceHistoryId: number; latest: number },
): ClientPosition {
  return {
    cursor: null,
    latest: higher(position.latest, answer.latest),
    lastCatchUp: {
      kind: 'full-sync',
      fromHistoryId: answer.sinceHistoryId,
      toHistoryId: answer.latest,
      count: 0,
    },
  };
}
