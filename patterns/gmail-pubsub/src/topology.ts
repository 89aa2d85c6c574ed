import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'gmail-pubsub',
  title: 'Gmail-style Pub/Sub',
  summary: 'Redis Pub/Sub fan-out to socket.io clients, topics, filters, backpressure, historyId catch-up',
  cap: 'AP',
  implemented: true,
  issue: 7,
  dir: 'patterns/gmail-pubsub',
  entry: 'src/main.ts',
  portBlock: 7200,
  redis: [
    {
      name: 'pubsub-redis',
      port: 7210,
      // The history is the durable half of the pattern: a restarted Redis must keep it.
      appendOnly: true,
    },
  ],
  services: [
    {
      name: 'pubsub-a',
      port: 7201,
      redis: ['pubsub-redis'],
    },
    {
      name: 'pubsub-b',
      port: 7202,
      redis: ['pubsub-redis'],
    },
  ],
});
