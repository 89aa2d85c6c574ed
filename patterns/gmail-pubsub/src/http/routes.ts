import type { Service } from '@kvs-lab/shared/service';
import type { PubsubService } from '../pubsub-service.ts';
import {
  backpressureBody,
  backpressureSettings,
  historyPage,
  historyQuery,
  mailboxSnapshot,
  mailCreated,
  messagesQuery,
  newMailBody,
  publishBody,
  publishResult,
  statsResult,
  subscribersResult,
  topicParams,
  topicsResult,
  trimBody,
  trimResult,
  userIdParams,
} from './schemas.ts';

const redisErrors = ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'];

/** The REST side of gmail-pubsub: thin, each route parses, calls the service, answers. */
export function mountRoutes(service: Service, pubsub: PubsubService): void {
  service.route({
    method: 'post',
    path: '/users/{userId}/messages',
    summary: 'Simulate new mail: append to history, bump historyId, publish on the mailbox and label topics',
    description:
      'One Lua script does all of it, so a mail is never in history without its notification or the reverse. ' +
      'Redis down: 503 (nothing written). No answer in time: 504 (it may have been written).',
    tags: ['mail'],
    params: userIdParams,
    body: newMailBody,
    bodyExample: { from: 'bob@example.com', subject: 'Lunch?', labels: ['work'] },
    errors: redisErrors,
    responses: { 201: { description: 'Appended and published', schema: mailCreated } },
    handler: async ({ params, body, requestId }) => ({
      status: 201,
      body: await pubsub.publishMail(requestId, params.userId, body),
    }),
  });

  service.route({
    method: 'get',
    path: '/users/{userId}/messages',
    summary: 'Full sync: every retained message, oldest first, page by page (cursor afterHistoryId)',
    description:
      'What a client does after HISTORY_EXPIRED: page from afterHistoryId=0 until hasMore is false, hand each message to ' +
      "the app once, then continue incremental sync from the last page's historyId. Never HISTORY_EXPIRED: it returns " +
      'whatever history still holds.',
    tags: ['mail'],
    params: userIdParams,
    query: messagesQuery,
    errors: redisErrors,
    responses: { 200: { description: 'One page, oldest first', schema: mailboxSnapshot } },
    handler: async ({ params, query }) => {
      const page = await pubsub.listMessages(params.userId, query.afterHistoryId, query.limit);
      return {
        status: 200,
        body: { ...page, messages: page.messages.map(({ kind: _kind, ...message }) => message) },
      };
    },
  });

  service.route({
    method: 'get',
    path: '/users/{userId}/history',
    summary: 'Incremental sync: the events after startHistoryId',
    description:
      '404 HISTORY_EXPIRED when the history was trimmed past startHistoryId (or reset): do a full sync, as in Gmail.',
    tags: ['mail'],
    params: userIdParams,
    query: historyQuery,
    errors: ['HISTORY_EXPIRED', ...redisErrors],
    responses: { 200: { description: 'The events, oldest first', schema: historyPage } },
    handler: async ({ params, query }) => {
      const page = await pubsub.readHistory(params.userId, query.startHistoryId, query.limit);
      return {
        status: 200,
        body: {
          historyId: page.historyId,
          trimmedThrough: page.trimmedThrough,
          hasMore: page.hasMore,
          events: page.entries.map(({ kind: _kind, ...event }) => event),
        },
      };
    },
  });

  service.route({
    method: 'post',
    path: '/users/{userId}/history/trim',
    summary:
      'Trim the history to its newest keepLast entries (what the count cap does), for the full-sync exercise',
    description:
      'Erases mail from history, as the retention caps do: an operator action, so it needs the admin token when one is configured.',
    tags: ['mail'],
    admin: true,
    params: userIdParams,
    body: trimBody,
    bodyExample: { keepLast: 5 },
    errors: redisErrors,
    responses: { 200: { description: 'Trimmed', schema: trimResult } },
    handler: async ({ params, body }) => ({
      status: 200,
      body: await pubsub.trimHistory(params.userId, body.keepLast),
    }),
  });

  service.route({
    method: 'post',
    path: '/topics/{topic}/publish',
    summary: 'Publish on a shared topic; answers how many sockets on this instance took it',
    description:
      "Published through Redis like everything else; the answer waits (up to 1 s) for this instance's own subscriber to hear it back.",
    tags: ['topics'],
    params: topicParams,
    body: publishBody,
    bodyExample: { payload: { from: 'ops@example.com', subject: 'deploy done', labels: ['ops'] } },
    errors: redisErrors,
    responses: { 202: { description: 'Published', schema: publishResult } },
    handler: async ({ params, body, requestId }) => {
      const result = await pubsub.publishPost(requestId, params.topic, body.payload);
      return { status: 202, body: { topic: params.topic, publisher: pubsub.instance, ...result } };
    },
  });

  service.route({
    method: 'get',
    path: '/topics',
    summary: 'Topics with subscribed sockets, on this instance and on all instances',
    tags: ['topics'],
    errors: redisErrors,
    responses: { 200: { description: 'Topic counts', schema: topicsResult } },
    handler: async () => {
      const cluster: Record<string, number> = {};
      for (const presence of await pubsub.clusterPresence()) {
        for (const [topic, count] of Object.entries(presence.subscriptions))
          cluster[topic] = (cluster[topic] ?? 0) + count;
      }
      return {
        status: 200,
        body: {
          instance: pubsub.instance,
          local: pubsub.topicCounts(),
          cluster,
          redisChannels: pubsub.busChannels(),
        },
      };
    },
  });

  service.route({
    method: 'get',
    path: '/subscribers',
    summary:
      'Connected clients with their queues: this instance, and every instance (from presence in Redis)',
    tags: ['topics'],
    errors: redisErrors,
    responses: { 200: { description: 'Subscribers', schema: subscribersResult } },
    handler: async () => {
      const instances = await pubsub.clusterPresence();
      return {
        status: 200,
        body: {
          instance: pubsub.localPresence(pubsub.now()),
          cluster: { sockets: instances.reduce((sum, p) => sum + p.sockets, 0), instances },
        },
      };
    },
  });

  service.route({
    method: 'get',
    path: '/backpressure',
    summary: "This instance's backpressure policy and bounds",
    tags: ['backpressure'],
    responses: { 200: { description: 'Current settings', schema: backpressureSettings } },
    handler: () => ({ status: 200, body: pubsub.backpressure() }),
  });

  service.route({
    method: 'put',
    path: '/backpressure',
    summary:
      'Change the backpressure policy (drop-oldest, coalesce, disconnect) for every socket of this instance',
    description:
      'Changes how this instance treats every slow client: it needs the admin token when one is configured.',
    tags: ['backpressure'],
    admin: true,
    body: backpressureBody,
    bodyExample: { policy: 'coalesce', capacity: 32 },
    responses: { 200: { description: 'New settings', schema: backpressureSettings } },
    handler: ({ body }) => ({
      status: 200,
      body: pubsub.setBackpressure({
        policy: body.policy,
        ...(body.capacity === undefined ? {} : { capacity: body.capacity }),
        ...(body.window === undefined ? {} : { window: body.window }),
      }),
    }),
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: 'Published, delivered, filtered out, dropped, slow clients, subscriber health',
    tags: ['stats'],
    responses: { 200: { description: "This instance's figures", schema: statsResult } },
    handler: () => ({ status: 200, body: pubsub.stats() }),
  });
}
