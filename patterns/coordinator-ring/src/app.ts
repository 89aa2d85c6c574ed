import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { History, mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { Service, ServiceOptions } from '@kvs-lab/shared/service';
import { PeerLink } from './cluster/peer-link.ts';
import type { PeerAddress } from './cluster/peer-link.ts';
import { RingNode } from './cluster/ring-node.ts';
import type { RingConfig } from './config.ts';
import { checkRingHistory } from './domain/ring-check.ts';
import type { RingInput, RingOutput } from './domain/ring-check.ts';
import './errors.ts';
import { internalRoutes } from './http/internal-routes.ts';
import { kvRoutes } from './http/kv-routes.ts';
import { ringRoutes } from './http/ring-routes.ts';
import type { RingLiveEvents } from './realtime/ring-events.ts';
import { RingService } from './ring-service.ts';
import { NodeStore } from './store/node-store.ts';

export interface RingAppDeps {
  readonly config: RingConfig;
  readonly redis: RedisNode;
  readonly peers: readonly PeerAddress[];
  readonly logger?: ServiceOptions['logger'];
  readonly now?: () => number;
  readonly random?: () => number;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  readonly adminToken?: string;
}

export interface RingApp {
  readonly service: Service;
  readonly node: RingNode;
  readonly ring: RingService;
}

/**
 * Builds one ring node's service: the node (loaded from its Redis, timers
 * running), the client API, the internal messages, /check and the live view.
 * It does not listen; main.ts and the tests do.
 */
export async function createRingApp(deps: RingAppDeps): Promise<RingApp> {
  const { config, redis } = deps;
  const peerLinks = deps.peers.map((address) => new PeerLink(address, config.peerAuth));
  const service = createService({
    name: 'coordinator-ring',
    instance: config.nodeId,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'A CP key-value store run by a ring of nodes: gossip heartbeats around the ring, Raft elections with ' +
      'terms, writes ordered by the leader and acknowledged once a majority stores them, vector clocks. ' +
      'The live view is at `/`; `internal` routes are the node-to-node messages.',
    // AppendEntries batches carry up to MAX_BATCH_ENTRIES values of up to 4 KiB.
    bodyLimitBytes: 4 * 1024 * 1024,
    // Heartbeats and AppendEntries arrive many times a second: the request log shows only what learners send.
    quietPathPrefixes: ['/internal/'],
    readiness: redisReadinessChecks([redis]),
    links: [redis, ...peerLinks],
  });
  const node = new RingNode(config, new NodeStore(redis, config.nodeId), peerLinks, deps.now, deps.random);
  const history = new History<RingInput, RingOutput>({ capacity: 50_000 });
  const ring = new RingService(node, history, config.writeTimeoutMs + config.rpcTimeoutMs);

  kvRoutes(service, ring);
  ringRoutes(service, ring);
  internalRoutes(service, node, config.peerAuth);
  mountCheck(service, {
    history,
    check: (operations) =>
      checkRingHistory(operations, {
        leaderSightings: node.leaderSightings(),
        commitIndex: node.committed,
        entryTermAt: (index) => node.entryTermAt(index),
      }),
  });
  const live = mountLiveView<RingLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    snapshot: () => ({ ring: node.ring(), status: node.status() }),
  });
  node.onEvent((event, payload) => live.emit(event, payload));

  await node.start();
  service.onClose(async () => {
    node.stop();
    await redis.close();
  });
  return { service, node, ring };
}
