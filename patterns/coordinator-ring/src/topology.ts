import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'coordinator-ring',
  title: 'Coordinator ring',
  summary: 'ring membership, failure detection, leader election with terms, vector-clock versions',
  cap: 'CP',
  // Flipped to true by the pattern's issue (#8); until then `pnpm lab up` refuses it.
  implemented: false,
  issue: 8,
  dir: 'patterns/coordinator-ring',
  entry: 'src/main.ts',
  portBlock: 7100,
  redis: [
    {
      name: 'ring-1-redis',
      port: 7111,
      appendOnly: true,
    },
    {
      name: 'ring-2-redis',
      port: 7112,
      appendOnly: true,
    },
    {
      name: 'ring-3-redis',
      port: 7113,
      appendOnly: true,
    },
  ],
  services: [
    {
      name: 'ring-1',
      port: 7101,
      redis: ['ring-1-redis'],
      peers: ['ring-2', 'ring-3'],
    },
    {
      name: 'ring-2',
      port: 7102,
      redis: ['ring-2-redis'],
      peers: ['ring-1', 'ring-3'],
    },
    {
      name: 'ring-3',
      port: 7103,
      redis: ['ring-3-redis'],
      peers: ['ring-1', 'ring-2'],
    },
  ],
});
