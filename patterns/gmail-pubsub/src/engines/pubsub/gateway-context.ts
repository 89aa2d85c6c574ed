import type { History } from '@kvs-lab/shared/history';
import type { Server } from 'socket.io';
import type { PubsubInput, PubsubOutput } from '../../check/delivery-check.ts';
import type { ClientSession } from '../../realtime/client-session.ts';
import type { DeliveryCounters, FanoutLiveEvents, GatewaySettings } from '../../realtime/gateway-types.ts';
import type { TraceBatch, TraceMessages } from '../../realtime/protocol-trace.ts';
import type { MailboxStore } from '../../store/mailbox-store.ts';
import type { NotificationBus } from './notification-bus.ts';
import type { PushSender } from './push-sender.ts';
import type { SubscriptionRoutes } from './subscription-routes.ts';

export interface GatewayDeps {
  readonly io: Server;
  readonly instance: string;
  readonly bus: NotificationBus;
  readonly store: MailboxStore;
  readonly history: History<PubsubInput, PubsubOutput>;
  readonly counters: DeliveryCounters;
  /** The Redis node's name, as the trace calls it. */
  readonly redisName: string;
  readonly trace: TraceMessages;
  settings(): GatewaySettings;
  live<K extends keyof FanoutLiveEvents>(event: K, payload: FanoutLiveEvents[K]): void;
}

/**
 * The one state the gateway's parts share (connections, routing, fan-out, requests): each part is a
 * file of functions over it, so no part keeps a copy of what another changes.
 */
export interface GatewayContext {
  readonly deps: GatewayDeps;
  /** Every connected socket of this instance, by socket id. */
  readonly sessions: Map<string, ClientSession>;
  readonly routes: SubscriptionRoutes;
  /** Gathers the trace messages of one step (a fan-out, an ack and what it lets out). */
  readonly batch: TraceBatch;
  readonly sender: PushSender;
}
