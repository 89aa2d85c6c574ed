import type { FilterSubject } from './filter.ts';
import { mailboxTopic } from './names.ts';

/** A new-mail notification as it travels through Redis: the history entry without the body. */
export interface MailNote {
  readonly kind: 'mail';
  readonly userId: string;
  readonly historyId: number;
  readonly messageId: string;
  /** Redis server time of the append, ms since the epoch. */
  readonly at: number;
  readonly from: string;
  readonly subject: string;
  readonly labels: readonly string[];
}

/** A message published on a shared topic; `seq` orders one publisher's posts. */
export interface TopicPost {
  readonly kind: 'post';
  readonly topic: string;
  /** The service instance that published it. */
  readonly publisher: string;
  readonly seq: number;
  readonly at: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export type Notification = MailNote | TopicPost;

/** The topics a mail is published on: its user's mailbox and one shared topic per label. */
export const mailTopics = (labels: readonly string[]): readonly string[] => [mailboxTopic, ...labels];

/** The fields a filter judges: a post exposes `from`, `subject` and `labels` of its payload when they have the right type. */
export function filterSubjectOf(note: Notification): FilterSubject {
  if (note.kind === 'mail') return { from: note.from, subject: note.subject, labels: note.labels };
  const { from, subject, labels } = note.payload;
  return {
    ...(typeof from === 'string' ? { from } : {}),
    ...(typeof subject === 'string' ? { subject } : {}),
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
  };
}

/**
 * Who orders a stream of notifications: a mailbox orders its mail by historyId,
 * an instance orders its posts by seq. Order and duplicates are judged per source.
 */
export function sourceOf(note: Notification): { readonly source: string; readonly position: number } {
  return note.kind === 'mail'
    ? { source: `user:${note.userId}`, position: note.historyId }
    : { source: `publisher:${note.publisher}`, position: note.seq };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Checks what arrived on a channel before anything routes it: anyone with
 * redis-cli can PUBLISH there, and one malformed message must not stop an instance.
 */
export function asNotification(value: unknown): Notification | undefined {
  if (!isRecord(value) || typeof value.at !== 'number') return undefined;
  if (value.kind === 'mail') {
    const { userId, historyId, messageId, from, subject, labels } = value;
    const isMail =
      typeof userId === 'string' &&
      isCount(historyId) &&
      typeof messageId === 'string' &&
      typeof from === 'string' &&
      typeof subject === 'string' &&
      Array.isArray(labels) &&
      labels.every((label) => typeof label === 'string');
    return isMail ? (value as unknown as MailNote) : undefined;
  }
  if (value.kind === 'post') {
    const { topic, publisher, seq, payload } = value;
    const isPost =
      typeof topic === 'string' && typeof publisher === 'string' && isCount(seq) && isRecord(payload);
    return isPost ? (value as unknown as TopicPost) : undefined;
  }
  return undefined;
}
