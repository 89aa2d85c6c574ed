import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { History, mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { AppError, createService, z } from '@kvs-lab/shared/service';
import type { ChaosFault, Service } from '@kvs-lab/shared/service';
import type { LockConfig } from './config.ts';
import { checkLockHistory } from './domain/lock-check.ts';
import { quorumSize } from './domain/quorum.ts';
import { mountLockRoutes } from './http/lock-routes.ts';
import { mountResourceRoutes } from './http/resource-routes.ts';
import { registerLockMetrics } from './http/lock-metrics.ts';
import { mountStatsRoute } from './http/stats-route.ts';
import { LockService } from './lock-service.ts';
import type { Clock } from './lock-service.ts';
import type { LockLiveEvents, LiveEmit } from './realtime/live-events.ts';
import { LockNodes } from './store/lock-nodes.ts';
import { ReleaseSubscriber } from './store/release-subscriber.ts';
import { ResourceStore } from './store/resource-store.ts';

export interface LockAppDeps {
  readonly config: LockConfig;
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
  const quorum = quorumSize(deps.lockNodes.length);
  let emit: LiveEmit = () => undefined;

  const faultSeen = new Map<string, number>();
  const nodes = new LockNodes(deps.lockNodes, (node, reason) => {
    // One fault event per node per second: a dead node fails every call.
    const now = clock.monotonicMs();
    if ((faultSeen.get(node) ?? -Infinity) > now - 1_000) return;
    faultSeen.set(node, now);
    emit('node:fault', { node, reason });
  });
  await nodes.markNodes();
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
    {
      name: 'node-amnesia',
      description:
        'FLUSHALL one lock node: what a restart without persistence leaves behind (the node forgets every lease)',
      params: z.strictObject({ node: z.string().max(64) }),
      inject: async ({ node }: { node: string }) => {
        const target = deps.lockNodes.find((n) => n.name === node);
        if (!target) {
          throw new AppError(
            'NOT_FOUND',
            `No lock node named ${node}; known: ${deps.lockNodes.map((n) => n.name).join(', ')}.`,
          );
        }
        await target.run((c) => c.flushall());
      },
      heal: () => undefined,
      state: () => ({ restartDelayMs: config.restartDelayMs }),
      errors: ['NOT_FOUND', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    },
  ];

  const service = createService({
    name: 'distributed-lock',
    instance: config.instance,
    description:
      `Redlock over ${deps.lockNodes.length} lock nodes (quorum ${quorum}), fencing tokens issued by quorum, ` +
      'a FIFO wait queue shared by every instance, and a protected resource that checks the tokens. Live view at `/`.',
    readiness: [
      {
        name: 'lock-quorum',
        check: async () => {
          const answers = await Promise.all(
            deps.lockNodes.map((n) =>
              n.ping().then(
                () => 1,
                () => 0,
              ),
            ),
          );
          const up = answers.reduce<number>((a, b) => a + b, 0);
          if (up < quorum)
            throw new Error(`${up} of ${deps.lockNodes.length} lock nodes answer; ${quorum} needed`);
        },
      },
      ...redisReadinessChecks(deps.lockNodes, { critical: false }),
      ...redisReadinessChecks([resourceNode]),
    ],
    links: [...deps.lockNodes, resourceNode],
    faults,
    // A waiter may wait up to MAX_WAIT_MS; the request deadline must outlast it.
    requestTimeoutMs: config.maxWaitMs + 5_000,
  });

  const touched = new Set<string>();
  const nodeStatus = () => [
    ...deps.lockNodes.map((n) => ({
      node: n.name,
      isUp: n.isReady && n.linkState().mode !== 'cut',
      role: 'lock' as const,
    })),
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
      quorum,
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

  const locks = new LockService({ config, nodes, clock, newId, emit: (e, p) => emit(e, p) });
  const history = new History();
  const subscriber = new ReleaseSubscriber(deps.lockNodes, (event) => {
    const lease = locks.heard(event);
    if (!lease) return;
    // A lease granted here, released or extended through another instance: /check must see its window move.
    const op = history.invoke(
      `heard-from-${event.instance}`,
      event.event === 'released' ? 'release' : 'extend',
      event.event === 'released'
        ? {
            resource: lease.resource,
            fencingToken: lease.fencingToken,
            releasedAtMs: event.atMs,
            via: event.instance,
          }
        : { resource: lease.resource, fencingToken: lease.fencingToken, via: event.instance },
    );
    op.ok(event.event === 'released' ? {} : { expiresAtMs: event.atMs });
  });
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
  mountStatsRoute(service, { locks, nodes, settings });
  registerLockMetrics(service, { locks, nodes });
  mountCheck(service, {
    history,
    check: async (operations) => checkLockHistory(operations, await resources.logs()),
  });

  service.onClose(async () => {
    clearInterval(statusTimer);
    locks.close();
    subscriber.close();
    await Promise.all([...deps.lockNodes, resourceNode].map((n) => n.close()));
  });
  return service;
}
