import type { ClientPosition } from '../domain/client-position.ts';
import type { OutboxSettings } from './socket-outbox.ts';

/** What the service counts, whichever engine fans out. */
export interface DeliveryCounters {
  received: number;
  delivered: number;
  filteredOut: number;
  dropped: number;
  disconnectedSlow: number;
  gapsReported: number;
  syncs: number;
  historyExpired: number;
  refused: number;
  /** Reconnections that socket.io's connection state recovery restored (the adapter engine). */
  recovered: number;
}

export interface GatewaySettings {
  readonly maxSubscriptionsPerSocket: number;
  readonly syncPageMax: number;
  readonly outbox: OutboxSettings;
}

/** One connected client as /subscribers and the live view show it; null where the engine cannot tell. */
export interface ClientView {
  readonly socketId: string;
  readonly userId: string;
  /** Its name in the trace and the live view (see protocol-trace.ts). */
  readonly node: string;
  readonly topics: string[];
  /** Pushes waiting for this socket: our outbox's queue, or engine.io's write buffer. */
  readonly queueDepth: number;
  readonly inFlight: number | null;
  readonly dropped: number | null;
  readonly isSlow: boolean;
  /** Its mailbox cursor against the latest historyId, as this instance can tell. */
  readonly position: ClientPosition;
}

/** What the gateways and engines tell the live view. */
export interface FanoutLiveEvents {
  'client:connected': { socketId: string; userId: string; recovered?: boolean };
  'client:disconnected': { socketId: string; userId: string; reason: string };
  'history:synced': {
    socketId: string;
    userId: string;
    sinceHistoryId: number;
    count: number;
    historyId: number;
    latest: number;
  };
  'history:expired': { socketId: string; userId: string; sinceHistoryId: number; trimmedThrough: number };
  'backpressure:dropped': { socketId: string; userId: string; count: number; total: number };
  'notification:fanned-out': {
    instance: string;
    topic: string;
    source: string;
    position: number;
    accepted: number | null;
  };
  'bus:resubscribed': { instance: string };
}
