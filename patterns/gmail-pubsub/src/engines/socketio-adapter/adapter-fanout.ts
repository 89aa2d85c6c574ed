import { createAdapter } from '@socket.io/redis-streams-adapter';
import { blockingOptions } from '@kvs-lab/shared/redis';
import type { ServerOptions } from 'socket.io';
import type { ClientPosition } from '../../domain/client-position.ts';
import { historyExpired, historySynced, unknownPosition } from '../../domain/client-position.ts';
import { isEmptyFilter } from '../../domain/filter.ts';
import { mailboxTopic } from '../../domain/names.ts';
import type { MailNote, TopicPost } from '../../domain/notification.ts';
import { unsubscribe } from '../../domain/subscriptions.ts';
import type { SubscriptionSet } from '../../domain/subscriptions.ts';
import { answerHistorySync, syncRequest } from '../../realtime/history-sync.ts';
import { liveBudget } from '../../realtime/live-budget.ts';
import { clientNode } from '../../realtime/protocol-trace.ts';
import type { SocketData } from '../../realtime/events.ts';
import { mailReceivedOf } from '../../realtime/events.ts';
import {
  admitSubscription,
  notificationsOf,
  sessionLimitsOf,
  reply,
  unsubscribeRequest,
  zodDetail,
} from '../../realtime/session-rules.ts';
import { keys } from '../../store/keys.ts';
import type { Fanout, FanoutDeps, FanoutEngine, Unavailable } from '../fanout.ts';
import { AdapterConnection } from './adapter-connections.ts';

/** The room a subscription joins: one per user's mailbox, one per shared topic, on every instance at once. */
const roomOf = (userId: string, topic: string): string =>
  topic === mailboxTopic ? `mailbox:${userId}` : `topic:${topic}`;

const unavailable: Unavailable = {
  delivered: 'socket.io writes a room broadcast to each socket itself; nothing here counts per socket',
  filteredOut: 'a room broadcast reaches every socket in the room: this engine refuses filters',
  dropped: 'no outbox: engine.io buffers a slow socket without bound and drops nothing',
  inFlight:
    'broadcasts carry no acknowledgement (socket.io recovers only packets without one), so nothing paces a socket',
};

/**
 * The production answer key: socket.io's Redis streams adapter carries every
 * broadcast to every instance through one Redis stream, and its connection
 * state recovery replays to a reconnecting socket what its rooms missed, if it
 * comes back within `maxDisconnectionDuration`. History and historyId stay:
 * beyond that window the client still syncs (or full-syncs) as on the pubsub engine.
 */
export const adapterEngine: FanoutEngine = () => ({ faults: [], create: createAdapterFanout });

