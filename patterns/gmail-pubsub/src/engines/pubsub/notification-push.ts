import { mailboxTopic } from '../../domain/names.ts';
import type { Notification } from '../../domain/notification.ts';
import { mailReceivedOf } from '../../realtime/events.ts';
import type { Push } from '../../realtime/socket-outbox.ts';
import type { ChannelTarget } from '../../store/keys.ts';

/** The topic a socket subscribed to that a notification on `target` answers: its mailbox, or the shared topic. */
export const topicOf = (target: ChannelTarget): string =>
  target.kind === 'mailbox' ? mailboxTopic : target.topic;

/** What every socket is sent for one notification: one payload for all, only the acknowledgement differs. */
export function pushOf(note: Notification, topic: string): Push {
  return note.kind === 'mail'
    ? { event: 'mail:received', payload: mailReceivedOf(note, topic), note }
    : {
        event: 'topic:message',
        payload: { topic, publisher: note.publisher, seq: note.seq, at: note.at, payload: note.payload },
        note,
      };
}

/** Under `coalesce`, a waiting push is superseded by a newer one from the same mailbox or publisher on the topic. */
export const coalesceKeyOf = (note: Notification, topic: string): string =>
  note.kind === 'mail' ? `mail|${topic}|${note.userId}` : `post|${topic}|${note.publisher}`;

/** Where a push sits in its source's order, as the trace shows it. */
export const positionOf = (note: Notification): { historyId: number } | { seq: number } =>
  note.kind === 'mail' ? { historyId: note.historyId } : { seq: note.seq };
