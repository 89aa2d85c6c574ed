import { z } from '@kvs-lab/shared/service';
import { isReservedLabel, labelPattern, topicPattern, userIdPattern } from '../domain/names.ts';
import { backpressurePolicies } from '../domain/outbox.ts';

export const userIdParams = z.object({
  userId: z
    .string()
    .regex(userIdPattern, 'lower-case letters, digits, . _ - (1-64)')
    .openapi({ example: 'alice' }),
});

export const topicParams = z.object({
  topic: z
    .string()
    .regex(topicPattern, 'lower-case letters, digits, . _ - (1-64)')
    .openapi({ example: 'work' }),
});

const label = z
  .string()
  .regex(labelPattern, 'lower-case letters, digits, . _ - (1-32)')
  .refine((value) => !isReservedLabel(value), '"mailbox" is reserved for the mailbox topic');

export const newMailBody = z
  .strictObject({
    from: z.string().min(3).max(254).openapi({ example: 'bob@example.com' }),
    subject: z.string().max(200).openapi({ example: 'Lunch?' }),
    body: z.string().max(4_000).optional(),
    labels: z
      .array(label)
      .max(10)
      .default([])
      .openapi({ example: ['inbox', 'work'] }),
  })
  .openapi('NewMail');

export const mailCreated = z
  .object({ messageId: z.string(), historyId: z.number().int() })
  .openapi('MailCreated', { example: { messageId: '7f0c3c1e-6c1a-4a57-9f0e-2b1d1f1f6c0a', historyId: 42 } });

export const historyEvent = z
  .object({
    historyId: z.number().int(),
    at: z.number().int().openapi({ description: 'Redis server time of the append, ms since the epoch' }),
    userId: z.string(),
    messageId: z.string(),
    from: z.string(),
    subject: z.string(),
    labels: z.array(z.string()),
    body: z.string().optional(),
  })
  .openapi('HistoryEvent');

export const historyQuery = z.strictObject({
  startHistoryId: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ example: 0 }),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const historyPage = z
  .object({
    historyId: z.number().int().openapi({ description: "The mailbox's latest historyId" }),
    trimmedThrough: z
      .number()
      .int()
      .openapi({ description: 'Everything up to this historyId was trimmed away' }),
    events: z.array(historyEvent),
    hasMore: z
      .boolean()
      .openapi({ description: 'More events past the last one returned: ask again from it' }),
  })
  .openapi('HistoryPage');

