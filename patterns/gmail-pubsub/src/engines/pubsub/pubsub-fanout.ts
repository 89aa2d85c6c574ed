import type { RedisNode } from '@kvs-lab/shared/redis';
import type { ChaosFault } from '@kvs-lab/shared/service';
import type { Notification, TopicPost } from '../../domain/notification.ts';
import { liveBudget } from '../../realtime/live-budget.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import { channels } from '../../store/keys.ts';
import type { Fanout, FanoutDeps, FanoutEngine, FanoutHealth } from '../fanout.ts';
import { NotificationBus } from './notification-bus.ts';
import { NotificationGateway } from './notification-gateway.ts';

const echoTimeoutMs = 1_000;

/** `kill-subscriber`: CLIENT KILL on this instance's subscriber connection only, found by its name. */
function killSubscriberFault(redis: RedisNode, bus: NotificationBus): ChaosFault {
  let kills = 0;
  return {
    name: 'kill-subscriber',
    description:
      "Kills this instance's Redis Pub/Sub connection (CLIENT KILL ID): it resubscribes, and its clients are told to sync.",
    inject: async () => {
      const list = String(await redis.run((client) => client.call('CLIENT', 'LIST')));
      // By name, not TYPE pubsub: a subscriber with no channel yet is an ordinary connection to Redis.
      const line = list.split('\n').find((entry) => entry.includes(` name=${bus.connectionName} `));
      const id = line ? /(?:^|\s)id=(\d+)/.exec(line)?.[1] : undefined;
      if (id === undefined) return { killed: 0 };
      await redis.run((client) => client.call('CLIENT', 'KILL', 'ID', id));
      kills += 1;
      return { killed: 1 };
    },
    heal: () => undefined,
    state: () => ({ kills, isLive: bus.isLive }),
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
  };
}

/**
 * The hand-made engine: the append script PUBLISHes each mail on its mailbox
 * channel and label topics; each instance holds one Redis subscription per
 * channel its sockets need and pushes through a bounded, acknowledged outbox
 * per socket, filtering per subscription.
 */
export const pubsubEngine: FanoutEngine = (redis, instance) => {
  const bus = new NotificationBus(redis, `gmail-pubsub:${instance}:subscriber`);
  return { faults: [killSubscriberFault(redis, bus)], create: (deps) => createPubsubFanout(deps, bus) };
};

function createPubsubFanout(deps: FanoutDeps, bus: NotificationBus): Fanout {
  const instance = deps.service.instance;
  const gateway = new NotificationGateway({
    io: deps.service.io,
    instance,
    bus,
    store: deps.store,
    history: deps.history,
    counters: deps.counters,
    redisName: deps.redis.name,
    trace: deps.trace,
    settings: deps.settings,
    live: deps.live,
  });
  const echoes = new Map<number, (accepted: number) => void>();
  const budget = liveBudget();

  const onNotification = (target: ChannelTarget, note: Notification): void => {
    const accepted = gateway.dispatch(target, note);
    if (note.kind === 'post' && note.publisher === instance) echoes.get(note.seq)?.(accepted);
    if (budget.take(Date.now())) {
      deps.live('notification:fanned-out', {
        instance,
        topic: target.kind === 'mailbox' ? `mailbox:${target.userId}` : target.topic,
        source: note.kind === 'mail' ? `user:${note.userId}` : `publisher:${note.publisher}`,
        position: note.kind === 'mail' ? note.historyId : note.seq,
        accepted,
      });
    }
  };

  return {
    channelsFor: (mail) => [
      channels.mailbox(mail.userId),
      ...mail.labels.map((label) => channels.topic(label)),
    ],
    // The append script already published it, atomically with the history entry.
    mailAppended: () => Promise.resolve(),
    /** Publishes through Redis and waits for this instance's own subscriber to hear it back. */
    publishPost: async (post: TopicPost) => {
      const echoed = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => {
          echoes.delete(post.seq);
          resolve(null);
        }, echoTimeoutMs);
        echoes.set(post.seq, (accepted) => {
          clearTimeout(timer);
          echoes.delete(post.seq);
          resolve(accepted);
        });
      });
      let instancesReached: number;
      try {
        instancesReached = await deps.redis.run((client) =>
          client.publish(channels.topic(post.topic), JSON.stringify(post)),
        );
      } catch (error) {
        echoes.get(post.seq)?.(0);
        throw error;
      }
      // This instance does not subscribe to the topic (or nobody does): there is no echo to wait for.
      const isListeningHere = instancesReached > 0 && bus.channels().includes(channels.topic(post.topic));
      if (!isListeningHere) echoes.get(post.seq)?.(0);
      return { instancesReached, localSockets: await echoed };
    },
    broadcastGap: (reason) => gateway.broadcastGap(reason),
    reconfigure: (outbox) => gateway.reconfigure(outbox),
    clients: () => gateway.clients(),
    topicCounts: () => gateway.topicCounts(),
    channels: () => bus.channels(),
    health: (): FanoutHealth => bus.stats(),
    unavailable: {},
    start: async () => {
      bus.events.on('notification', onNotification);
      bus.events.on('resubscribed', () => {
        deps.live('bus:resubscribed', { instance });
        gateway.broadcastGap('resubscribed');
      });
      await bus.start();
    },
    close: async () => {
      gateway.close();
      await bus.close();
    },
  };
}
