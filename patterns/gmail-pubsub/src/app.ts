import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { ChaosFault, Logger, Service } from '@kvs-lab/shared/service';
import type { PubsubConfig } from './config.ts';
import { checkDeliveries } from './domain/delivery-check.ts';
import './errors.ts';
import { mountRoutes } from './http/routes.ts';
import type { PubsubLiveEvents } from './pubsub-service.ts';
import { PubsubService } from './pubsub-service.ts';
import { NotificationBus } from './store/notification-bus.ts';

export interface PubsubApp {
  readonly service: Service;
  readonly pubsub: PubsubService;
}

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

/** Builds the service (routes, /notifications, live view, /check); does not listen. */
export async function createApp(deps: {
  redis: RedisNode;
  config: PubsubConfig;
  logger?: Logger;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  adminToken?: string;
}): Promise<PubsubApp> {
  const { redis, config } = deps;
  const bus = new NotificationBus(redis, `gmail-pubsub:${config.SERVICE_NAME}:subscriber`);
  const service = createService({
    name: 'gmail-pubsub',
    instance: config.SERVICE_NAME,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'Gmail-style notifications: mail is appended to a per-user history with a historyId and pushed through Redis Pub/Sub ' +
      'to socket.io clients (namespace `/notifications`, handshake `auth: { userId }`) on every instance. ' +
      'A push is only a hint: clients catch up from history by historyId. Live view at `/`.',
    readiness: [
      ...redisReadinessChecks([redis]),
      {
        name: 'redis-subscriber',
        critical: true,
        check: () =>
          bus.isLive
            ? Promise.resolve()
            : Promise.reject(new Error('the Redis Pub/Sub subscriber is not connected')),
      },
    ],
    links: [redis],
    faults: [killSubscriberFault(redis, bus)],
    corsOrigins: config.CORS_ORIGINS.split(',').filter(Boolean),
    socketMaxBufferBytes: config.SOCKET_MAX_BUFFER_BYTES,
  });
  // The live view's snapshot needs the service and the service needs the live view: tie the knot late.
  const late: { pubsub?: PubsubService } = {};
  const live = mountLiveView<PubsubLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    snapshot: async () => {
      const current = late.pubsub;
      if (!current) return { instance: service.instance, instances: [] };
      const instances = await current.clusterPresence().catch(() => [current.localPresence(Date.now())]);
      return { instance: service.instance, instances, stats: current.stats() };
    },
  });
  const pubsub = new PubsubService(service, redis, bus, config, (event, payload) =>
    live.emit(event, payload),
  );
  late.pubsub = pubsub;
  mountRoutes(service, pubsub);
  mountCheck(service, { history: pubsub.history, check: checkDeliveries });
  service.onClose(async () => {
    await pubsub.close();
    await redis.close();
  });
  await pubsub.start();
  return { service, pubsub };
}
