import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'sharding-replica',
  title: 'Sharding with replicas',
  summary:
    'consistent hashing with virtual nodes, master/replica, read/write split, failover, rebalancing, hot keys',
  cap: 'AP',
  implemented: true,
  issue: 5,
  dir: 'patterns/sharding-replica',
  entry: 'src/main.ts',
  portBlock: 7500,
  redis: [
    {
      name: 'shard-1-master',
      port: 7511,
    },
    {
      name: 'shard-1-replica',
      port: 7512,
      replicaOf: 'shard-1-master',
    },
    {
      name: 'shard-2-master',
      port: 7513,
    },
    {
      name: 'shard-2-replica',
      port: 7514,
      replicaOf: 'shard-2-master',
    },
    {
      name: 'shard-3-master',
      port: 7515,
    },
    {
      name: 'shard-3-replica',
      port: 7516,
      replicaOf: 'shard-3-master',
    },
    {
      name: 'shard-4-master',
      port: 7517,
    },
    {
      name: 'shard-4-replica',
      port: 7518,
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
});
