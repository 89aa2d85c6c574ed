import { connectRedisNodes, parseRedisNodes, redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { PeerLink } from '../../cluster/peer-link.ts';
import type { RingConfig } from '../../config.ts';
import type { EngineSetup } from '../ring-engine.ts';
import { internalRoutes } from './internal-routes.ts';
import { NodeStore } from './node-store.ts';
import { RingNode } from './ring-node.ts';
import { SnapshotStore } from './snapshot-store.ts';

export interface RaftEngineDeps {
  readonly config: RingConfig;
  readonly peerLinks: readonly PeerLink[];
  /** This node's own Redis; connected from REDIS_NODES when absent. */
  readonly redis?: RedisNode;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** The hand-made Raft: a RingNode over its own AOF Redis, talking to its peers over /internal routes. */
export async function raftEngineSetup(deps: RaftEngineDeps): Promise<EngineSetup> {
  const { config } = deps;
  const redis = deps.redis ?? (await connectOwnRedis(config));
  const node = new RingNode(
    config,
    new NodeStore(redis, config.nodeId),
    new SnapshotStore(redis, config.nodeId),
    deps.peerLinks,
    deps.now,
    deps.random,
  );
  let closeStreams = () => undefined as void;
  return {
    engine: node,
    links: [redis, ...deps.peerLinks],
    readiness: redisReadinessChecks([redis]),
    mountRoutes: (service) => {
      closeStreams = internalRoutes(service, node, config.peerAuth).close;
    },
    closeIncoming: () => closeStreams(),
    close: () => redis.close(),
  };
}

async function connectOwnRedis(config: RingConfig): Promise<RedisNode> {
  const [address] = parseRedisNodes(config.redisNodes);
  if (!address) throw new Error('REDIS_NODES names no node');
  const [redis] = await connectRedisNodes([address], { readyTimeoutMs: 10_000 });
  if (!redis?.isReady) throw new Error(`${config.nodeId}: its Redis ${address.url} is not reachable`);
  return redis;
}
