import { RedisNode } from '@kvs-lab/shared/redis';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startRedis } from '@kvs-lab/shared/testing';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { PubsubApp } from '../../src/app.ts';
import { MailboxClient } from '../../src/client/mailbox-client.ts';
import { createApp } from '../../src/app.ts';
import type { PubsubConfig } from '../../src/config.ts';
import { defaultConfig } from '../../src/config.ts';
import type {
  ClientToServerEvents,
  MailReceived,
  ServerToClientEvents,
  TopicMessage,
} from '../../src/realtime/events.ts';
import { acknowledge } from '../../src/realtime/events.ts';

export interface RunningInstance extends PubsubApp {
  readonly url: string;
  readonly node: RedisNode;
}

/** Starts one instance of the service on a free port against `redis`. */
export async function startInstance(
  redis: RedisHandle,
  name: string,
  overrides: Partial<PubsubConfig> = {},
  options: { port?: number; adminToken?: string } = {},
): Promise<RunningInstance> {
  // A shared 2-core machine can stall a command past the kit's 200 ms default; faults (kill, cut) still fail at once.
  const node = new RedisNode(
    { name: 'pubsub-redis', url: redis.url, host: redis.host, port: redis.port },
    { commandTimeoutMs: 2_000 },
  );
  await node.ready();
  const app = await createApp({
    redis: node,
    config: defaultConfig({ SERVICE_NAME: name, PRESENCE_INTERVAL_MS: 200, ...overrides }),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
  });
  const address = await app.service.listen(options.port ?? 0, '127.0.0.1');
  return { ...app, node, url: `http://127.0.0.1:${address.port}` };
}

/** The pattern's topology in miniature: one real redis-server, pubsub-a and pubsub-b. */
export async function startPubsubLab(
  overrides: Partial<PubsubConfig> = {},
  redisOptions: { appendOnly?: boolean } = {},
): Promise<{
  redis: RedisHandle;
  a: RunningInstance;
  b: RunningInstance;
  mailboxClient: (url: string, userId: string) => MailboxClient;
  close: () => Promise<void>;
}> {
  const redis = await startRedis({ name: 'pubsub-redis', ...redisOptions });
  const a = await startInstance(redis, 'pubsub-a', overrides);
  const b = await startInstance(redis, 'pubsub-b', overrides);
  const clients: MailboxClient[] = [];
  return {
    redis,
    a,
    b,
    // A mailbox client (not yet connected) that close() disconnects.
    mailboxClient: (url, userId) => {
      const client = new MailboxClient({ url, userId });
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const client of clients) client.disconnect();
      await a.service.close();
      await b.service.close();
    },
  };
}

/** Polls `condition` until it holds, or fails naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A bare socket.io-client socket that records what it is pushed and acknowledges each push. */
export interface RecordingClient {
  readonly socket: TestSocket;
  readonly mail: MailReceived[];
  readonly posts: TopicMessage[];
  readonly events: { event: string; payload: unknown }[];
  close(): void;
}

export async function connectRecorder(url: string, userId: string): Promise<RecordingClient> {
  const socket: TestSocket = io(`${url}/notifications`, {
    auth: { userId },
    transports: ['websocket'],
    reconnection: false,
  });
  const recorder: RecordingClient = {
    socket,
    mail: [],
    posts: [],
    events: [],
    close: () => socket.disconnect(),
  };
  socket.on('mail:received', (mail, ack) => {
    recorder.mail.push(mail);
    acknowledge(ack);
  });
  socket.on('topic:message', (post, ack) => {
    recorder.posts.push(post);
    acknowledge(ack);
  });
  for (const event of ['topics:refused', 'history:gap', 'backpressure:dropped', 'session:ready'] as const) {
    socket.on(event, (payload: unknown) => recorder.events.push({ event, payload }));
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return recorder;
}

/** Subscribes and returns the acknowledgement. */
export function subscribeTo(socket: TestSocket, topic: string, filter?: unknown): Promise<unknown> {
  return socket.emitWithAck('topics:subscribe', filter === undefined ? { topic } : { topic, filter });
}