function createAdapterFanout(deps: FanoutDeps): Fanout {
  const { service, counters } = deps;
  const instance = service.instance;
  // Recovery is a server option read on each connection; the kit creates the server, so it is switched on here.
  const options = (service.io as unknown as { opts: Partial<ServerOptions> }).opts;
  options.connectionStateRecovery = {
    maxDisconnectionDuration: deps.maxDisconnectionMs,
    skipMiddlewares: true,
  };
  // The adapter duplicates this connection for XREAD BLOCK, so no command timeout. And it retries a failed XREAD
  // at once, with no pause: with the kit's fail-fast (no offline queue) a Redis outage would spin the event loop
  // on rejected reads. Queued commands instead wait for the reconnect (measured: the first start hung).
  const client = new AdapterConnection({
    ...blockingOptions(deps.redis.address),
    enableOfflineQueue: true,
    maxRetriesPerRequest: null,
    connectionName: `gmail-pubsub:${instance}:adapter`,
    // The adapter reads XREAD replies as arrays, the shape ioredis's legacy mapping gives.
    replyMapping: 'legacy',
  });
  client.on('error', () => undefined);
  const namespace = notificationsOf(service.io);
  // Only /notifications goes through Redis: the kit's /live view stays local to each instance.
  void namespace.adapter.close();
  namespace.adapter = createAdapter(client, {
    streamName: keys.adapterStream,
    sessionKeyPrefix: keys.adapterSessionPrefix,
    channelPrefix: keys.adapterChannelPrefix,
    maxLen: 10_000,
    blockTimeInMs: 1_000,
    onlyPlaintext: true,
  })(namespace);
  const budget = liveBudget();
  // Broadcasts carry no acknowledgement here, so only syncs tell where a client's cursor is.
  const positions = new Map<string, ClientPosition>();
  const positionOf = (socketId: string) => positions.get(socketId) ?? unknownPosition;

  const subscriptionsOf = (data: SocketData): SubscriptionSet =>
    new Map((data.subscriptions ?? []).map((s) => [s.topic, s]));

  namespace.on('connection', (socket) => {
    const userId = socket.data.userId;
    // A recovered socket keeps its id, rooms and data: it is still subscribed, and socket.io replays what it missed.
    if (socket.recovered) counters.recovered += 1;
    deps.live('client:connected', { socketId: socket.id, userId, recovered: socket.recovered });
    const settings = deps.settings();
    if (!socket.recovered) {
      socket.emit('session:ready', {
        socketId: socket.id,
        instance,
        userId,
        limits: sessionLimitsOf(settings),
      });
    }
    const refuse = (ack: unknown, code: string, detail: string, topic?: string) => {
      counters.refused += 1;
      socket.emit('topics:refused', { code, detail, ...(topic === undefined ? {} : { topic }) });
      reply(ack, { ok: false, error: { code, detail } });
    };

    socket.on('topics:subscribe', (request, ack) => {
      const current = subscriptionsOf(socket.data);
      const admission = admitSubscription(current, request, deps.settings().maxSubscriptionsPerSocket);
      if (!admission.ok) return refuse(ack, admission.code, admission.detail, admission.topic);
      if (!isEmptyFilter(admission.filter)) {
        return refuse(
          ack,
          'FILTER_UNSUPPORTED',
          'the socketio-adapter engine broadcasts to rooms and cannot filter per socket; use the pubsub engine',
          admission.topic,
        );
      }
      socket.data.subscriptions = [...admission.subscriptions.values()];
      void socket.join(roomOf(userId, admission.topic));
      deps.trace([
        {
          from: clientNode(userId, socket.id),
          to: instance,
          kind: 'topics:subscribe',
          detail: { topic: admission.topic, room: roomOf(userId, admission.topic) },
        },
      ]);
      deps.history
        .invoke(socket.id, 'subscribe', {
          kind: 'subscribe',
          socketId: socket.id,
          userId,
          topic: admission.topic,
          filter: admission.filter,
        })
        .ok({});
      reply(ack, { ok: true, topic: admission.topic, subscriptions: admission.subscriptions.size });
    });

    socket.on('topics:unsubscribe', (request, ack) => {
      const parsed = unsubscribeRequest.safeParse(request);
      if (!parsed.success) return refuse(ack, 'INVALID_REQUEST', zodDetail(parsed.error));
      const outcome = unsubscribe(subscriptionsOf(socket.data), parsed.data.topic);
      socket.data.subscriptions = [...outcome.subscriptions.values()];
      if (outcome.wasSubscribed) void socket.leave(roomOf(userId, parsed.data.topic));
      reply(ack, { ok: true, topic: parsed.data.topic, wasSubscribed: outcome.wasSubscribed });
    });

    socket.on('history:sync', (request, ack) => {
      const parsed = syncRequest.safeParse(request);
      if (!parsed.success) {
        reply(ack, { ok: false, error: { code: 'INVALID_REQUEST', detail: zodDetail(parsed.error) } });
        return;
      }
      void answerHistorySync(
        {
          store: deps.store,
          history: deps.history,
          counters,
          syncPageMax: deps.settings().syncPageMax,
          instance,
          redisName: deps.redis.name,
          trace: deps.trace,
          onSynced: (event) => {
            positions.set(
              socket.id,
              historySynced(positionOf(socket.id), { ...event, resumeFrom: event.historyId }),
            );
            deps.live('history:synced', { socketId: socket.id, userId, ...event });
          },
          onExpired: (event) => {
            positions.set(socket.id, historyExpired(positionOf(socket.id), event));
            deps.live('history:expired', { socketId: socket.id, userId, ...event });
          },
        },
        { socket, userId },
        parsed.data,
      ).then((answer) => reply(ack, answer));
    });

    socket.on('disconnect', (reason) => {
      positions.delete(socket.id);
      deps.live('client:disconnected', { socketId: socket.id, userId, reason });
    });
  });

  /** One broadcast per room; each carries the topic it came through, as the pubsub engine's pushes do. */
  const broadcastMail = (note: MailNote): void => {
    for (const topic of [mailboxTopic, ...note.labels]) {
      const payload = mailReceivedOf(note, topic);
      const room = roomOf(note.userId, topic);
      namespace.to(room).emit('mail:received', payload);
      counters.received += 1;
      if (budget.take(Date.now())) {
        deps.live('notification:fanned-out', {
          instance,
          topic: topic === mailboxTopic ? `mailbox:${note.userId}` : topic,
          source: `user:${note.userId}`,
          position: note.historyId,
          accepted: namespace.adapter.rooms.get(room)?.size ?? 0,
        });
      }
    }
  };

  const localSockets = () => [...namespace.sockets.values()];

  return {
    // Nothing to PUBLISH from the script: the adapter carries the broadcast once the mail is in history.
    channelsFor: () => [],
    mailAppended: (note) => {
      broadcastMail(note);
      return Promise.resolve();
    },
    publishPost: async (post: TopicPost) => {
      const room = roomOf('', post.topic);
      namespace.to(room).emit('topic:message', {
        topic: post.topic,
        publisher: post.publisher,
        seq: post.seq,
        at: post.at,
        payload: post.payload,
      });
      return {
        instancesReached: await namespace.adapter.serverCount(),
        localSockets: namespace.adapter.rooms.get(room)?.size ?? 0,
      };
    },
    broadcastGap: (reason) => {
      const told = localSockets().filter((socket) => subscriptionsOf(socket.data).has(mailboxTopic));
      for (const socket of told) {
        socket.emit('history:gap', { reason });
        counters.gapsReported += 1;
      }
      deps.trace(
        told.map((socket) => ({
          from: instance,
          to: clientNode(socket.data.userId, socket.id),
          kind: 'history:gap',
          detail: { reason },
        })),
      );
    },
    // No outbox here: the policy and bounds have nothing to act on (the README says so).
    reconfigure: () => undefined,
    clients: () =>
      localSockets().map((socket) => {
        // engine.io's own queue of packets not yet written to this socket (private in its types, public in fact).
        const queueDepth = (socket.conn as unknown as { writeBuffer: unknown[] }).writeBuffer.length;
        return {
          socketId: socket.id,
          userId: socket.data.userId,
          node: clientNode(socket.data.userId, socket.id),
          topics: [...subscriptionsOf(socket.data).keys()],
          queueDepth,
          inFlight: null,
          dropped: null,
          isSlow: queueDepth >= deps.settings().outbox.capacity,
          position: positionOf(socket.id),
        };
      }),
    topicCounts: () => {
      const counts: Record<string, number> = {};
      for (const socket of localSockets()) {
        for (const topic of subscriptionsOf(socket.data).keys()) counts[topic] = (counts[topic] ?? 0) + 1;
      }
      return counts;
    },
    channels: () => [keys.adapterStream],
    health: () => ({
      isLive: client.status === 'ready',
      channels: 1,
      received: counters.received,
      malformed: 0,
      resubscribes: 0,
      lostWhileCut: 0,
      lastOutageMs: null,
    }),
    unavailable,
    start: async () => {
      const deadline = Date.now() + 2_000;
      while (client.status !== 'ready' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
    },
    close: async () => {
      // Aborts the adapter's reader loop and sends its goodbye (the service's io.close() may have done so already);
      // then its connections are ended, not left to notice: the reader's XREAD BLOCK would hold Redis up to 1 s.
      await namespace.adapter.close();
      await client.closeAll();
    },
  };
}
