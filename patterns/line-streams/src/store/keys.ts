/**
 * Every Redis key of line-streams, and nothing else builds one: this file is
 * the data model. Rooms and users are validated names (see http/schemas.ts),
 * so they can sit in a key without escaping.
 */
const prefix = 'lab:line-streams';

export const keys = {
  /** Stream: one chat room's messages, capped at the room's max length. */
  stream: (room: string) => `${prefix}:stream:${room}`,
  /** Set: every room that has a stream (the streams a worker reads). */
  rooms: `${prefix}:rooms`,
  /** Set: consumer groups created on every room's stream (always holds `delivery`). */
  groups: `${prefix}:groups`,
  /** Set: the room's members, who get its messages in their inboxes. */
  members: (room: string) => `${prefix}:members:${room}`,
  /** Hash room -> stream id: the newest entry of the room whose effect is applied (the idempotency mark). */
  applied: `${prefix}:applied`,
  /** String with TTL: clientMsgId -> the stream id of the first send. */
  dedup: (room: string, clientMsgId: string) => `${prefix}:dedup:${room}:${clientMsgId}`,
  /** Counter with a window TTL: sends to the room in the current window. */
  rate: (room: string) => `${prefix}:rate:${room}`,
  /** Stream: messages given up on (too many deliveries, evicted before delivery, acked unapplied). */
  deadLetters: `${prefix}:dead-letters`,
  /** Stream of {room, originalId, id}: dead letters re-queued by a replay (still accounted for), capped. */
  replays: `${prefix}:replays`,
  /** List: a user's inbox, newest first (the workers' effect). */
  inbox: (user: string) => `${prefix}:inbox:${user}`,
  /** Counter: a user's unread messages (the workers' effect). */
  unread: (user: string) => `${prefix}:unread:${user}`,
  /** Hash: running totals (applied, duplicates, deadLettered, redeliveries, evicted, claimed...). */
  counters: `${prefix}:counters`,
  /** Pub/sub channel: rare events (claims, dead letters, evictions) for every instance's live view. */
  events: `${prefix}:events`,
} as const;
