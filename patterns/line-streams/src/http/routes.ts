import type { Service } from '@kvs-lab/shared/service';
import { z } from '@kvs-lab/shared/service';
import type { LineStreamsService } from '../line-streams-service.ts';
import * as s from './schemas.ts';

const redisErrors = ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'];

/** Thin routes: the schemas validate and document, the service does the work. */
export function mountRoutes(
  service: Service,
  streams: LineStreamsService,
  stats: () => Promise<unknown>,
): void {
  service.route({
    method: 'post',
    path: '/rooms/{room}/messages',
    summary: 'Send a message (XADD with dedup, rate limit and exact MAXLEN, in one script)',
    description:
      '201 for a new message. A resend with the same `clientMsgId`, sender and text within the dedup TTL answers 200 with the first id and `duplicate: true`, storing nothing; the same `clientMsgId` with another sender or text is 409 `IDEMPOTENCY_KEY_REUSED`. At capacity (count, or age with ROOM_MAX_AGE_MS) the oldest entries are trimmed and counted; the ones not yet delivered become dead letters.',
    tags: ['rooms'],
    params: s.roomParams,
    body: s.sendBody,
    bodyExample: { senderId: 'alice', text: 'hello', clientMsgId: 'c-42' },
    errors: ['MESSAGE_TOO_LARGE', 'IDEMPOTENCY_KEY_REUSED', 'RATE_LIMITED', ...redisErrors],
    responses: {
      201: { description: 'Stored', schema: s.sendReply },
      200: { description: 'A retry: the first send had stored it', schema: s.sendReply },
    },
    handler: async ({ params, body, requestId }) => {
      const reply = await streams.send(params.room, body, requestId);
      return { status: reply.duplicate ? 200 : 201, body: reply };
    },
  });

  service.route({
    method: 'get',
    path: '/rooms/{room}/messages',
    summary: "A room's messages in stream order (XRANGE), paged by `after`",
    tags: ['rooms'],
    params: s.roomParams,
    query: s.messagesQuery,
    errors: redisErrors,
    responses: { 200: { description: 'Messages, oldest first', schema: s.messagesReply } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await streams.messages(params.room, query.after, query.limit),
    }),
  });

  service.route({
    method: 'get',
    path: '/rooms',
    summary: 'Every room with its stream length, applied mark and member count',
    tags: ['rooms'],
    errors: redisErrors,
    responses: { 200: { description: 'Rooms', schema: s.roomsReply } },
    handler: async () => ({ status: 200, body: await streams.rooms() }),
  });

  service.route({
    method: 'put',
    path: '/rooms/{room}/members',
    summary: "Replace a room's members (who get its messages in their inboxes)",
    tags: ['rooms'],
    params: s.roomParams,
    body: s.membersBody,
    bodyExample: { members: ['alice', 'bob', 'carol'] },
    errors: redisErrors,
    responses: { 200: { description: 'The members now', schema: s.membersReply } },
    handler: async ({ params, body, requestId }) => ({
      status: 200,
      body: await streams.setMembers(params.room, body.members, requestId),
    }),
  });

  service.route({
    method: 'get',
    path: '/rooms/{room}/members',
    summary: "A room's members",
    tags: ['rooms'],
    params: s.roomParams,
    errors: redisErrors,
    responses: { 200: { description: 'Members', schema: s.membersReply } },
    handler: async ({ params }) => ({ status: 200, body: await streams.members(params.room) }),
  });

  service.route({
    method: 'get',
    path: '/users/{user}/inbox',
    summary: "A user's inbox and unread count: the workers' effect",
    tags: ['inbox'],
    params: s.userParams,
    query: s.inboxQuery,
    errors: redisErrors,
    responses: { 200: { description: 'Inbox, newest first', schema: s.inboxReply } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await streams.inbox(params.user, query.limit),
    }),
  });

  service.route({
    method: 'post',
    path: '/users/{user}/inbox/read',
    summary: 'Mark every message read (unread count back to 0)',
    tags: ['inbox'],
    params: s.userParams,
    errors: redisErrors,
    responses: {
      200: {
        description: 'How many were unread',
        schema: z.object({ user: z.string(), markedRead: z.number().int() }),
      },
    },
    handler: async ({ params }) => ({ status: 200, body: await streams.markRead(params.user) }),
  });

  service.route({
    method: 'get',
    path: '/groups',
    summary: 'Each consumer group: lag, pending count, consumers and their idle times (XINFO)',
    tags: ['groups'],
    errors: redisErrors,
    responses: { 200: { description: 'Groups', schema: s.groupsReply } },
    handler: async () => ({ status: 200, body: await streams.groups() }),
  });

  service.route({
    method: 'put',
    path: '/groups/{group}',
    summary: 'Create a consumer group on every room (XGROUP CREATE), for manual reading',
    description:
      'Rooms created later get it too, and nothing in the API removes it: it changes the lab for every later room, so it needs the admin token when one is set. Reading `delivery` by hand takes messages away from the workers.',
    tags: ['groups'],
    admin: true,
    params: s.groupParams,
    body: s.createGroupBody,
    bodyExample: { startId: '0' },
    errors: redisErrors,
    responses: {
      200: {
        description: 'The group (created: false when it existed)',
        schema: z.object({ group: z.string(), created: z.boolean(), startId: z.string() }),
      },
    },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await streams.createGroup(params.group, body.startId),
    }),
  });

  service.route({
    method: 'get',
    path: '/groups/{group}/pending',
    summary:
      'The PEL: delivered, not acknowledged entries with owner, idle time and delivery count (XPENDING)',
    tags: ['groups'],
    params: s.groupParams,
    query: s.pendingQuery,
    errors: ['GROUP_NOT_FOUND', ...redisErrors],
    responses: { 200: { description: 'Pending entries', schema: z.array(s.pendingEntry) } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await streams.pending(params.group, query.limit),
    }),
  });

  service.route({
    method: 'post',
    path: '/groups/{group}/consumers/{consumer}/read',
    summary: 'Read new entries as a consumer (XREADGROUP ... >), optionally blocking',
    tags: ['groups'],
    params: s.consumerParams,
    body: s.readBody,
    bodyExample: { count: 10, blockMs: 2000 },
    errors: ['GROUP_NOT_FOUND', ...redisErrors],
    responses: { 200: { description: 'Entries now pending for this consumer', schema: z.array(s.message) } },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await streams.read(params.group, params.consumer, body.count, body.blockMs),
    }),
  });

  service.route({
    method: 'post',
    path: '/groups/{group}/ack',
    summary: 'Acknowledge entries of one room (XACK): they leave the PEL',
    tags: ['groups'],
    params: s.groupParams,
    body: s.ackBody,
    bodyExample: { room: 'general', ids: ['1700000000000-0'] },
    errors: ['GROUP_NOT_FOUND', ...redisErrors],
    responses: {
      200: { description: 'How many were pending', schema: z.object({ acked: z.number().int() }) },
    },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await streams.ack(params.group, body.room, body.ids),
    }),
  });

  service.route({
    method: 'post',
    path: '/groups/{group}/claim',
    summary: 'Claim entries idle for minIdleMs (XAUTOCLAIM), as the workers do in the background',
    tags: ['groups'],
    params: s.groupParams,
    body: s.claimBody,
    bodyExample: { minIdleMs: 5000, consumer: 'learner' },
    errors: ['GROUP_NOT_FOUND', ...redisErrors],
    responses: { 200: { description: 'Claimed entries (delivery count + 1)', schema: s.claimReply } },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await streams.claim(params.group, body.consumer, body.minIdleMs, body.count),
    }),
  });

  service.route({
    method: 'get',
    path: '/dead-letters',
    summary: 'Messages given up on, newest first',
    tags: ['dead letters'],
    query: s.deadLettersQuery,
    errors: redisErrors,
    responses: { 200: { description: 'Dead letters', schema: z.array(s.deadLetter) } },
    handler: async ({ query }) => ({ status: 200, body: await streams.deadLetters(query.limit) }),
  });

  service.route({
    method: 'post',
    path: '/dead-letters/{id}/replay',
    summary: 'Re-queue a dead letter into its room as a new entry (atomic: it leaves the dead letters)',
    tags: ['dead letters'],
    params: s.deadLetterParams,
    errors: ['DEAD_LETTER_NOT_FOUND', ...redisErrors],
    responses: { 201: { description: 'Re-queued', schema: s.replayReply } },
    handler: async ({ params, requestId }) => ({
      status: 201,
      body: await streams.replay(params.id, requestId),
    }),
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: "This pattern's figures: Redis-wide counters and this instance's worker",
    tags: ['stats'],
    errors: redisErrors,
    responses: { 200: { description: 'Figures', schema: s.statsReply } },
    handler: async () => ({ status: 200, body: await stats() }),
  });
}
