/**
 * Every Redis key and channel of gmail-pubsub, and nothing else builds one.
 *
 * - `mailbox:<userId>`  hash   historyId (last assigned), trimmedThrough (highest historyId trimmed away)
 * - `history:<userId>`  zset   score historyId, member the history entry as JSON (capped by count and age)
 * - `presence`          hash   instance name -> JSON of its sockets and subscriptions, refreshed every second
 * - channel `mailbox:<userId>` carries a user's new-mail notifications; channel `topic:<name>` a shared topic
 * - `sio:stream`        stream  the socketio-adapter engine: every broadcast, read by every instance (capped)
 * - `sio:session:<pid>` string  the socketio-adapter engine: a disconnected socket's session, for recovery
 */
const prefix = 'lab:gmail-pubsub';

export const keys = {
  mailbox: (userId: string) => `${prefix}:mailbox:${userId}`,
  history: (userId: string) => `${prefix}:history:${userId}`,
  presence: `${prefix}:presence`,
  adapterStream: `${prefix}:sio:stream`,
  adapterSessionPrefix: `${prefix}:sio:session:`,
  adapterChannelPrefix: `${prefix}:sio`,
} as const;

const mailboxChannelPrefix = `${prefix}:channel:mailbox:`;
const topicChannelPrefix = `${prefix}:channel:topic:`;

export const channels = {
  mailbox: (userId: string) => `${mailboxChannelPrefix}${userId}`,
  topic: (topic: string) => `${topicChannelPrefix}${topic}`,
} as const;

/** What a channel carries, read back from its name when a message arrives. */
export type ChannelTarget =
  { readonly kind: 'mailbox'; readonly userId: string } | { readonly kind: 'topic'; readonly topic: string };

export function parseChannel(channel: string): ChannelTarget | undefined {
  if (channel.startsWith(mailboxChannelPrefix))
    return { kind: 'mailbox', userId: channel.slice(mailboxChannelPrefix.length) };
  if (channel.startsWith(topicChannelPrefix))
    return { kind: 'topic', topic: channel.slice(topicChannelPrefix.length) };
  return undefined;
}
