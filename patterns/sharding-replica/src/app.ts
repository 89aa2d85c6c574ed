import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { LiveChannel } from '@kvs-lab/shared/live-view';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { Config } from './config.ts';
import './errors.ts';
import { mountRoutes } from './http/routes.ts';
import type { ShardingLiveEvents } from './realtime/live-events.ts';
import { replicationPauseFault } from './replication-fault.ts';
import { ShardingService } from './sharding-service.ts';

export interface ShardingApp {
  readonly service: Service;
  readonly sharding: ShardingService;
}

/**
 * Builds the router: the sharding service, its routes, /check, the live view
 * and the replication fault. Does not listen; call `sharding.start()` to adopt
 * the roles Redis reports and start the monitor.
 */
export function createApp(deps: {
  config: Config;
  nodes: readonly RedisNode[];
  instance?: string;
  logger?: Service['logger'];
  now?: () => number;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  adminToken?: string;
}): ShardingApp {
  const now = deps.now ?? Date.now;
  // The live channel needs the service, and the service needs the sharding state: tie the knot here.
  const channel: { live?: LiveChannel<ShardingLiveEvents> } = {};
  const sharding = new ShardingService(deps.config, deps.nodes, {
    now,
    emit: (event, payload) => channel.live?.emit(event, payload as ShardingLiveEvents[typeof event]),
    // The service (and its logger) is created below; background work logs only after start().
    logger: {
      info: (fields, message) => service.logger.info(fields, message),
      warn: (fields, message) => service.logger.warn(fields, message),
      error: (fields, message) => service.logger.error(fields, message),
    },
  });
  const service: Service = createService({
    name: 'sharding-replica',
    ...(deps.instance ? { instance: deps.instance } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'A shard router: keys spread over shards by a consistent-hash ring, each shard a Redis master with a real replica, failover, rebalancing, hot keys and PK/SK queries. Live view at `/`.',
    // Only masters are critical: a dead replica degrades eventual reads, a dead master stops its shard until failover.
    readiness: [],
    links: deps.nodes,
    faults: [replicationPauseFault(sharding.state)],
  });
  for (const shard of sharding.state.map.shards) {
    service.addReadinessCheck({
      name: `master:${shard.id}`,
      critical: true,
      check: async () => {
        // Whoever is master now (after a failover, the old replica): an active shard without one cannot take writes.
        const current = sharding.state.shard(shard.id);
        if (current.isActive) await sharding.state.node(current.master).ping();
      },
    });
  }
  for (const check of redisReadinessChecks(deps.nodes, { critical: false })) service.addReadinessCheck(check);
  channel.live = mountLiveView<ShardingLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    snapshot: () => ({
      ring: sharding.ringEvent(),
      shards: sharding.shards(),
      failovers: sharding.state.failovers,
      rebalance: sharding.rebalancer.view() ?? null,
      hotKeys: sharding.hotKeys.report(),
    }),
  });
  mountRoutes(service, sharding, { maxValueBytes: deps.config.maxValueBytes });
  mountCheck(service, { history: sharding.history, check: () => sharding.check() });
  service.onClose(() => sharding.close());
  return { service, sharding };
}
