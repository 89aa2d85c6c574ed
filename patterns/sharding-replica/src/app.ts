import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import type { TraceLog } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { LiveChannel } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { PatternApp, Service } from '@kvs-lab/shared/service';
import type { Config } from './config.ts';
import { mountRoutes } from './http/routes.ts';
import type { ShardingLiveEvents } from './realtime/events.ts';
import { ClusterEngine } from './engines/cluster/cluster-engine.ts';
import { RouterEngine } from './engines/router/router-engine.ts';
import { SentinelEngine } from './engines/sentinel/sentinel-engine.ts';
import type { Emit } from './realtime/events.ts';
import type { EngineDeps } from './engine-deps.ts';
import { traceInto } from './protocol-trace.ts';
import type { ShardStore } from './shard-store.ts';
import { ShardingService } from './sharding-service.ts';
import { liveSnapshot } from './sharding-views.ts';
import { Autoscaler } from './autoscaler.ts';
import { HotKeys } from './hot-keys.ts';
import { shardingErrors } from './errors.ts';

export interface ShardingDeps {
  readonly config: Config;
  readonly nodes: readonly RedisNode[];
  readonly instance?: string;
  readonly logger?: Service['logger'];
  readonly now?: () => number;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  readonly adminToken?: string;
}

export type ShardingApp = PatternApp<{
  sharding: ShardingService;
  autoscaler: Autoscaler;
  /** The engine behind the port; tests of one engine reach into it. */
  store: ShardStore;
}>;

/** The one place that knows the engines: `ENGINE` picks the adapter behind the `ShardStore` port. */
function createStore(config: Config, nodes: readonly RedisNode[], deps: EngineDeps): ShardStore {
  switch (config.engine) {
    case 'router':
      return new RouterEngine(config, nodes, deps);
    case 'cluster':
      return new ClusterEngine(config, nodes, deps);
    case 'sentinel':
      return new SentinelEngine(config, nodes, deps);
  }
}

/**
 * Builds the router: the sharding service, its routes, /check, the live view
 * and the replication fault. Does not listen; call `sharding.start()` to adopt
 * the roles Redis reports and start the monitor.
 */
export async function createApp(deps: ShardingDeps): Promise<ShardingApp> {
  const now = deps.now ?? Date.now;
  // The live channel needs the service, and the service needs the engine: tie the knot here.
  const channel: { live?: LiveChannel<ShardingLiveEvents> } = {};
  const emit: Emit = (event, payload) =>
    channel.live?.emit(event, payload as ShardingLiveEvents[typeof event]);
  // The trace log comes with /check, mounted last; until then there is nothing to record.
  const traceRef: { log?: TraceLog } = {};
  const trace = traceInto((messages) => traceRef.log?.recordMessages(messages) ?? true);
  const store = createStore(deps.config, deps.nodes, {
    now,
    emit,
    trace,
    // The service (and its logger) is created below; background work logs only after start().
    logger: {
      info: (fields, message) => service.logger.info(fields, message),
      warn: (fields, message) => service.logger.warn(fields, message),
      error: (fields, message) => service.logger.error(fields, message),
    },
  });
  const hotKeys = new HotKeys({ ...deps.config.hotKeys, now });
  const autoscaler = new Autoscaler(deps.config.autoscale, store, emit);
  // After each monitor sample: decay the hot-key counts, evaluate autoscaling, refresh the live view.
  const afterSample = () => {
    hotKeys.decayIfDue();
    autoscaler.tick();
    emit('shards:status', { shards: store.shards() });
    const report = hotKeys.report();
    emit('hotkeys:updated', { top: report.top, mitigation: report.mitigation });
  };
  const sharding = new ShardingService(store, hotKeys, afterSample);
  const service: Service = createService({
    name: 'sharding-replica',
    errors: shardingErrors,
    ...(deps.instance ? { instance: deps.instance } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description: `A shard router (engine: \`${store.engine}\`): keys spread over shards, each shard a Redis master with a real replica, failover, rebalancing, hot keys and PK/SK queries. Live view at \`/\`.`,
    readiness: [...store.readiness],
    links: store.links,
    faults: store.faults,
  });
  channel.live = mountLiveView<ShardingLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'sharding-replica', stylesheet: './sharding-view.css', script: './sharding-view.js' },
    snapshot: () => liveSnapshot(sharding, deps.config.missedPingsToFail),
  });
  mountRoutes(service, { sharding, autoscaler }, { maxValueBytes: deps.config.maxValueBytes });
  traceRef.log = mountCheck(service, { history: sharding.history, check: () => sharding.check() }).trace;
  service.onClose(() => sharding.close());
  // Async as every pattern's createApp is; this one has nothing to wait for before it answers.
  return Promise.resolve({ service, sharding, autoscaler, store });
}
