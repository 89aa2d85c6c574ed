import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'line-streams',
  title: 'LINE-style Streams',
  summary: 'Redis Streams consumer groups, ordering, pending-entry recovery, dead letters, dedup, capacity',
  cap: 'CP',
  implemented: true,
  issue: 6,
  dir: 'patterns/line-streams',
  entry: 'src/main.ts',
  portBlock: 7300,
  redis: [
    {
      name: 'streams-redis',
      port: 7310,
      appendOnly: true,
    },
  ],
  // One entry for all three: ROLE decides whether an instance also runs the delivery loop.
  services: [
    {
      name: 'streams-api',
      port: 7301,
      redis: ['streams-redis'],
      env: { ROLE: 'api' },
    },
    {
      name: 'worker-1',
      port: 7302,
      redis: ['streams-redis'],
      env: { ROLE: 'worker' },
    },
    {
      name: 'worker-2',
      port: 7303,
      redis: ['streams-redis'],
      env: { ROLE: 'worker' },
    },
  ],
});
