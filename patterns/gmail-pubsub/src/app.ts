import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { Logger, PatternApp } from '@kvs-lab/shared/service';
import type { TraceLog } from '@kvs-lab/shared/history';
import type { PubsubConfig } from './config.ts';
import { checkDeliveries } from './check/delivery-check.ts';
import { mountRoutes } from './http/routes.ts';
import type { PubsubLiveEvents } from './pubsub-service.ts';
import { PubsubService } from './pubsub-service.ts';
import type { EngineName, FanoutEngine } from './engines/fanout.ts';
import { pubsubEngine } from './engines/pubsub/pubsub-fanout.ts';
import { adapterEngine } from './engines/socketio-adapter/adapter-fanout.ts';
import { gmailErrors } from './errors.ts';

/** What createApp needs: the one Redis node, the config, and what tests override. */
export interface PubsubDeps {
  readonly redis: RedisNode;
  readonly config: PubsubConfig;
  readonly logger?: Logger;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  readonly adminToken?: string;
}

export type PubsubApp = PatternApp<{ pubsub: PubsubService }>;

/** The fan-out engines, by the name ENGINE selects: the service and the domain never ask which one runs. */
const engines: Record<EngineName, FanoutEngine> = {
  pubsub: pubsubEngine,
  'socketio-adapter': adapterEngine,
};

/** Builds the service (routes, /notifications, live view, /check); does not listen. */
export async function createApp(deps: PubsubDeps): Promise<PatternApp<{ pubsub: PubsubService }>> {
  const { redis, config } = deps;
  const engine = engines[config.ENGINE](redis, config.SERVICE_NAME);
  // The live view's snapshot and readiness need the service, and the service needs them: tie the knot late.
  const late: { pubsub?: PubsubService } = {};
  // The trace log comes with /check, mounted last; until then there is nothing to record into.
  const traceRef: { log?: TraceLog } = {};
  const service = createService({
    name: 'gmail-pubsub',
    errors: gmailErrors,
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
          late.pubsub?.fanout.health().isLive
            ? Promise.resolve()
            : Promise.reject(new Error('the fan-out engine is not listening to Redis')),
      },
    ],
    links: [redis],
    faults: engine.faults,
    corsOrigins: config.CORS_ORIGINS.split(',').filter(Boolean),
    socketMaxBufferBytes: config.SOCKET_MAX_BUFFER_BYTES,
  });
  const live = mountLiveView<PubsubLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'gmail-pubsub', stylesheet: './pubsub-view.css', script: './pubsub-view.js' },
    snapshot: async () => {
      const current = late.pubsub;
      if (!current) return { instance: service.instance, instances: [], fanouts: [] };
      const instances = await current.clusterPresence().catch(() => [current.localPresence(current.now())]);
      return {
        instance: service.instance,
        instances,
        stats: current.stats(),
        fanouts: current.recentFanouts(),
      };
    },
  });
  const pubsub = new PubsubService(
    service,
    redis,
    config,
    (event, payload) => live.emit(event, payload),
    engine.create,
    (messages) => traceRef.log?.recordMessages(messages) ?? false,
  );
  late.pubsub = pubsub;
  mountRoutes(service, pubsub);
  traceRef.log = mountCheck(service, { history: pubsub.history, check: checkDeliveries }).trace;
  service.onClose(async () => {
    await pubsub.close();
    await redis.close();
  });
  await pubsub.start();
  return { service, pubsub };
}
