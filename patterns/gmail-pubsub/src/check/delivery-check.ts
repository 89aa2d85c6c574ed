import type { CheckVerdict, Operation } from '@kvs-lab/shared/history';
import type { Filter } from '../domain/filter.ts';
import { isEmptyFilter, matchesFilter } from '../domain/filter.ts';
import { mailboxTopic } from '../domain/names.ts';
import type { Notification } from '../domain/notification.ts';
import { filterSubjectOf, sourceOf } from '../domain/notification.ts';

/**
 * The checker behind GET /check. It replays what the service recorded about
 * each socket (subscriptions, deliveries, syncs, reports) and judges four promises:
 *
 * 1. scope: nothing was delivered outside the socket's topics and filters;
 * 2. no duplicates: a socket got each message at most once per topic;
 * 3. order: per topic, one source's messages arrived in the order it published them;
 * 4. gaps: when a socket's unfiltered mailbox skipped historyIds, the socket either
 *    synced that range from history or was told (dropped / gap report).
 */

export type PubsubInput =
  | {
      readonly kind: 'subscribe';
      readonly socketId: string;
      readonly userId: string;
      readonly topic: string;
      readonly filter: Filter;
    }
  | { readonly kind: 'unsubscribe'; readonly socketId: string; readonly topic: string }
  | {
      /** One push written to these sockets at once (one broadcast): a delivery to each. */
      readonly kind: 'deliver';
      readonly socketIds: readonly string[];
      readonly topic: string;
      readonly note: Notification;
    }
  | {
      readonly kind: 'sync';
      readonly socketId: string;
      readonly userId: string;
      readonly sinceHistoryId: number;
    }
  | {
      readonly kind: 'report';
      readonly socketId: string;
      readonly reason: 'dropped' | 'gap' | 'disconnect';
      readonly count: number;
    }
  | { readonly kind: 'publish-mail'; readonly userId: string; readonly labels: readonly string[] }
  | { readonly kind: 'publish-post'; readonly topic: string };

export type PubsubOutput =
  | { readonly historyId: number; readonly count?: number }
  | { readonly seq: number; readonly localSockets: number | null; readonly instancesReached: number }
  | Record<string, never>;

/** One recorded operation, as the kit's history keeps it. */
export type PubsubOperation = Operation<PubsubInput, PubsubOutput>;

/** The kit's verdict, with this checker's counts as its details. */
export type DeliveryVerdict = CheckVerdict & { readonly details: DeliveryStats };

export interface DeliveryStats {
  readonly sockets: number;
  readonly deliveries: number;
  readonly gaps: number;
  readonly gapsSynced: number;
  readonly gapsReported: number;
}

interface LastDelivery {
  readonly opId: number;
  readonly position: number;
  /** The subscribe operation the delivery happened under: gaps only count within one subscription. */
  readonly subscribedBy: number;
}

interface ActiveSubscription {
  readonly opId: number;
  readonly userId: string;
  readonly filter: Filter;
}

const violation = (summary: string, firstViolation: unknown, details: DeliveryStats): DeliveryVerdict => ({
  valid: false,
  summary,
  firstViolation,
  details,
});

