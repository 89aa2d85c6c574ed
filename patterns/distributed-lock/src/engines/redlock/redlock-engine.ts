import type { History } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { z } from '@kvs-lab/shared/service';
import type { LockConfig } from '../../config.ts';
import { quorumSize } from '../../domain/quorum.ts';
import type { Clock, LockEngine, TraceMessages } from '../../lock-backend.ts';
import type { LiveEmit } from '../../realtime/events.ts';
import { recordHeard } from '../../heard-elsewhere.ts';
import { LockNodes } from './lock-nodes.ts';
import { RedlockBackend } from './redlock-backend.ts';
import { ReleaseSubscriber } from './release-subscriber.ts';
import { AppError } from '../../errors.ts';

/** Redlock over independent Redis masters: the hand-made engine, and the lesson. */
export async function createRedlockEngine(deps: {
  config: LockConfig;
  lockNodes: readonly RedisNode[];
  clock: Clock;
  newId: () => string;
  emit: LiveEmit;
  trace: TraceMessages;
  history: History;
}): Promise<LockEngine> {
  const { config, clock, history } = deps;
  if (deps.lockNodes.length < 1) throw new Error('ENGINE=redlock needs lock nodes in REDIS_NODES');
  const quorum = quorumSize(deps.lockNodes.length);
  const faultSeen = new Map<string, number>();
  const nodes = new LockNodes(deps.lockNodes, (node, reason) => {
    // One fault event per node per second: a dead node fails every call.
    const now = clock.monotonicMs();
    if ((faultSeen.get(node) ?? -Infinity) > now - 1_000) return;
    faultSeen.set(node, now);
    deps.emit('node:fault', { node, reason });
  });
  await nodes.markNodes();
  const backend = new RedlockBackend({
    config,
    nodes,
    clock,
    newId: deps.newId,
    emit: deps.emit,
    trace: deps.trace,
  });
  const subscriber = new ReleaseSubscriber(deps.lockNodes, (event) => {
    const lease = backend.heard(event);
    if (lease) recordHeard(history, { lease, kind: event.event, atMs: event.atMs, by: event.instance });
  });

  return {
    backend,
    description:
      `Redlock over ${deps.lockNodes.length} lock nodes (quorum ${quorum}), fencing tokens issued by quorum, ` +
      'a FIFO wait queue shared by every instance',
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
    ],
    links: deps.lockNodes,
    faults: [
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
    ],
    nodeStatus: () => backend.nodeStatus(),
    close: async () => {
      backend.close();
      subscriber.close();
      await Promise.all(deps.lockNodes.map((n) => n.close()));
    },
  };
}
