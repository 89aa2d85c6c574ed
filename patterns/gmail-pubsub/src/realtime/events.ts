import type { Filter } from '../domain/filter.ts';
import type { MailNote } from '../domain/notification.ts';
import type { BackpressurePolicy } from '../domain/outbox.ts';

/** The socket.io namespace clients connect to, beside the kit's `/live`. */
export const notificationsNamespace = '/notifications';

/** `mail:received`: a hint that the mailbox moved to `historyId` (the body stays in history). */
export interface MailReceived {
  readonly userId: string;
  readonly historyId: number;
  readonly messageId: string;
  /** `mailbox`, or the label topic it came through. */
  readonly topic: string;
  readonly from: string;
  readonly subject: string;
  readonly labels: readonly string[];
  /** Redis server time of the append (ms); latency = receive time - at. */
  readonly at: number;
}

/** The push for one mail through one topic: the notification as the client sees it (no body: that stays in history). */
export function mailReceivedOf(note: MailNote, topic: string): MailReceived {
  return {
    userId: note.userId,
    historyId: note.historyId,
    messageId: note.messageId,
    topic,
    from: note.from,
    subject: note.subject,
    labels: note.labels,
    at: note.at,
  };
}

/** `topic:message`: something published with POST /topics/{topic}/publish. */
export interface TopicMessage {
  readonly topic: string;
  readonly publisher: string;
  readonly seq: number;
  readonly at: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface SocketError {
  readonly code: string;
  readonly detail: string;
}

export type Ack<T> = (
  reply: ({ readonly ok: true } & T) | { readonly ok: false; readonly error: SocketError },
) => void;

export interface SyncEvent {
  readonly userId: string;
  readonly historyId: number;
  readonly messageId: string;
  readonly at: number;
  readonly from: string;
  readonly subject: string;
  readonly labels: readonly string[];
  readonly body?: string;
}

export interface SyncReply {
  /** The highest historyId this reply covers: the client's new cursor. */
  readonly historyId: number;
  readonly events: readonly SyncEvent[];
  /** More events exist past `historyId`: sync again from it. */
  readonly hasMore: boolean;
}

export interface SessionLimits {
  readonly maxSubscriptions: number;
  readonly outboxCapacity: number;
  readonly outboxWindow: number;
  readonly policy: BackpressurePolicy;
}

/** Events a client sends; every one takes an acknowledgement callback. */
export interface ClientToServerEvents {
  'topics:subscribe': (request: unknown, ack?: Ack<{ topic: string; subscriptions: number }>) => void;
  'topics:unsubscribe': (request: unknown, ack?: Ack<{ topic: string; wasSubscribed: boolean }>) => void;
  'history:sync': (request: unknown, ack?: Ack<SyncReply>) => void;
}

/** A push's acknowledgement (pubsub engine), or the recovery offset socket.io appends (socketio-adapter engine). */
export type PushAck = (() => void) | string;

/** Acknowledges a push if the engine asked for it. */
export function acknowledge(ack: PushAck | undefined): void {
  if (typeof ack === 'function') ack();
}

/** Events the server sends; pushes are acknowledged by the client, which is what paces them. */
export interface ServerToClientEvents {
  'session:ready': (session: {
    socketId: string;
    instance: string;
    userId: string;
    limits: SessionLimits;
  }) => void;
  /**
   * The second argument is the acknowledgement on the pubsub engine (call it when read: it paces the pushes).
   * The socketio-adapter engine broadcasts without one (socket.io recovers only packets without
   * acknowledgement) and socket.io-client passes the recovery offset, a string, there instead.
   */
  'mail:received': (mail: MailReceived, ack?: PushAck) => void;
  'topic:message': (message: TopicMessage, ack?: PushAck) => void;
  /** Messages may have been lost (the subscriber reconnected): sync from your cursor. */
  'history:gap': (gap: { reason: 'resubscribed' | 'link-recovered' }) => void;
  /** Pushes this client was too slow for and that were dropped (or superseded) since the last report. */
  'backpressure:dropped': (report: { count: number; total: number; policy: BackpressurePolicy }) => void;
  /** A subscribe or sync request was refused; the acknowledgement carries the same error. */
  'topics:refused': (error: SocketError & { topic?: string }) => void;
}

export interface SocketData {
  userId: string;
  /**
   * The socketio-adapter engine keeps a socket's subscriptions here: socket.io saves `data` and the rooms
   * with the session, so a recovered socket comes back subscribed.
   */
  subscriptions?: { topic: string; filter: Filter }[];
}
