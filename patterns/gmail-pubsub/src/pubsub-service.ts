import { randomUUID } from 'node:crypto';
import { History, recorded } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';

import type { Service } from '@kvs-lab/shared/service';
import type { PubsubConfig } from './config.ts';
import type { PubsubInput, PubsubOutput } from './check/delivery-check.ts';
import type { MailboxPage } from './domain/history-window.ts';
import type { TopicPost } from './domain/notification.ts';
import type { BackpressurePolicy } from './domain/outbox.ts';
import type { Fanout, FanoutDeps } from './engines/fanout.ts';
import { FleetPresence } from './fleet-presence.ts';
import { listMessages, readHistory } from './mailbox-reads.ts';
import type { PubsubCounters, PubsubStats } from './pubsub-stats.ts';
import { newCounters, statsOf } from './pubsub-stats.ts';
import type { ClientView, FanoutLiveEvents, GatewaySettings } from './realtime/gateway-types.ts';
import type { TraceMessages } from './realtime/protocol-trace.ts';
import type { HistoryEntry, HistoryPage } from './store/mailbox-store.ts';
import { MailboxStore } from './store/mailbox-store.ts';
import type { InstancePresence } from './store/presence-store.ts';

/** Everything the live view hears, `entity:action`. */
export interface PubsubLiveEvents extends FanoutLiveEvents {
  'mail:published': { instance: string; userId: string; historyId: number; labels: readonly string[] };
  'instances:updated': { instances: InstancePresence[] };
  [event: `${string}:${string}`]: unknown;
}

type LiveEmit = <K extends keyof PubsubLiveEvents>(event: K, payload: PubsubLiveEvents[K]) => void;

type FannedOut = FanoutLiveEvents['notification:fanned-out'];
/** Fan-outs a freshly opened live view is given, so it draws what a page open all along shows. */
const fanoutsKept = 12;

export interface NewMailRequest {
  readonly from: string;
  readonly subject: string;
  readonly body?: string;
  readonly labels: readonly string[];
}

/**
 * The use cases of gmail-pubsub, in the order a learner meets them: publish a
 * mail (history + historyId + notification in one step), fan it out from Redis
 * to sockets, catch up from history, and watch the fleet.
 */
export class PubsubService {
  readonly history = new History<PubsubInput, PubsubOutput>();
  readonly counters: PubsubCounters = newCounters();
  readonly store: MailboxStore;
  private readonly presence: FleetPresence;
  /** The engine that carries notifications to the sockets of every instance. */
  readonly fanout: Fanout;
  private settings: GatewaySettings;
  private seq = 0;
  private linkWasCut = false;
  private readonly fanouts: FannedOut[] = [];

  private readonly service: Service;
  private readonly redis: RedisNode;
  private readonly config: PubsubConfig;
  private readonly live: LiveEmit;
  private readonly trace: TraceMessages;
  readonly now: () => number;

  constructor(
    service: Service,
    redis: RedisNode,
    config: PubsubConfig,
    live: LiveEmit,
    createFanout: (deps: FanoutDeps) => Fanout,
    trace: TraceMessages,
    // The clock (ms) presence and notification times read, passed in so a test can drive time.
    now: () => number = Date.now,
  ) {
    this.now = now;
    this.service = service;
    this.redis = redis;
    this.config = config;
    this.live = live;
    this.trace = trace;
    this.store = new MailboxStore(redis, {
      maxCount: config.HISTORY_MAX_COUNT,
      maxAgeMs: config.HISTORY_MAX_AGE_MS,
    });
    this.settings = {
      maxSubscriptionsPerSocket: config.MAX_SUBSCRIPTIONS_PER_SOCKET,
      syncPageMax: config.SYNC_PAGE_MAX,
      outbox: {
        policy: config.BACKPRESSURE_POLICY,
        capacity: config.OUTBOX_CAPACITY,
        window: config.OUTBOX_WINDOW,
      },
    };
    this.fanout = createFanout({
      service,
      redis,
      store: this.store,
      history: this.history,
      counters: this.counters,
      settings: () => this.settings,
      live: (event, payload) => {
        if (event === 'notification:fanned-out') this.keepFanout(payload as FannedOut);
        live(event, payload as PubsubLiveEvents[typeof event]);
      },
      trace,
      maxDisconnectionMs: config.RECOVERY_MAX_DISCONNECTION_MS,
    });
    this.presence = new FleetPresence(redis, {
      instance: service.instance,
      fanout: this.fanout,
      intervalMs: config.PRESENCE_INTERVAL_MS,
      outbox: () => this.settings.outbox,
      now,
      onUpdate: (instances) => live('instances:updated', { instances }),
    });
  }

  get instance(): string {
    return this.service.instance;
  }

  /** Starts the fan-out engine and presence reports. */
  async start(): Promise<void> {
    // Notifications that arrived while the /chaos link was cut were thrown away: tell clients once it heals.
    this.service.events.on('chaos', () => {
      const isCut = this.redis.linkState().mode === 'cut';
      if (this.linkWasCut && !isCut) this.fanout.broadcastGap('link-recovered');
      this.linkWasCut = isCut;
    });
    await this.fanout.start();
    await this.presence.start();
  }