export const messagesQuery = z.strictObject({
  afterHistoryId: z.coerce
    .number()
    .int()
    .min(0)
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .openapi({ description: "The page cursor: the previous page's nextAfterHistoryId (0 to start)" }),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

export const mailboxSnapshot = z
  .object({
    historyId: z.number().int().openapi({
      description:
        "The mailbox's latest historyId when this page was read: after the last page, continue incremental sync from it",
    }),
    trimmedThrough: z.number().int(),
    messages: z.array(historyEvent).openapi({ description: 'Oldest first' }),
    hasMore: z
      .boolean()
      .openapi({ description: 'More retained messages follow: ask again with nextAfterHistoryId' }),
    nextAfterHistoryId: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The cursor of the next page; null on the last' }),
  })
  .openapi('MailboxPage');

export const trimBody = z.strictObject({
  keepLast: z.number().int().min(0).max(1_000_000).openapi({ example: 5 }),
});

export const trimResult = z
  .object({ historyId: z.number().int(), trimmedThrough: z.number().int(), removed: z.number().int() })
  .openapi('TrimResult');

export const publishBody = z
  .strictObject({
    payload: z
      .record(z.string().max(64), z.unknown())
      .refine((value) => JSON.stringify(value).length <= 8_192, 'payload is at most 8 KiB of JSON')
      .openapi({ example: { from: 'ops@example.com', subject: 'deploy done', labels: ['ops'] } }),
  })
  .openapi('TopicPublish');

export const publishResult = z
  .object({
    topic: z.string(),
    publisher: z.string(),
    seq: z.number().int().openapi({ description: "This instance's sequence number for the post" }),
    instancesReached: z.number().int().openapi({ description: 'Redis PUBLISH reply: subscribed instances' }),
    localSockets: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Sockets on this instance that took it (null: no echo within 1 s)' }),
  })
  .openapi('TopicPublished');

const positionSchema = z
  .object({
    cursor: z.number().int().nullable().openapi({
      description:
        'The historyId the client has everything up to, as this instance follows it (null: not known yet)',
    }),
    latest: z.number().int().nullable().openapi({ description: "The mailbox's latest historyId heard here" }),
    lastCatchUp: z
      .object({
        kind: z.enum(['sync', 'full-sync']),
        fromHistoryId: z.number().int(),
        toHistoryId: z.number().int(),
        count: z.number().int(),
      })
      .nullable(),
  })
  .openapi('ClientPosition');

const clientSchema = z.object({
  socketId: z.string(),
  userId: z.string(),
  node: z.string().openapi({ description: 'Its name in the trace and the live view: user/socket id start' }),
  position: positionSchema,
  topics: z.array(z.string()),
  queueDepth: z.number().int(),
  inFlight: z
    .number()
    .int()
    .nullable()
    .openapi({ description: 'null on an engine that does not acknowledge pushes' }),
  dropped: z.number().int().nullable().openapi({ description: 'null on an engine without an outbox' }),
});

export const presenceSchema = z
  .object({
    instance: z.string(),
    at: z.number().int(),
    sockets: z.number().int(),
    subscriptions: z.record(z.string(), z.number().int()),
    outbox: z
      .object({ policy: z.string(), window: z.number().int(), capacity: z.number().int() })
      .nullable()
      .openapi({ description: 'Outbox bounds of its sockets; null on an engine without an outbox' }),
    clients: z.array(clientSchema),
  })
  .openapi('InstancePresence');

export const subscribersResult = z
  .object({
    instance: presenceSchema,
    cluster: z.object({ sockets: z.number().int(), instances: z.array(presenceSchema) }),
  })
  .openapi('Subscribers');

export const topicsResult = z
  .object({
    instance: z.string(),
    local: z
      .record(z.string(), z.number().int())
      .openapi({ description: 'Subscribed sockets per topic here' }),
    cluster: z
      .record(z.string(), z.number().int())
      .openapi({ description: 'Subscribed sockets per topic, all instances' }),
    redisChannels: z.array(z.string()).openapi({ description: 'Redis channels this instance subscribes to' }),
  })
  .openapi('Topics');

export const backpressureSettings = z
  .object({
    policy: z.enum(backpressurePolicies),
    capacity: z.number().int(),
    window: z.number().int(),
  })
  .openapi('Backpressure');

export const backpressureBody = z
  .strictObject({
    policy: z.enum(backpressurePolicies),
    capacity: z.number().int().min(1).max(10_000).optional(),
    window: z.number().int().min(1).max(1_000).optional(),
  })
  .openapi('BackpressureChange');

export const statsResult = z
  .object({
    instance: z.string(),
    engine: z.string().openapi({ description: 'What fans out: pubsub (the pattern) or socketio-adapter' }),
    published: z.object({ mail: z.number().int(), posts: z.number().int() }),
    receivedFromRedis: z.number().int(),
    delivered: z.number().int().nullable(),
    filteredOut: z.number().int().nullable(),
    dropped: z.number().int().nullable(),
    disconnectedSlow: z.number().int(),
    slowClients: z
      .number()
      .int()
      .openapi({ description: 'Sockets whose window of unacknowledged pushes is full now' }),
    queued: z.number().int().openapi({ description: 'Pushes waiting in all outboxes now' }),
    sockets: z.number().int(),
    gapsReported: z.number().int(),
    syncs: z.number().int(),
    historyExpired: z.number().int(),
    refused: z.number().int(),
    recovered: z
      .number()
      .int()
      .openapi({ description: "Reconnections restored by socket.io's connection state recovery" }),
    subscriber: z.object({
      isLive: z.boolean(),
      channels: z.number().int(),
      received: z.number().int(),
      malformed: z.number().int(),
      resubscribes: z.number().int(),
      lostWhileCut: z.number().int(),
      lastOutageMs: z
        .number()
        .int()
        .nullable()
        .openapi({ description: 'Subscriber connection lost to subscribed again, last time (ms)' }),
    }),
    backpressure: backpressureSettings,
    unavailable: z
      .record(z.string(), z.string())
      .openapi({ description: 'Why a figure above is null on this engine' }),
  })
  .openapi('Stats');
