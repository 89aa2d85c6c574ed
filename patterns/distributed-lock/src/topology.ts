import { defineTopology } from '@kvs-lab/shared/topology';

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
});