  async close(): Promise<void> {
    await this.presence.close();
    await this.fanout.close();
  }

  /**
   * New mail: history entry and historyId in one Lua script (nothing half-written), published
   * there too on the Pub/Sub engine; the adapter engine broadcasts it once it is in history.
   */
  async publishMail(
    requestId: string,
    userId: string,
    mail: NewMailRequest,
  ): Promise<{ messageId: string; historyId: number }> {
    const messageId = randomUUID();
    const { historyId } = await this.record(
      requestId,
      'publish-mail',
      { kind: 'publish-mail', userId, labels: mail.labels },
      async () => {
        const appended = await this.store.append(
          { userId, messageId, ...mail },
          this.fanout.channelsFor({ userId, labels: mail.labels }),
        );
        await this.fanout.mailAppended({
          kind: 'mail',
          userId,
          historyId: appended.historyId,
          messageId,
          at: appended.at,
          from: mail.from,
          subject: mail.subject,
          labels: mail.labels,
        });
        return appended;
      },
    );
    this.counters.mailPublished += 1;
    this.trace([
      {
        from: this.instance,
        to: this.redis.name,
        kind: 'publish',
        detail: { userId, historyId, messageId, labels: mail.labels, engine: this.config.ENGINE },
      },
    ]);
    this.live('mail:published', { instance: this.instance, userId, historyId, labels: mail.labels });
    return { messageId, historyId };
  }

  /** Publishes on a shared topic through the engine; the answer says how many local sockets took it. */
  async publishPost(
    requestId: string,
    topic: string,
    payload: Readonly<Record<string, unknown>>,
  ): Promise<{ seq: number; instancesReached: number; localSockets: number | null }> {
    this.seq += 1;
    const post: TopicPost = {
      kind: 'post',
      topic,
      publisher: this.instance,
      seq: this.seq,
      at: this.now(),
      payload,
    };
    const output = await this.record(
      requestId,
      'publish-post',
      { kind: 'publish-post', topic },
      async () => ({
        seq: post.seq,
        ...(await this.fanout.publishPost(post)),
      }),
    );
    this.counters.postsPublished += 1;
    return output;
  }

  /** The events after `startHistoryId`; HISTORY_EXPIRED when trimmed past it or when it is ahead (a reset). */
  readHistory(
    userId: string,
    startHistoryId: number,
    limit: number,
  ): Promise<HistoryPage & { hasMore: boolean }> {
    return readHistory(this.store, { userId, startHistoryId, limit }, () => {
      this.counters.historyExpired += 1;
    });
  }

  /** One page of a full sync, oldest first: never HISTORY_EXPIRED. */
  listMessages(
    userId: string,
    afterHistoryId: number,
    limit: number,
  ): Promise<{ historyId: number; trimmedThrough: number; messages: readonly HistoryEntry[] } & MailboxPage> {
    return listMessages(this.store, { userId, afterHistoryId, limit });
  }

  trimHistory(
    userId: string,
    keepLast: number,
  ): Promise<{ historyId: number; trimmedThrough: number; removed: number }> {
    return this.store.trim(userId, keepLast);
  }

  backpressure(): GatewaySettings['outbox'] {
    return this.settings.outbox;
  }

  /** Changes the policy (and bounds) for every socket of this instance, now. */
  setBackpressure(outbox: {
    policy: BackpressurePolicy;
    capacity?: number;
    window?: number;
  }): GatewaySettings['outbox'] {
    this.settings = {
      ...this.settings,
      outbox: {
        policy: outbox.policy,
        capacity: outbox.capacity ?? this.settings.outbox.capacity,
        window: outbox.window ?? this.settings.outbox.window,
      },
    };
    this.fanout.reconfigure(this.settings.outbox);
    return this.settings.outbox;
  }

  localPresence(now: number): InstancePresence {
    return this.presence.local(now);
  }

  /** Every instance that reported in the last three intervals (this one included, fresh). */
  clusterPresence(): Promise<InstancePresence[]> {
    return this.presence.cluster();
  }

  /** The last fan-outs this instance drew, newest first. */
  recentFanouts(): readonly FannedOut[] {
    return this.fanouts;
  }

  private keepFanout(event: FannedOut): void {
    this.fanouts.unshift(event);
    this.fanouts.length = Math.min(this.fanouts.length, fanoutsKept);
  }

  clients(): ClientView[] {
    return this.fanout.clients();
  }

  topicCounts(): Record<string, number> {
    return this.fanout.topicCounts();
  }

  busChannels(): string[] {
    return this.fanout.channels();
  }

  /** This instance's figures; a figure the engine cannot count is null, with the reason in `unavailable`. */
  stats(): PubsubStats {
    return statsOf(
      { instance: this.instance, engine: this.config.ENGINE, backpressure: this.settings.outbox },
      this.counters,
      this.fanout,
    );
  }

  /** The history stores the union of outputs; the caller gets the type its operation returned. */
  private record<T extends PubsubOutput>(
    requestId: string,
    kind: string,
    input: PubsubInput,
    operation: () => Promise<T>,
  ): Promise<T> {
    return recorded(this.history, requestId, kind, input, operation, (result): PubsubOutput => result);
  }
}
