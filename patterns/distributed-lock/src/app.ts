import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { History, MessageBudget, mountCheck } from '@kvs-lab/shared/history';
import type { TraceLog } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { ChaosFault, PatternApp } from '@kvs-lab/shared/service';
import type { LockConfig } from './config.ts';
import { checkLockHistory, resourcesInHistory } from './check/lock-check.ts';
import { createEtcdEngine } from './engines/etcd/etcd-engine.ts';
import { createRedlockEngine } from './engines/redlock/redlock-engine.ts';
import { registerLockMetrics } from './http/lock-metrics.ts';
import { mountLockRoutes } from './http/lock-routes.ts';
import { mountResourceRoutes } from './http/resource-routes.ts';
import { mountStatsRoute } from './http/stats-route.ts';
import type { AttemptSummary, ProtocolMessage } from './domain/attempt-view.ts';

import type { Clock, LockBackend, LockEngine, TraceMessages } from './lock-backend.ts';
import type { LockLiveEvents, LiveEmit } from './realtime/events.ts';
import { ResourceStore } from './store/resource-store.ts';
import { lockErrors } from './errors.ts';

export interface LockAppDeps {
  readonly config: LockConfig;
  /** The Redlock engine's nodes (unused with ENGINE=etcd). */
  readonly lockNodes: readonly RedisNode[];
  readonly resourceNode: RedisNode;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

/** How many attempts and writes per resource a freshly opened live view is given. */
const attemptsKept = 40;
// Every message a learner's requests cause fits; a benchmark's flood is sampled (see domain/message-budget.ts).
const traceMessagesPerSecond = 1_000;
const writesShown = 12;
const resourcesShown = 20;

const emptyWrites = (name: string) => ({
  name,
  value: null,
  highestToken: null,
  acceptedCount: 0,
  rejectedCount: 0,
  accepted: [],
  rejected: [],
});

const systemClock: Clock = { nowMs: () => Date.now(), monotonicMs: () => performance.now() };

/** What createApp resolves to: the service, the lock engine's port and the protected resource. */
export type LockApp = PatternApp<{ locks: LockBackend; resources: ResourceStore }>;

/** Builds one lock service instance (it does not listen): routes, live view, /check, /stats, /chaos. */
export async function createApp(deps: LockAppDeps): Promise<LockApp> {
  const { config, resourceNode } = deps;
  const clock = deps.clock ?? systemClock;
  const newId = deps.newId ?? randomUUID;
  const settings = { isFencingCheckOn: config.isFencingCheckOn };
  let emit: LiveEmit = () => undefined;
  const history = new History();
  // The trace log comes with /check (mounted last); until then there is nothing to record.
  const traceRef: { log?: TraceLog } = {};
  const budget = new MessageBudget(traceMessagesPerSecond);
  const admits = (count: number) => traceRef.log !== undefined && budget.allow(clock.monotonicMs(), count);
  const record = (messages: readonly ProtocolMessage[]) => {
    for (const m of messages) traceRef.log?.record({ type: 'message', ...m });
  };
  const trace: TraceMessages = Object.assign(
    (messages: readonly ProtocolMessage[]) => {
      if (admits(messages.length)) record(messages);
    },
    {
      lazily: (count: number, build: () => readonly ProtocolMessage[]) => {
        if (admits(count)) record(build());
      },
    },
  );
  const engineDeps = { config, clock, newId, history, trace, emit: ((e, p) => emit(e, p)) as LiveEmit };
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
    errors: lockErrors,
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
  // The last attempts, so a page opened now draws the same vote rows as one open all along.
  const attempts: AttemptSummary[] = [];
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
    page: { title: 'distributed lock', stylesheet: './lock-view.css', script: './lock-view.js' },
    snapshot: async () => ({
      instance: config.instance,
      engine: config.engine,
      quorum: locks.quorum,
      nodeCount: locks.nodeCount,
      nodes: nodeStatus(),
      attempts,
      // Oldest first, as the page keeps them: the last one is the resource it shows.
      resources: [...touched],
      locks: await Promise.all(
        [...touched].map(async (resource) => ({ resource, ...(await locks.view(resource)) })),
      ),
      writes: await Promise.all(
        [...touched].map(async (resource) => ({
          ...(await resources.read(resource, writesShown).catch(() => emptyWrites(resource))),
          isFencingCheckOn: settings.isFencingCheckOn,
        })),
      ),
    }),
  });
  emit = (event, payload) => {
    const named = payload as { resource?: string; name?: string };
    const kind: string = event;
    const resource = named.resource ?? (kind === 'resource:written' ? named.name : undefined);
    if (kind === 'lock:attempt') {
      attempts.push(payload as AttemptSummary);
      if (attempts.length > attemptsKept) attempts.splice(0, attempts.length - attemptsKept);
    }
    if (typeof resource === 'string') {
      touched.delete(resource);
      touched.add(resource);
      // The snapshot shows the most recently used resources only.
      if (touched.size > resourcesShown) {
        for (const old of touched) {
          if (touched.size <= resourcesShown) break;
          touched.delete(old);
        }
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
  mountResourceRoutes(service, {
    resources,
    history,
    config,
    settings,
    emit: (e, p) => emit(e, p),
    trace,
    newId,
  });
  mountStatsRoute(service, { locks, settings, engine: config.engine });
  registerLockMetrics(service, { locks });
  traceRef.log = mountCheck(service, {
    history,
    check: async (operations) =>
      checkLockHistory(operations, await resources.logs(resourcesInHistory(operations))),
  }).trace;

  service.onClose(async () => {
    clearInterval(statusTimer);
    await engine.close();
    await resourceNode.close();
  });
  return { service, locks, resources };
}
