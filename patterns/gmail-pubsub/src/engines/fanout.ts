import type { History } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { ChaosFault, Service } from '@kvs-lab/shared/service';
import type { PubsubInput, PubsubOutput } from '../check/delivery-check.ts';
import type { MailNote, TopicPost } from '../domain/notification.ts';
import type {
  ClientView,
  DeliveryCounters,
  FanoutLiveEvents,
  GatewaySettings,
} from '../realtime/gateway-types.ts';
import type { TraceMessages } from '../realtime/protocol-trace.ts';
import type { MailboxStore } from '../store/mailbox-store.ts';

/** The engines that can carry notifications from Redis to the sockets of every instance. */
export const engineNames = ['pubsub', 'socketio-adapter'] as const;
export type EngineName = (typeof engineNames)[number];

/** What an engine may not be able to count, with the reason it cannot (shown in /stats). */
export type Unavailable = Partial<Record<'delivered' | 'filteredOut' | 'dropped' | 'inFlight', string>>;

/** The subscriber side of an engine: whether it hears Redis now, and its own counters. */
export interface FanoutHealth {
  readonly isLive: boolean;
  readonly channels: number;
  readonly received: number;
  readonly malformed: number;
  readonly resubscribes: number;
  readonly lostWhileCut: number;
  readonly lastOutageMs: number | null;
}

/**
 * The port between the service and whatever carries a notification to the
 * sockets of every instance: the pattern's own per-channel Pub/Sub bus, or
 * socket.io's Redis streams adapter. The service appends mail to history the
 * same way on both; only the fan-out differs.
 */
export interface Fanout {
  /** Redis Pub/Sub channels the append script must PUBLISH a new mail on (none when the engine broadcasts it). */
  channelsFor(mail: { readonly userId: string; readonly labels: readonly string[] }): string[];
  /** The mail is in history (and published on the channels above): deliver it to subscribed sockets everywhere. */
  mailAppended(note: MailNote): Promise<void>;
  /** Sends a topic post to every instance; `localSockets` null when the engine cannot tell. */
  publishPost(post: TopicPost): Promise<{ instancesReached: number; localSockets: number | null }>;
  /** Tells every socket of this instance to sync from its cursor: notifications may have been lost. */
  broadcastGap(reason: 'resubscribed' | 'link-recovered'): void;
  reconfigure(outbox: GatewaySettings['outbox']): void;
  clients(): ClientView[];
  topicCounts(): Record<string, number>;
  /** Redis channels (or streams) this instance listens to. */
  channels(): string[];
  health(): FanoutHealth;
  readonly unavailable: Unavailable;
  start(): Promise<void>;
  /** Resolves once nothing of the engine runs against Redis any more: no connection, no read in flight. */
  close(): Promise<void>;
}

/** What every engine is built from: chosen once in app.ts. */
export interface FanoutDeps {
  readonly service: Service;
  readonly redis: RedisNode;
  readonly store: MailboxStore;
  readonly history: History<PubsubInput, PubsubOutput>;
  readonly counters: DeliveryCounters;
  readonly settings: () => GatewaySettings;
  readonly live: <K extends keyof FanoutLiveEvents>(event: K, payload: FanoutLiveEvents[K]) => void;
  /** Protocol messages for the trace, one call per step. */
  readonly trace: TraceMessages;
  /** The adapter's connection state recovery window (ms). */
  readonly maxDisconnectionMs: number;
}

/**
 * An engine in two steps, because the service's chaos routes are declared when it
 * is created and the fan-out needs the created service: first what exists before
 * the service (its faults), then the fan-out itself.
 */
export type FanoutEngine = (
  redis: RedisNode,
  instance: string,
) => { readonly faults: readonly ChaosFault[]; readonly create: (deps: FanoutDeps) => Fanout };
