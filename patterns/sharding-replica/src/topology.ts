import { defineTopology } from '@kvs-lab/shared/topology';
import type { PatternTopology } from '@kvs-lab/shared/topology';

const shardNumbers = [1, 2, 3, 4];

/** What the three engines' topologies have in common: one pattern, one port block, one entry. */
const shared = {
  name: 'sharding-replica',
  cap: 'AP',
  implemented: true,
  issue: 5,
  dir: 'patterns/sharding-replica',
  entry: 'src/main.ts',
  portBlock: 7500,
} as const;

/**
 * `--engine cluster`: the same service and API over a real Redis Cluster. Shards 1-3 are masters that
 * share the 16384 slots, shard 4 a spare master with no slots (the scale-out target); each has a
 * replica. Every node also listens on its cluster bus port, port + 10000 (17521-17528).
 * Its own process names (compose holds every profile), the same port block.
 */
const clusterTopology = (): PatternTopology => {
  const master = (n: number) => `cluster-shard-${n}-master`;
  const replica = (n: number) => `cluster-shard-${n}-replica`;
  return defineTopology({
    title: 'Sharding with replicas (Redis Cluster)',
    summary: 'hash slots, cluster failover and live slot migration by Redis Cluster itself',
    ...shared,
    // AOF here too, for the same reason as the router's nodes (below): a master killed and restarted
    // within the node timeout is still master, and without its AOF it comes back empty and its replica
    // copies the emptiness (a seeded fault run lost 643 acknowledged writes that way).
    redis: shardNumbers.flatMap((n) => [
      { name: master(n), port: 7519 + 2 * n, clusterEnabled: true, appendOnly: true },
      { name: replica(n), port: 7520 + 2 * n, clusterEnabled: true, appendOnly: true },
    ]),
    redisCluster: {
      masters: [1, 2, 3].map(master),
      replicas: Object.fromEntries(shardNumbers.map((n) => [replica(n), master(n)])),
      spares: [master(4)],
      // A silent master is judged failed after 2 s: short for the lab, documented in the README.
      nodeTimeoutMs: 2000,
    },
    services: [
      {
        name: 'shard-router-cluster',
        port: 7501,
        redis: shardNumbers.flatMap((n) => [master(n), replica(n)]),
      },
    ],
  });
};

/**
 * `--engine sentinel`: today's master/replica shards (three on the ring, a fourth standing by), watched
 * by three Redis Sentinels (quorum 2, down after 1000 ms). Sentinel decides failovers; the router's own
 * promotion is off and it follows whom Sentinel names. Own process names, the same port block.
 */
const sentinelTopology = (): PatternTopology => {
  const master = (n: number) => `sentinel-shard-${n}-master`;
  const replica = (n: number) => `sentinel-shard-${n}-replica`;
  const sentinels = [1, 2, 3].map((n) => ({ name: `shard-sentinel-${n}`, port: 7550 + n }));
  return defineTopology({
    title: 'Sharding with replicas (Redis Sentinel)',
    summary: 'the router routes and rebalances; Redis Sentinel detects dead masters and promotes replicas',
    ...shared,
    redis: shardNumbers.flatMap((n) => [
      { name: master(n), port: 7539 + 2 * n, appendOnly: true },
      { name: replica(n), port: 7540 + 2 * n, replicaOf: master(n), appendOnly: true },
    ]),
    sentinels: {
      nodes: sentinels,
      settings: { masters: shardNumbers.map(master), quorum: 2, downAfterMs: 1000, failoverTimeoutMs: 3000 },
    },
    services: [
      {
        name: 'shard-router-sentinel',
        port: 7501,
        redis: shardNumbers.flatMap((n) => [master(n), replica(n)]),
        sentinels: sentinels.map((s) => s.name),
      },
    ],
  });
};

export const topology = defineTopology({
  title: 'Sharding with replicas',
  summary:
    'consistent hashing with virtual nodes, master/replica, read/write split, failover, rebalancing, hot keys',
  ...shared,
  // AOF on every node: a master killed and restarted before the router notices must come back with
  // its data. Without it, it comes back empty, stays master, and its replica copies the emptiness:
  // acknowledged writes gone (the seeded fault runs found exactly that).
  redis: [
    {
      name: 'shard-1-master',
      port: 7511,
      appendOnly: true,
    },
    {
      name: 'shard-1-replica',
      port: 7512,
      appendOnly: true,
      replicaOf: 'shard-1-master',
    },
    {
      name: 'shard-2-master',
      port: 7513,
      appendOnly: true,
    },
    {
      name: 'shard-2-replica',
      port: 7514,
      appendOnly: true,
      replicaOf: 'shard-2-master',
    },
    {
      name: 'shard-3-master',
      port: 7515,
      appendOnly: true,
    },
    {
      name: 'shard-3-replica',
      port: 7516,
      appendOnly: true,
      replicaOf: 'shard-3-master',
    },
    {
      name: 'shard-4-master',
      port: 7517,
      appendOnly: true,
    },
    {
      name: 'shard-4-replica',
      port: 7518,
      appendOnly: true,
      replicaOf: 'shard-4-master',
    },
  ],
  services: [
    {
      name: 'shard-router',
      port: 7501,
      redis: [
        'shard-1-master',
        'shard-1-replica',
        'shard-2-master',
        'shard-2-replica',
        'shard-3-master',
        'shard-3-replica',
        'shard-4-master',
        'shard-4-replica',
      ],
    },
  ],
  engines: {
    default: 'router',
    others: { cluster: clusterTopology, sentinel: sentinelTopology },
    descriptions: {
      router:
        'the hand-made router: murmur3 ring, its own failure detector and promotion, key-by-key rebalancing',
      cluster: 'Redis Cluster: CRC16 hash slots, failover by the cluster, live slot migration (ASK/MOVED)',
      sentinel:
        'the router over shards watched by 3 Redis Sentinels: failover decided by a quorum of sentinels',
    },
  },
});
