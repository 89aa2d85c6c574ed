import { mailAnnounced } from '../../domain/client-position.ts';
import { matchesFilter } from '../../domain/filter.ts';
import { mailboxTopic } from '../../domain/names.ts';
import type { Notification } from '../../domain/notification.ts';
import { filterSubjectOf } from '../../domain/notification.ts';
import { clientNode } from '../../realtime/protocol-trace.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import type { GatewayContext } from './gateway-context.ts';
import { coalesceKeyOf, positionOf, pushOf, topicOf } from './notification-push.ts';

/**
 * Routes one notification from Redis to the sockets whose topic and filter admit it, through each socket's
 * outbox; returns how many took it (sent or queued). The whole fan-out is one step of the trace.
 */
export function dispatchNotification(ctx: GatewayContext, target: ChannelTarget, note: Notification): number {
  const receipt = {
    from: ctx.deps.redisName,
    to: ctx.deps.instance,
    kind: 'notification',
    detail: {
      channel: target.kind === 'mailbox' ? `mailbox:${target.userId}` : `topic:${target.topic}`,
      ...(note.kind === 'mail'
        ? { historyId: note.historyId }
        : { seq: note.seq, publisher: note.publisher }),
    },
  };
  return ctx.batch.step([receipt], () => routeNotification(ctx, target, note));
}

function routeNotification(ctx: GatewayContext, target: ChannelTarget, note: Notification): number {
  const { deps, batch } = ctx;
  deps.counters.received += 1;
  const sessions = ctx.routes.sessionsOf(target);
  if (!sessions) return 0;
  const topic = topicOf(target);
  const subject = filterSubjectOf(note);
  const push = pushOf(note, topic);
  const key = coalesceKeyOf(note, topic);
  const isOwnMailbox = note.kind === 'mail' && topic === mailboxTopic;
  let accepted = 0;
  ctx.sender.fanOut(push, () => {
    for (const session of sessions) {
      const subscription = session.subscriptions.get(topic);
      if (!subscription) continue;
      if (!matchesFilter(subscription.filter, subject)) {
        deps.counters.filteredOut += 1;
        continue;
      }
      if (isOwnMailbox) session.position = mailAnnounced(session.position, note.historyId);
      const droppedBefore = session.outbox.dropped;
      const outcome = session.outbox.push(push, key);
      if (outcome === 'sent' || outcome === 'queued') accepted += 1;
      // A push sent now is traced by the outbox's port; here, what waits in the queue or was dropped for it.
      if (outcome === 'queued') {
        batch.add({
          from: deps.instance,
          to: clientNode(session.userId, session.socket.id),
          kind: 'queue',
          detail: { ...positionOf(note), queueDepth: session.outbox.queueDepth },
        });
      }
      const dropped = session.outbox.dropped - droppedBefore;
      if (dropped > 0) {
        batch.add({
          from: deps.instance,
          to: clientNode(session.userId, session.socket.id),
          kind: 'drop',
          detail: { dropped, policy: deps.settings().outbox.policy, total: session.outbox.dropped },
        });
      }
    }
  });
  return accepted;
}

/** Tells every mailbox socket to sync: notifications may have been lost while Redis was out of reach. */
export function announceGap(ctx: GatewayContext, reason: 'resubscribed' | 'link-recovered'): void {
  const { deps, batch } = ctx;
  // Pushes already sent go out before the gap notice.
  ctx.sender.flush();
  batch.step([], () => {
    for (const session of ctx.sessions.values()) {
      if (!session.subscriptions.has(mailboxTopic)) continue;
      session.socket.emit('history:gap', { reason });
      batch.add({
        from: deps.instance,
        to: clientNode(session.userId, session.socket.id),
        kind: 'history:gap',
        detail: { reason },
      });
      deps.counters.gapsReported += 1;
      deps.history
        .invoke(session.socket.id, 'report', {
          kind: 'report',
          socketId: session.socket.id,
          reason: 'gap',
          count: 0,
        })
        .ok({});
    }
  });
}
