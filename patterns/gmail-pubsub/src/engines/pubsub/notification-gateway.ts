import type { Notification } from '../../domain/notification.ts';
import type { ClientView } from '../../realtime/gateway-types.ts';
import { TraceBatch, clientNode } from '../../realtime/protocol-trace.ts';
import { notificationsOf } from '../../realtime/session-rules.ts';
import type { OutboxSettings } from '../../realtime/socket-outbox.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import type { GatewayContext, GatewayDeps } from './gateway-context.ts';
import { announceGap, dispatchNotification } from './notification-router.ts';
import { PushSender } from './push-sender.ts';
import { openSession } from './session-lifecycle.ts';
import { SubscriptionRoutes } from './subscription-routes.ts';

export type { GatewayDeps } from './gateway-context.ts';

/** The one empty output every delivery record shares: at 20k deliveries/s an object each adds up. */
const noOutput: Record<string, never> = {};

/**
 * The `/notifications` namespace of the pubsub engine: authenticates each socket by the userId in its
 * handshake ([`session-lifecycle.ts`](session-lifecycle.ts)), keeps its subscriptions
 * ([`session-requests.ts`](session-requests.ts), [`subscription-routes.ts`](subscription-routes.ts)), routes
 * every notification from Redis to the sockets whose topic and filter admit it
 * ([`notification-router.ts`](notification-router.ts)) through their outboxes, and answers history syncs.
 */
export class NotificationGateway {
  private readonly ctx: GatewayContext;

  constructor(deps: GatewayDeps) {
    const namespace = notificationsOf(deps.io);
    this.ctx = {
      deps,
      sessions: new Map(),
      routes: new SubscriptionRoutes(deps.bus),
      batch: new TraceBatch(deps.trace),
      sender: new PushSender(namespace, (push, socketIds) =>
        deps.history
          .invoke(deps.instance, 'deliver', {
            kind: 'deliver',
            socketIds,
            topic: push.payload.topic,
            note: push.note,
          })
          .ok(noOutput),
      ),
    };
    namespace.on('connection', (socket) => openSession(this.ctx, socket));
  }

  /** Routes one notification from Redis; returns how many sockets took it (sent or queued). */
  dispatch(target: ChannelTarget, note: Notification): number {
    return dispatchNotification(this.ctx, target, note);
  }

  /** Tells every socket to sync: notifications may have been lost while Redis was out of reach. */
  broadcastGap(reason: 'resubscribed' | 'link-recovered'): void {
    announceGap(this.ctx, reason);
  }

  reconfigure(outbox: OutboxSettings): void {
    for (const session of this.ctx.sessions.values()) session.outbox.reconfigure(outbox);
  }

  /** Every client of this instance with its queue, for /subscribers, /stats and the live view. */
  clients(): ClientView[] {
    return [...this.ctx.sessions.values()].map((session) => ({
      socketId: session.socket.id,
      userId: session.userId,
      node: clientNode(session.userId, session.socket.id),
      topics: [...session.subscriptions.keys()],
      queueDepth: session.outbox.queueDepth,
      inFlight: session.outbox.inFlight,
      dropped: session.outbox.dropped,
      isSlow: session.outbox.isSlow,
      position: session.position,
    }));
  }

  /** Subscribed sockets per topic on this instance (the mailbox counted once per socket). */
  topicCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const session of this.ctx.sessions.values()) {
      for (const topic of session.subscriptions.keys()) counts[topic] = (counts[topic] ?? 0) + 1;
    }
    return counts;
  }

  close(): void {
    for (const session of this.ctx.sessions.values()) session.outbox.close();
  }
}
