import { randomUUID } from 'node:crypto';
import { History, recorded } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';

import type { Service } from '@kvs-lab/shared/service';
import type { PubsubConfig } from './config.ts';
import type { PubsubInput, PubsubOutput } from './check/delivery-check.ts';
import type { MailboxPage } from './domain/history-window.ts';
import { pageMailbox, reachHistory } from './domain/history-window.ts';
import type { TopicPost } from './domain/notification.ts';
import type { BackpressurePolicy } from './domain/outbox.ts';
import type { Fanout, FanoutDeps, Unavailable } from './engines/fanout.ts';
import type {
  ClientView,
  DeliveryCounters,
  FanoutLiveEvents,
  GatewaySettings,
} from './realtime/gateway-types.ts';
import type { TraceMessages } from './realtime/protocol-trace.ts';
import type { HistoryEntry, HistoryPage } from './store/mailbox-store.ts';
import { MailboxStore } from './store/mailbox-store.ts';
import type { InstancePresence } from './store/presence-store.ts';
import { PresenceStore } from './store/presence-store.ts';
import { AppError } from './errors.ts';

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
  readonly counters: DeliveryCounters & { mailPublished: number; postsPublished: number } = {
    mailPublished: 0,
    postsPublished: 0,
    received: 0,
    delivered: 0,
    filteredOut: 0,
    dropped: 0,
    disconnectedSlow: 0,
    gapsReported: 0,
    syncs: 0,
    historyExpired: 0,
    refused: 0,
    recovered: 0,
  };
  readonly store: MailboxStore;
  private readonly presence: PresenceStore;
  /** The engine that carries notifications to the sockets of every instance. */
  readonly fanout: Fanout;
  private settings: GatewaySettings;
  private seq = 0;
  private presenceTimer: NodeJS.Timeout | undefined;
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
    this.presence = new PresenceStore(redis);
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
    this.presenceTimer = setInterval(() => void this.reportPresence(), this.config.PRESENCE_INTERVAL_MS);
    this.presenceTimer.unref();
    await this.reportPresence();
  }

  async close(): Promise<void> {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    await this.presence.remove(this.instance).catch(() => undefined);
    this.fanout.close();
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
  async readHistory(
    userId: string,
    startHistoryId: number,
    limit: number,
  ): Promise<HistoryPage & { hasMore: boolean }> {
    const page = await this.store.read(userId, { startHistoryId, limit });
    const reach = reachHistory(startHistoryId, page, limit);
    if (!reach.ok) {
      this.counters.historyExpired += 1;
      throw new AppError(
        'HISTORY_EXPIRED',
        reach.reason === 'ahead'
          ? `startHistoryId ${startHistoryId} is ahead of the mailbox (latest ${page.historyId}): the history was reset; do a full sync.`
          : `History up to ${page.trimmedThrough} was trimmed; startHistoryId ${startHistoryId} is too old: do a full sync.`,
        { extras: { historyId: page.historyId, trimmedThrough: page.trimmedThrough } },
      );
    }
    return { ...page, hasMore: reach.hasMore };
  }

  /**
   * One page of a full sync: the retained messages after `afterHistoryId`, oldest
   * first. Never HISTORY_EXPIRED: a full sync takes whatever history still holds.
   */
  async listMessages(
    userId: string,
    afterHistoryId: number,
    limit: number,
  ): Promise<{ historyId: number; trimmedThrough: number; messages: readonly HistoryEntry[] } & MailboxPage> {
    const page = await this.store.read(userId, { startHistoryId: afterHistoryId, limit });
    return {
      historyId: page.historyId,
      trimmedThrough: page.trimmedThrough,
      messages: page.entries,
      ...pageMailbox(page, limit),
    };
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
    const clients = this.fanout.clients();
    return {
      instance: this.instance,
      at: now,
      sockets: clients.length,
      subscriptions: this.fanout.topicCounts(),
      // An engine that cannot count drops has no outbox to draw.
      outbox: this.fanout.unavailable.dropped === undefined ? this.settings.outbox : null,
      clients: clients.map(({ isSlow: _isSlow, ...client }) => client),
    };
  }

  /** Every instance that reported in the last three intervals (this one included, fresh). */
  async clusterPresence(): Promise<InstancePresence[]> {
    const now = this.now();
    const others = await this.presence.readAll(now, this.config.PRESENCE_INTERVAL_MS * 3);
    return [this.localPresence(now), ...others.filter((p) => p.instance !== this.instance)].sort((a, b) =>
      a.instance.localeCompare(b.instance),
    );
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
  stats(): {
    instance: string;
    engine: string;
    published: { mail: number; posts: number };
    receivedFromRedis: number;
    delivered: number | null;
    filteredOut: number | null;
    dropped: number | null;
    disconnectedSlow: number;
    slowClients: number;
    queued: number;
    sockets: number;
    gapsReported: number;
    syncs: number;
    historyExpired: number;
    refused: number;
    recovered: number;
    subscriber: ReturnType<Fanout['health']>;
    backpressure: GatewaySettings['outbox'];
    unavailable: Unavailable;
  } {
    const clients = this.fanout.clients();
    const c = this.counters;
    const { unavailable } = this.fanout;
    const counted = (name: keyof Unavailable, value: number) =>
      unavailable[name] === undefined ? value : null;
    return {
      instance: this.instance,
      engine: this.config.ENGINE,
      published: { mail: c.mailPublished, posts: c.postsPublished },
      receivedFromRedis: c.received,
      delivered: counted('delivered', c.delivered),
      filteredOut: counted('filteredOut', c.filteredOut),
      dropped: counted('dropped', c.dropped),
      disconnectedSlow: c.disconnectedSlow,
      slowClients: clients.filter((client) => client.isSlow).length,
      queued: clients.reduce((sum, client) => sum + client.queueDepth, 0),
      sockets: clients.length,
      gapsReported: c.gapsReported,
      syncs: c.syncs,
      historyExpired: c.historyExpired,
      refused: c.refused,
      recovered: c.recovered,
      subscriber: this.fanout.health(),
      backpressure: this.settings.outbox,
      unavailable,
    };
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

  private async reportPresence(): Promise<void> {
    const local = this.localPresence(this.now());
    try {
      await this.presence.write(local);
      this.live('instances:updated', { instances: await this.clusterPresence() });
    } catch {
      // Redis is out of reach: the live view still shows this instance.
      this.live('instances:updated', { instances: [local] });
    }
  }
}
