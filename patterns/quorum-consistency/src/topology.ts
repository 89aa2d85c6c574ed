import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'quorum-consistency',
  title: 'Quorum consistency',
  summary: 'W+R>N over N replicas, vector-clock siblings, hinted handoff, read repair, Merkle anti-entropy',
  cap: 'AP',
  // Flipped to true by the pattern's issue (#4); until then `pnpm lab up` refuses it.
  implemented: false,
  issue: 4,
  dir: 'patterns/quorum-consistency',
  entry: 'src/main.ts',
  portBlock: 7400,
  redis: [
    {
      name: 'replica-1',
      port: 7411,
    },
    {
      name: 'replica-2',
      port: 7412,
    },
    {
      name: 'replica-3',
      port: 7413,
    },
  ],
  services: [
    {
      name: 'quorum-a',
      port: 7401,
      redis: ['replica-1', 'replica-2', 'replica-3'],
    },
    {
      name: 'quorum-b',
      port: 7402,
      redis: ['replica-1', 'replica-2', 'replica-3'],
    },
  ],
});
