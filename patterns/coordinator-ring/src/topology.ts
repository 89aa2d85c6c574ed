import { defineTopology } from '@kvs-lab/shared/topology';
import type { PatternTopology, RedisNodeSpec, ServiceSpec } from '@kvs-lab/shared/topology';

const portBlock = 7100;

/** What both engines' topologies share: the pattern, its entry point and its port block. */
const pattern = {
  name: 'coordinator-ring',
  cap: 'CP',
  implemented: true,
  issue: 8,
  dir: 'patterns/coordinator-ring',
  entry: 'src/main.ts',
  portBlock,
} as const;

/** The node names of a ring of `size` nodes: ring-1 .. ring-N. */
export function ringNodeNames(size: number): string[] {
  return Array.from({ length: size }, (_, i) => `ring-${i + 1}`);
}

/**
 * The ring at any size from 3 to 9: node ring-N serves on 710N and keeps its
 * replica and election state in its own AOF Redis ring-N-redis on 711N; every
 * node lists every other one as a peer (a node learns the ring size from PEERS).
 */
export function topologyOfSize(size: number): PatternTopology {
  if (!Number.isInteger(size) || size < 3 || size > 9) {
    throw new RangeError(`coordinator-ring runs 3 to 9 nodes, not ${size}`);
  }
  const names = ringNodeNames(size);
  const redis: RedisNodeSpec[] = names.map((name, i) => ({
    name: `${name}-redis`,
    port: portBlock + 11 + i,
    // A restarted node must keep its term and vote (and its log): Raft's promises live on disk.
    appendOnly: true,
  }));
  const services: ServiceSpec[] = names.map((name, i) => ({
    name,
    port: portBlock + 1 + i,
    redis: [`${name}-redis`],
    peers: names.filter((other) => other !== name),
  }));
  return defineTopology({
    ...pattern,
    title: 'Coordinator ring',
    summary: 'ring membership, failure detection, leader election with terms, vector-clock versions',
    redis,
    services,
    // `pnpm lab up coordinator-ring --size 5`, and docker-compose.size-5.yml beside this file.
    sizes: { default: 3, others: [5], resize: topologyOfSize },
    engines: {
      default: 'raft',
      others: { etcd: etcdTopology },
      descriptions: {
        raft: 'the hand-made Raft: each node keeps its term, vote and log in its own AOF Redis (the lesson)',
        etcd: 'a thin service over a 3-member etcd: etcd replicates; instances elect a leader with its election API',
      },
    },
  });
}

/**
 * `--engine etcd`: the same API served by three thin instances over a
 * 3-member etcd cluster (etcd's Raft orders every write); no Redis. Its own
 * process names (compose holds every profile), the same port block.
 */
export function etcdTopology(): PatternTopology {
  const members = ['ring-etcd-1', 'ring-etcd-2', 'ring-etcd-3'];
  const names = ['ring-e1', 'ring-e2', 'ring-e3'];
  return defineTopology({
    ...pattern,
    title: 'Coordinator ring (etcd)',
    summary: 'the same key-value API on a 3-member etcd cluster; instance leadership from etcd elections',
    redis: [],
    etcd: members.map((name, i) => ({ name, clientPort: portBlock + 21 + i, peerPort: portBlock + 31 + i })),
    services: names.map((name, i) => ({
      name,
      port: portBlock + 1 + i,
      redis: [],
      etcd: members,
      peers: names.filter((other) => other !== name),
    })),
  });
}

export const topology = topologyOfSize(3);
