import type { Socket } from 'socket.io';
import type { ClientPosition } from '../domain/client-position.ts';
import type { SubscriptionSet } from '../domain/subscriptions.ts';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './events.ts';
import type { SocketOutbox } from './socket-outbox.ts';

export type NotificationSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** One connected client as this instance knows it: who, what it listens to, and its outbox. */
export interface ClientSession {
  readonly socket: NotificationSocket;
  readonly userId: string;
  subscriptions: SubscriptionSet;
  readonly outbox: SocketOutbox;
  /** Its mailbox cursor as this instance follows it (acknowledged pushes and syncs). */
  position: ClientPosition;
}
