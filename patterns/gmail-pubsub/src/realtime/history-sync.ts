import type { History } from '@kvs-lab/shared/history';
import { z } from 'zod';
import type { PubsubInput, PubsubOutput } from '../check/delivery-check.ts';
import { reachHistory } from '../domain/history-window.ts';
import type { MailboxStore } from '../store/mailbox-store.ts';
import type { SocketError, SyncReply } from './events.ts';
import type { TraceMessages } from './protocol-trace.ts';
import { clientNode } from './protocol-trace.ts';

export const syncRequest = z.strictObject({
  sinceHistoryId: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(10_000).optional(),
});

export interface HistorySyncDeps {
  readonly store: MailboxStore;
  readonly history: History<PubsubInput, PubsubOutput>;
  readonly counters: { syncs: number; historyExpired: number };
  readonly syncPageMax: number;
  /** This instance and its Redis, as the trace names them. */
  readonly instance: string;
  readonly redisName: string;
  readonly trace: TraceMessages;
  onSynced(event: { sinceHistoryId: number; count: number; historyId: number; latest: number }): void;
  onExpired(event: { sinceHistoryId: number; trimmedThrough: number; latest: number }): void;
}

/**
 * Answers one `history:sync`: the events after the client's cursor, recorded
 * for /check, or HISTORY_EXPIRED when history no longer reaches back that far.
 */
export async function answerHistorySync(
  deps: HistorySyncDeps,
  session: { readonly socket: { readonly id: string }; readonly userId: string },
  request: z.output<typeof syncRequest>,
): Promise<({ ok: true } & SyncReply) | { ok: false; error: SocketError }> {
  const { sinceHistoryId } = request;
  const limit = Math.min(request.limit ?? deps.syncPageMax, deps.syncPageMax);
  const socketId = session.socket.id;
  const pending = deps.history.invoke(socketId, 'sync', {
    kind: 'sync',
    socketId,
    userId: session.userId,
    sinceHistoryId,
  });
  const client = clientNode(session.userId, socketId);
  // The catch-up as one step of the trace: the client's question, the read from Redis, the answer.
  const asked = [
    { from: client, to: deps.instance, kind: 'history:sync', detail: { sinceHistoryId } },
    {
      from: deps.instance,
      to: deps.redisName,
      kind: 'read-history',
      detail: { userId: session.userId, after: sinceHistoryId, limit },
    },
  ];
  let result: SyncReply;
  let latest: number;
  try {
    const page = await deps.store.read(session.userId, { startHistoryId: sinceHistoryId, limit });
    latest = page.historyId;
    const reach = reachHistory(sinceHistoryId, page, limit);
    if (!reach.ok) {
      pending.fail('HISTORY_EXPIRED');
      deps.counters.historyExpired += 1;
      deps.trace([
        ...asked,
        {
          from: deps.instance,
          to: client,
          kind: 'history-expired',
          detail: {
            sinceHistoryId,
            trimmedThrough: page.trimmedThrough,
            latestHistoryId: page.historyId,
            next: 'full sync: GET /users/{userId}/messages',
          },
        },
      ]);
      deps.onExpired({ sinceHistoryId, trimmedThrough: page.trimmedThrough, latest: page.historyId });
      return {
        ok: false,
        error: {
          code: 'HISTORY_EXPIRED',
          detail: `history before ${page.trimmedThrough + 1} was trimmed (latest ${page.historyId}): do a full sync`,
        },
      };
    }
    result = {
      historyId: reach.resumeFrom,
      hasMore: reach.hasMore,
      events: page.entries.map(({ kind: _kind, ...event }) => event),
    };
  } catch (error) {
    const code =
      error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'INTERNAL';
    pending.fail(code);
    deps.trace([
      ...asked,
      { from: deps.instance, to: client, kind: 'sync-failed', detail: { sinceHistoryId, code } },
    ]);
    return { ok: false, error: { code, detail: error instanceof Error ? error.message : 'sync failed' } };
  }
  pending.ok({ historyId: result.historyId, count: result.events.length });
  deps.counters.syncs += 1;
  const historyIds = result.events.map((e) => e.historyId);
  deps.trace([
    ...asked,
    {
      from: deps.instance,
      to: client,
      kind: 'sync-page',
      detail: {
        sinceHistoryId,
        count: historyIds.length,
        historyIds:
          historyIds.length > 20 ? [...historyIds.slice(0, 10), '…', ...historyIds.slice(-10)] : historyIds,
        resumeFrom: result.historyId,
        latestHistoryId: latest,
        hasMore: result.hasMore,
      },
    },
  ]);
  deps.onSynced({ sinceHistoryId, count: result.events.length, historyId: result.historyId, latest });
  return { ok: true, ...result };
}
