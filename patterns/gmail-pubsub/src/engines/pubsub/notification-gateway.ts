import type { History } from '@kvs-lab/shared/history';
import type { Server } from 'socket.io';
import type { PubsubInput, PubsubOutput } from '../../check/delivery-check.ts';
import {
  historyExpired,
  historySynced,
  mailAnnounced,
  pushAcknowledged,
  unknownPosition,
} from '../../domain/client-position.ts';
import { matchesFilter } from '../../domain/filter.ts';
import { mailboxTopic } from '../../domain/names.ts';
import type { Notification } from '../../domain/notification.ts';
import { filterSubjectOf } from '../../domain/notification.ts';
import { unsubscribe } from '../../domain/subscriptions.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import { channels } from '../../store/keys.ts';
import type { MailboxStore } from '../../store/mailbox-store.ts';
import type { NotificationBus } from './notification-bus.ts';
import type { ClientSession, NotificationSocket } from '../../realtime/client-session.ts';
import { answerHistorySync, syncRequest } from '../../realtime/history-sync.ts';
import type { TraceMessages } from '../../realtime/protocol-trace.ts';
import { TraceBatch, clientNode } from '../../realtime/protocol-trace.ts';
import {
  admitSubscription,
  notificationsOf,
  reply,
  unsubscribeRequest,
  zodDetail,
} from '../../realtime/session-rules.ts';
import type {
  ClientView,
  DeliveryCounters,
  FanoutLiveEvents,
  GatewaySettings,
} from '../../realtime/gateway-types.ts';
import type { OutboxSettings, Push } from '../../realtime/socket-outbox.ts';
import { SocketOutbox } from '../../realtime/socket-outbox.ts';

export interface GatewayDeps {
  readonly io: Server;
  readonly instance: string;
  readonly bus: NotificationBus;
  readonly store: MailboxStore;
  readonly history: History<PubsubInput, PubsubOutput>;
  readonly counters: DeliveryCounters;
  /** The Redis node's name, as the trace calls it. */
  readonly redisName: string;
  readonly trace: TraceMessages;
  settings(): GatewaySettings;
  live<K extends keyof FanoutLiveEvents>(event: K, payload: FanoutLiveEvents[K]): void;
}

/**
 * The `/notifications` namespace: authenticates each socket by the userId in
 * its handshake, keeps its subscriptions, routes every notification from Redis
 * to the sockets whose topic and filter admit it, and answers history syncs.
 */
export class NotificationGateway {
  private readonly sessions = new Map<string, ClientSession>();
  private readonly mailboxRoutes = new Map<string, Set<ClientSession>>();
  private readonly topicRoutes = new Map<string, Set<ClientSession>>();
  private readonly batch: TraceBatch;

  private readonly deps: GatewayDeps;

  constructor(deps: GatewayDeps) {
    this.deps = deps;
    this.batch = new TraceBatch(deps.trace);
    const namespace = notificationsOf(deps.io);
    namespace.on('connection', (socket) => this.onConnection(socket));
  }

  /** Routes one notification from Redis; returns how many sockets took it (sent or queued). */
  dispatch(target: ChannelTarget, note: Notification): number {
    const { instance, redisName } = this.deps;
    const receipt = {
      from: redisName,
      to: instance,
      kind: 'notification',
      detail: {
        channel: target.kind === 'mailbox' ? `mailbox:${target.userId}` : `topic:${target.topic}`,
        ...(note.kind === 'mail'
          ? { historyId: note.historyId }
          : { seq: note.seq, publisher: note.publisher }),
      },
    };
    // The receipt and what every socket's outbox did with it: one step of the trace.
    return this.batch.step([receipt], () => this.routeNotification(target, note));
  }

