import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { History, mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { ChaosFault, Service } from '@kvs-lab/shared/service';
import type { LockConfig } from './config.ts';
import { checkLockHistory } from './domain/lock-check.ts';
import { createEtcdEngine } from './engines/etcd/etcd-engine.ts';
import { createRedlockEngine } from './engines/redlock/redlock-engine.ts';
import { registerLockMetrics } from './http/lock-metrics.ts';
import { mountLockRoutes } from './http/lock-routes.ts';
import { mountResourceRoutes } from './http/resource-routes.ts';
import { mountStatsRoute } from './http/stats-route.ts';
import type { Clock, LockEngine } from './lock-backend.ts';
import type { LockLiveEvents, LiveEmit } from './realtime/live-events.ts';
import { ResourceStore } from './store/resource-store.ts';

export interface LockAppDeps {
  readonly config: LockConfig;
  /** The Redlock engine's nodes (unused with ENGINE=etcd). */
  readonly lockNodes: readonly RedisNode[];
  readonly resourceNode: RedisNode;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

const systemClock: Clock = { nowMs: () => Date.now(), monotonicMs: () => performance.now() };

/** Builds one lock service instance (it does not listen): routes, live view, /check, /stats, /chaos. */
export async function createApp(deps: LockAppDeps): Promise<Service> {
  const { config, resourceNode } = deps;
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? randomUUID;
  const settings = { isFencingCheckOn: config.isFencingCheckOn };
  let emit: LiveEmit = () => undefined;
  const history = new History();
  const engineDeps = { config, clock, newId, history, emit: ((e, p) => emit(e, p)) as LiveEmit };
  // The one place that knows which engine runs; everything below talks to the LockBackend port.
  const engine: LockEngine =
    config.engine === 'etcd'
      ? await createEtcdEngine(engineDeps)
      : await createRedlockEngine({ ...engineDeps, lockNodes: deps.lockNodes });
  const locks = engine.backend;
  const resources = new ResourceStore(resourceNode);

  const faults: ChaosFault[] = [
    {
      name: 'fencing-check-off',
      description:
        'the protected resource accepts every write, stale tokens too (DELETE turns the check back on)',
      inject: () => {
        settings.isFencingCheckOn = false;
      },
      heal: () => {
        settings.isFencingCheckOn = config.isFencingCheckOn;
      },
      state: () => ({ isFencingCheckOn: settings.isFencingCheckOn }),
    },
    ...engine.faults,
  ];

  const service = createService({
    name: 'distributed-lock',
    instance: config.instance,
    description:
      `${engine.description}, and a protected resource that checks the tokens (engine: ${config.engine}). ` +
      'Live view at `/`.',
    readiness: [...engine.readiness, ...redisReadinessChecks([resourceNode])],
    links: [...engine.links, resourceNode],
    faults,
    // A waiter may wait up to MAX_WAIT_MS; the request deadline must outlast it.
    requestTimeoutMs: config.maxWaitMs + 5_000,
  });

  const touched = new Set<string>();
  const nodeStatus = () => [
    ...engine.nodeStatus().map((n) => ({ ...n, role: 'lock' as const })),
    {
      node: resourceNode.name,
      isUp: resourceNode.isReady && resourceNode.linkState().mode !== 'cut',
      role: 'resource' as const,
    },
  ];
  const live = mountLiveView<LockLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    snapshot: async () => ({
      instance: config.instance,
      engine: config.engine,
      quorum: locks.quorum,
      nodes: nodeStatus(),
      locks: await Promise.all(
        [...touched].map(async (resource) => ({ resource, ...(await locks.view(resource)) })),
      ),
    }),
  });
  emit = (event, payload) => {
    const named = payload as { resource?: string };
    if (typeof named.resource === 'string') {
      touched.delete(named.resource);
      touched.add(named.resource);
      // The snapshot shows the most recently used resources only.
      for (const old of touched) {
        if (touched.size <= 20) break;
        touched.delete(old);
      }
    }
    live.emit(event, payload);
  };

  let lastStatus = JSON.stringify(nodeStatus());
  const statusTimer = setInterval(() => {
    const now = JSON.stringify(nodeStatus());
    if (now === lastStatus) return;
    lastStatus = now;
    emit('nodes:status', nodeStatus());
  }, 500);
  statusTimer.unref();

  mountLockRoutes(service, { locks, history, config });
  mountResourceRoutes(service, { resources, history, config, settings, emit: (e, p) => emit(e, p), newId });
  mountStatsRoute(service, { locks, settings, engine: config.engine });
  registerLockMetrics(service, { locks });
  mountCheck(service, {
    history,
    check: async (operations) => checkLockHistory(operations, await resources.logs()),
  });

  service.onClose(async () => {
    clearInterval(statusTimer);
    await engine.close();
    await resourceNode.close();
  });
  return service;
}
