import { defineErrorCodes } from '@kvs-lab/shared/service';

/** HTTP error codes of gmail-pubsub beside the kit's (validation, Redis unavailable, timeout...). */
export const errorCodes = defineErrorCodes({
  HISTORY_EXPIRED: { status: 404, title: 'History expired', outcome: 'not_applied' },
});

/**
 * Errors a socket gets in an acknowledgement (and, for subscriptions, a
 * `topics:refused` event). Not HTTP statuses: listed for the README and the client.
 */
export const socketErrorCodes = {
  INVALID_REQUEST: 'the event payload has the wrong shape',
  INVALID_TOPIC: 'the topic name breaks the naming rule',
  FILTER_INVALID: 'the filter has an unknown field (e.g. a regex) or a wrong type',
  FILTER_TOO_LARGE: 'a filter field is over its bound',
  SUBSCRIPTION_LIMIT: 'the socket already holds the maximum number of subscriptions',
  HISTORY_EXPIRED: 'the history was trimmed past sinceHistoryId (or reset): do a full sync',
  REDIS_UNAVAILABLE: 'Redis is out of reach; nothing was read',
} as const;