  private routeNotification(target: ChannelTarget, note: Notification): number {
    this.deps.counters.received += 1;
    const topic = target.kind === 'mailbox' ? mailboxTopic : target.topic;
    const sessions =
      target.kind === 'mailbox' ? this.mailboxRoutes.get(target.userId) : this.topicRoutes.get(target.topic);
    if (!sessions) return 0;
    const subject = filterSubjectOf(note);
    // One payload for every socket: only the acknowledgement id differs per socket.
    const push: Push =
      note.kind === 'mail'
        ? {
            event: 'mail:received',
            payload: {
              userId: note.userId,
              historyId: note.historyId,
              messageId: note.messageId,
              topic,
              from: note.from,
              subject: note.subject,
              labels: note.labels,
              at: note.at,
            },
            note,
          }
        : {
            event: 'topic:message',
            payload: {
              topic,
              publisher: note.publisher,
              seq: note.seq,
              at: note.at,
              payload: note.payload,
            },
            note,
          };
    const key = note.kind === 'mail' ? `mail|${topic}|${note.userId}` : `post|${topic}|${note.publisher}`;
    let accepted = 0;
    for (const session of sessions) {
      const subscription = session.subscriptions.get(topic);
      if (!subscription) continue;
      if (!matchesFilter(subscription.filter, subject)) {
        this.deps.counters.filteredOut += 1;
        continue;
      }
      const isOwnMailbox = note.kind === 'mail' && topic === mailboxTopic;
      if (isOwnMailbox) session.position = mailAnnounced(session.position, note.historyId);
      const droppedBefore = session.outbox.dropped;
      const outcome = session.outbox.push(push, key);
      if (outcome === 'sent' || outcome === 'queued') accepted += 1;
      // A push sent now is traced by the outbox's port; here, what waits in the queue or was dropped for it.
      const to = clientNode(session.userId, session.socket.id);
      const position = note.kind === 'mail' ? { historyId: note.historyId } : { seq: note.seq };
      if (outcome === 'queued') {
        this.batch.add({
          from: this.deps.instance,
          to,
          kind: 'queue',
          detail: { ...position, queueDepth: session.outbox.queueDepth },
        });
      }
      const dropped = session.outbox.dropped - droppedBefore;
      if (dropped > 0) {
        this.batch.add({
          from: this.deps.instance,
          to,
          kind: 'drop',
          detail: { dropped, policy: this.deps.settings().outbox.policy, total: session.outbox.dropped },
        });
      }
    }
    return accepted;
  }

  /** Tells every socket to sync: notifications may have been lost while Redis was out of reach. */
  broadcastGap(reason: 'resubscribed' | 'link-recovered'): void {
    this.batch.step([], () => this.announceGap(reason));
  }

  private announceGap(reason: 'resubscribed' | 'link-recovered'): void {
    for (const session of this.sessions.values()) {
      if (!session.subscriptions.has(mailboxTopic)) continue;
      session.socket.emit('history:gap', { reason });
      this.batch.add({
        from: this.deps.instance,
        to: clientNode(session.userId, session.socket.id),
        kind: 'history:gap',
        detail: { reason },
      });
      this.deps.counters.gapsReported += 1;
      this.deps.history
        .invoke(session.socket.id, 'report', {
          kind: 'report',
          socketId: session.socket.id,
          reason: 'gap',
          count: 0,
        })
        .ok({});
    }
  }

  reconfigure(outbox: OutboxSettings): void {
    for (const session of this.sessions.values()) session.outbox.reconfigure(outbox);
  }

