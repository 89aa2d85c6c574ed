import type { PatternTopology } from '@kvs-lab/shared/topology';
import { defineTopology } from '@kvs-lab/shared/topology';

const base = {
  name: 'gmail-pubsub',
  cap: 'AP',
  implemented: true,
  issue: 7,
  dir: 'patterns/gmail-pubsub',
  entry: 'src/main.ts',
  portBlock: 7200,
} as const;

/** `--engine socketio-adapter`: the same ports, its own process names, fan-out through socket.io's streams adapter. */
const socketioAdapterTopology = (): PatternTopology =>
  defineTopology({
    ...base,
    title: 'Gmail-style Pub/Sub (socket.io Redis streams adapter)',
    summary:
      'socket.io rooms across instances through one Redis stream, connection state recovery, historyId catch-up',
    // The stream, the sessions and the history are what a restarted Redis must keep.
    redis: [{ name: 'pubsub-sio-redis', port: 7210, appendOnly: true }],
    services: ['a', 'b'].map((suffix, i) => ({
      name: `pubsub-sio-${suffix}`,
      port: 7201 + i,
      redis: ['pubsub-sio-redis'],
    })),
  });

export const topology = defineTopology({
  ...base,
  title: 'Gmail-style Pub/Sub',
  summary: 'Redis Pub/Sub fan-out to socket.io clients, topics, filters, backpressure, historyId catch-up',
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
  engines: {
    default: 'pubsub',
    others: { 'socketio-adapter': socketioAdapterTopology },
    descriptions: {
      pubsub:
        "The pattern's own per-channel Redis Pub/Sub bus, acknowledged outboxes per socket (the lesson)",
      'socketio-adapter':
        '@socket.io/redis-streams-adapter: room broadcasts through a Redis stream, connection state recovery',
    },
  },
});