/** Runs the four rules over the operations in invocation order; stops at the first counter-example. */
export function checkDeliveries(operations: readonly PubsubOperation[]): DeliveryVerdict {
  const active = new Map<string, ActiveSubscription>(); // socket|topic
  const seen = new Set<string>(); // socket|topic|source|position
  const last = new Map<string, LastDelivery>(); // socket|topic|source
  const openGaps: {
    socketId: string;
    from: number;
    to: number;
    afterOp: number;
    beforeOp: number;
    deliverOp: number;
  }[] = [];
  const syncs: { socketId: string; since: number; through: number }[] = [];
  const reports = new Map<string, number[]>(); // socket -> op ids
  const sockets = new Set<string>();
  let deliveries = 0;
  const stats = (gaps = 0, gapsSynced = 0, gapsReported = 0): DeliveryStats => ({
    sockets: sockets.size,
    deliveries,
    gaps,
    gapsSynced,
    gapsReported,
  });

  /** Rules 1 to 3 for one delivery, and rule 4's gap collected; answers the violation, if any. */
  const deliverTo = (
    socketId: string,
    topic: string,
    note: Notification,
    opId: number,
  ): DeliveryVerdict | undefined => {
    sockets.add(socketId);
    deliveries += 1;
    const subscription = active.get(`${socketId}|${topic}`);
    // Rule 1: a delivery needs a live subscription whose topic and filter admit the message.
    const topicMatches =
      topic === mailboxTopic
        ? note.kind === 'mail' && note.userId === subscription?.userId
        : note.kind === 'post'
          ? note.topic === topic
          : note.labels.includes(topic);
    if (!subscription || !topicMatches || !matchesFilter(subscription.filter, filterSubjectOf(note))) {
      return violation(
        `Socket ${socketId} got a message on "${topic}" that its subscriptions and filters exclude.`,
        { rule: 'scope', operation: opId, subscription: subscription ?? null },
        stats(),
      );
    }
    const { source, position } = sourceOf(note);
    // Rule 2: each (socket, topic, source, position) at most once.
    const key = `${socketId}|${topic}|${source}`;
    if (seen.has(`${key}|${position}`)) {
      return violation(
        `Socket ${socketId} got ${source} #${position} on "${topic}" twice.`,
        { rule: 'no-duplicates', operation: opId },
        stats(),
      );
    }
    seen.add(`${key}|${position}`);
    // Rule 3: positions from one source only go up.
    const previous = last.get(key);
    if (previous && position < previous.position) {
      return violation(
        `Socket ${socketId} got ${source} #${position} after #${previous.position} on "${topic}": reordered.`,
        { rule: 'per-publisher-order', operations: [previous.opId, opId] },
        stats(),
      );
    }
    // Rule 4 (collected here, judged at the end): a jump in an unfiltered mailbox within one subscription.
    if (
      previous &&
      topic === mailboxTopic &&
      previous.subscribedBy === subscription.opId &&
      isEmptyFilter(subscription.filter) &&
      position > previous.position + 1
    ) {
      openGaps.push({
        socketId,
        from: previous.position + 1,
        to: position - 1,
        afterOp: previous.opId,
        beforeOp: opId,
        deliverOp: opId,
      });
    }
    last.set(key, { opId, position, subscribedBy: subscription.opId });
    return undefined;
  };

  for (const op of operations) {
    const input = op.input;
    switch (input.kind) {
      case 'subscribe':
        if (op.outcome === 'ok')
          active.set(`${input.socketId}|${input.topic}`, {
            opId: op.id,
            userId: input.userId,
            filter: input.filter,
          });
        break;
      case 'unsubscribe':
        active.delete(`${input.socketId}|${input.topic}`);
        break;
      case 'report':
        reports.set(input.socketId, [...(reports.get(input.socketId) ?? []), op.id]);
        break;
      case 'sync':
        if (op.outcome === 'ok' && op.output && 'historyId' in op.output) {
          syncs.push({ socketId: input.socketId, since: input.sinceHistoryId, through: op.output.historyId });
        }
        break;
      case 'deliver':
        for (const socketId of input.socketIds) {
          const broken = deliverTo(socketId, input.topic, input.note, op.id);
          if (broken) return broken;
        }
        break;
      case 'publish-mail':
      case 'publish-post':
        break;
    }
  }

  let synced = 0;
  let reported = 0;
  for (const gap of openGaps) {
    const coveredBySync = syncs.some(
      (s) => s.socketId === gap.socketId && s.since < gap.from && s.through >= gap.to,
    );
    if (coveredBySync) {
      synced += 1;
      continue;
    }
    const wasReported = (reports.get(gap.socketId) ?? []).some((id) => id > gap.afterOp && id < gap.beforeOp);
    if (wasReported) {
      reported += 1;
      continue;
    }
    return violation(
      `Socket ${gap.socketId} skipped historyIds ${gap.from}..${gap.to} in its mailbox, never synced them and was never told.`,
      { rule: 'gaps-synced-or-reported', gap },
      stats(openGaps.length, synced, reported),
    );
  }
  return {
    valid: true,
    summary:
      `Checked ${deliveries} deliveries to ${sockets.size} sockets: all within their topics and filters, ` +
      `no duplicate, no reordering per publisher; ${openGaps.length} mailbox gaps, ${synced} synced from history and ${reported} reported to the client.`,
    details: stats(openGaps.length, synced, reported),
  };
}
