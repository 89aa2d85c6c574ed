import { defineTopology } from '@kvs-lab/shared/topology';
import type { PatternTopology } from '@kvs-lab/shared/topology';

/**
 * `--engine etcd`: the same service and API, leases granted by a 3-member etcd
 * cluster instead of Redlock; Redis keeps only the protected resource. Its own
 * process names (compose holds every profile), the same port block.
 */
const etcdTopology = (): PatternTopology =>
  defineTopology({
    name: 'distributed-lock',
    title: 'Distributed lock (etcd)',
    summary: 'Leases, FIFO queue and fencing tokens from a 3-member etcd cluster (Raft)',
    cap: 'CP',
    implemented: true,
    issue: 3,
    dir: 'patterns/distributed-lock',
    entry: 'src/main.ts',
    portBlock: 7600,
    redis: [{ name: 'lock-etcd-store', port: 7620, appendOnly: true }],
    etcd: [
      { name: 'lock-etcd-1', clientPort: 7631, peerPort: 7641 },
      { name: 'lock-etcd-2', clientPort: 7632, peerPort: 7642 },
      { name: 'lock-etcd-3', clientPort: 7633, peerPort: 7643 },
    ],
    services: ['a', 'b'].map((suffix, i) => ({
      name: `lock-etcd-${suffix}`,
      port: 7601 + i,
      redis: ['lock-etcd-store'],
      etcd: ['lock-etcd-1', 'lock-etcd-2', 'lock-etcd-3'],
      env: { RESOURCE_NODE: 'lock-etcd-store' },
    })),
  });

export const topology = defineTopology({
  name: 'distributed-lock',
  title: 'Distributed lock',
  summary: 'Redlock over 5 Redis nodes, TTL leases, fencing tokens, fair wait queue',
  cap: 'CP',
  implemented: true,
  issue: 3,
  dir: 'patterns/distributed-lock',
  entry: 'src/main.ts',
  portBlock: 7600,
  redis: [
    {
      name: 'lock-1',
      port: 7611,
      appendOnly: true,
    },
    {
      name: 'lock-2',
      port: 7612,
      appendOnly: true,
    },
    {
      name: 'lock-3',
      port: 7613,
      appendOnly: true,
    },
    {
      name: 'lock-4',
      port: 7614,
      appendOnly: true,
    },
    {
      name: 'lock-5',
      port: 7615,
      appendOnly: true,
    },
    // The protected resource: a separate store that checks fencing tokens itself.
    {
      name: 'fenced-store',
      port: 7620,
      appendOnly: true,
    },
  ],
  services: [
    {
      name: 'lock-a',
      port: 7601,
      redis: ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5', 'fenced-store'],
    },
    {
      name: 'lock-b',
      port: 7602,
      redis: ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5', 'fenced-store'],
    },
  ],
  engines: {
    default: 'redlock',
    others: { etcd: etcdTopology },
    descriptions: {
      redlock: 'Redlock over 5 independent Redis masters, fencing tokens from a quorum counter (the lesson)',
      etcd: "etcd leases and the etcd lock recipe; the fencing token is the key's create revision",
    },
  },
});