  /** Every client of this instance with its queue, for /subscribers, /stats and the live view. */
  clients(): ClientView[] {
    return [...this.sessions.values()].map((session) => ({
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
    for (const session of this.sessions.values()) {
      for (const topic of session.subscriptions.keys()) counts[topic] = (counts[topic] ?? 0) + 1;
    }
    return counts;
  }

  close(): void {
    for (const session of this.sessions.values()) session.outbox.close();
  }

  private onConnection(socket: NotificationSocket): void {
    const userId = socket.data.userId;
    const settings = this.deps.settings();
    const { instance } = this.deps;
    const node = clientNode(userId, socket.id);
    const positionOf = (push: Push) =>
      push.note.kind === 'mail' ? { historyId: push.note.historyId } : { seq: push.note.seq };
    const outbox = new SocketOutbox(
      {
        send: (push, acknowledged) => {
          const at = positionOf(push);
          this.batch.add({
            from: instance,
            to: node,
            kind: 'push',
            detail: { topic: push.payload.topic, ...at },
          });
          // The ack and the pushes it lets out of the queue (and any drop report) are one step of the trace.
          const onAck = () =>
            this.batch.step([{ from: node, to: instance, kind: 'ack', detail: at }], () => {
              if (push.event === 'mail:received' && push.payload.topic === mailboxTopic) {
                session.position = pushAcknowledged(session.position, push.payload.historyId);
              }
              acknowledged();
            });
          this.deps.counters.delivered += 1;
          this.deps.history
            .invoke(socket.id, 'deliver', {
              kind: 'deliver',
              socketId: socket.id,
              userId,
              topic: push.payload.topic,
              note: push.note,
            })
            .ok({});
          if (push.event === 'mail:received') socket.emit('mail:received', push.payload, onAck);
          else socket.emit('topic:message', push.payload, onAck);
        },
        reportDropped: (count, total) => {
          const policy = this.deps.settings().outbox.policy;
          socket.emit('backpressure:dropped', { count, total, policy });
          this.batch.add({
            from: instance,
            to: node,
            kind: 'backpressure:dropped',
            detail: { count, total, policy },
          });
          this.deps.history
            .invoke(socket.id, 'report', { kind: 'report', socketId: socket.id, reason: 'dropped', count })
            .ok({});
          this.deps.live('backpressure:dropped', { socketId: socket.id, userId, count, total });
        },
        disconnect: () => {
          this.deps.counters.disconnectedSlow += 1;
          this.batch.add({ from: instance, to: node, kind: 'disconnect', detail: { policy: 'disconnect' } });
          this.deps.history
            .invoke(socket.id, 'report', {
              kind: 'report',
              socketId: socket.id,
              reason: 'disconnect',
              count: 0,
            })
            .ok({});
          socket.disconnect(true);
        },
      },
      settings.outbox,
      (count) => {
        this.deps.counters.dropped += count;
      },
    );
    const session: ClientSession = {
      socket,
      userId,
      subscriptions: new Map(),
      outbox,
      position: unknownPosition,
    };
    this.sessions.set(socket.id, session);
    this.deps.live('client:connected', { socketId: socket.id, userId });
    socket.emit('session:ready', {
      socketId: socket.id,
      instance: this.deps.instance,
      userId,
      limits: {
        maxSubscriptions: settings.maxSubscriptionsPerSocket,
        outboxCapacity: settings.outbox.capacity,
        outboxWindow: settings.outbox.window,
        policy: settings.outbox.policy,
      },
    });

    socket.on('topics:subscribe', (request, ack) => void this.onSubscribe(session, request, ack));
    socket.on('topics:unsubscribe', (request, ack) => void this.onUnsubscribe(session, request, ack));
    socket.on('history:sync', (request, ack) => void this.onSync(session, request, ack));
    socket.on('disconnect', (reason) => {
      outbox.close();
      this.sessions.delete(socket.id);
      for (const topic of session.subscriptions.keys()) void this.unroute(session, topic);
      session.subscriptions = new Map();
      this.deps.live('client:disconnected', { socketId: socket.id, userId, reason });
    });
  }

  private refuse(session: ClientSession, ack: unknown, code: string, detail: string, topic?: string): void {
    this.deps.counters.refused += 1;
    session.socket.emit('topics:refused', { code, detail, ...(topic === undefined ? {} : { topic }) });
    reply(ack, { ok: false, error: { code, detail } });
  }

  private async onSubscribe(session: ClientSession, request: unknown, ack: unknown): Promise<void> {
    const admission = admitSubscription(
      session.subscriptions,
      request,
      this.deps.settings().maxSubscriptionsPerSocket,
    );
    if (!admission.ok) return this.refuse(session, ack, admission.code, admission.detail, admission.topic);
    const { topic } = admission;
    session.subscriptions = admission.subscriptions;
    this.deps.history
      .invoke(session.socket.id, 'subscribe', {
        kind: 'subscribe',
        socketId: session.socket.id,
        userId: session.userId,
        topic,
        filter: admission.filter,
      })
      .ok({});
    const client = clientNode(session.userId, session.socket.id);
    const isNewChannel = admission.isNewTopic && (await this.routeTopic(session, topic));
    this.deps.trace([
      {
        from: client,
        to: this.deps.instance,
        kind: 'topics:subscribe',
        detail: { topic, filter: admission.filter },
      },
      ...(isNewChannel
        ? [
            {
              from: this.deps.instance,
              to: this.deps.redisName,
              kind: 'subscribe',
              detail: { channel: this.routeOf(session, topic)[2] },
            },
          ]
        : []),
    ]);
    reply(ack, { ok: true, topic, subscriptions: session.subscriptions.size });
  }

  private async onUnsubscribe(session: ClientSession, request: unknown, ack: unknown): Promise<void> {
    const parsed = unsubscribeRequest.safeParse(request);
    if (!parsed.success) return this.refuse(session, ack, 'INVALID_REQUEST', zodDetail(parsed.error));
    const { topic } = parsed.data;
    const outcome = unsubscribe(session.subscriptions, topic);
    session.subscriptions = outcome.subscriptions;
    if (outcome.wasSubscribed) {
      this.deps.history
        .invoke(session.socket.id, 'unsubscribe', { kind: 'unsubscribe', socketId: session.socket.id, topic })
        .ok({});
      await this.unroute(session, topic);
    }
    reply(ack, { ok: true, topic, wasSubscribed: outcome.wasSubscribed });
  }

  private async onSync(session: ClientSession, request: unknown, ack: unknown): Promise<void> {
    const parsed = syncRequest.safeParse(request);
    if (!parsed.success) {
      reply(ack, { ok: false, error: { code: 'INVALID_REQUEST', detail: zodDetail(parsed.error) } });
      return;
    }
    const { socket, userId } = session;
    const answer = await answerHistorySync(
      {
        store: this.deps.store,
        history: this.deps.history,
        counters: this.deps.counters,
        syncPageMax: this.deps.settings().syncPageMax,
        instance: this.deps.instance,
        redisName: this.deps.redisName,
        trace: this.deps.trace,
        onSynced: (event) => {
          session.position = historySynced(session.position, { ...event, resumeFrom: event.historyId });
          this.deps.live('history:synced', { socketId: socket.id, userId, ...event });
        },
        onExpired: (event) => {
          session.position = historyExpired(session.position, event);
          this.deps.live('history:expired', { socketId: socket.id, userId, ...event });
        },
      },
      session,
      parsed.data,
    );
    reply(ack, answer);
  }

  /** Where a socket's topic is routed from: the routing table, its key there, and the Redis channel. */
  private routeOf(session: ClientSession, topic: string): [Map<string, Set<ClientSession>>, string, string] {
    return topic === mailboxTopic
      ? [this.mailboxRoutes, session.userId, channels.mailbox(session.userId)]
      : [this.topicRoutes, topic, channels.topic(topic)];
  }

  private async routeTopic(session: ClientSession, topic: string): Promise<boolean> {
    const [routes, key, channel] = this.routeOf(session, topic);
    const set = routes.get(key) ?? new Set<ClientSession>();
    set.add(session);
    routes.set(key, set);
    // One Redis subscription per channel per instance, however many sockets share it.
    if (set.size !== 1) return false;
    await this.deps.bus.add(channel);
    return true;
  }

  private async unroute(session: ClientSession, topic: string): Promise<void> {
    const [routes, key, channel] = this.routeOf(session, topic);
    const set = routes.get(key);
    if (!set?.delete(session)) return;
    if (set.size === 0) {
      routes.delete(key);
      await this.deps.bus.release(channel);
    }
  }
}
