import { randomUUID } from 'node:crypto';
import { History, recorded } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { AppError } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { PubsubConfig } from './config.ts';
import type { PubsubInput, PubsubOutput } from './domain/delivery-check.ts';
import type { MailboxPage } from './domain/history-window.ts';
import { pageMailbox, reachHistory } from './domain/history-window.ts';
import type { Notification, TopicPost } from './domain/notification.ts';
import type { BackpressurePolicy } from './domain/outbox.ts';
import { NotificationGateway } from './realtime/notification-gateway.ts';
import type {
  DeliveryCounters,
  GatewayLiveEvents,
  GatewaySettings,
} from './realtime/notification-gateway.ts';
import type { ChannelTarget } from './store/keys.ts';
import { channels } from './store/keys.ts';
import type { HistoryEntry, HistoryPage } from './store/mailbox-store.ts';
import { MailboxStore } from './store/mailbox-store.ts';
import type { NotificationBus } from './store/notification-bus.ts';
import type { InstancePresence } from './store/presence-store.ts';
import { PresenceStore } from './store/presence-store.ts';

/** Everything the live view hears, `entity:action`. */
export interface PubsubLiveEvents extends GatewayLiveEvents {
  'mail:published': { instance: string; userId: string; historyId: number; labels: readonly string[] };
  'notification:fanned-out': {
    instance: string;
    topic: string;
    source: string;
    position: number;
    accepted: number;
  };
  'instances:updated': { instances: InstancePresence[] };
  'bus:resubscribed': { instance: string };
  [event: `${string}:${string}`]: unknown;
}

type LiveEmit = <K extends keyof PubsubLiveEvents>(event: K, payload: PubsubLiveEvents[K]) => void;

export interface NewMailRequest {
  readonly from: string;
  readonly subject: string;
  readonly body?: string;
  readonly labels: readonly string[];
}

const echoTimeoutMs = 1_000;
// A page that shows every fan-out at 500 messages/s would melt: the live view gets at most this many per second.
const liveFanoutPerSecond = 20;

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
  };
  readonly store: MailboxStore;
  private readonly presence: PresenceStore;
  private readonly gateway: NotificationGateway;
  private settings: GatewaySettings;
  private seq = 0;
  private readonly echoes = new Map<number, (accepted: number) => void>();
  private presenceTimer: NodeJS.Timeout | undefined;
  private liveBudget = { second: 0, used: 0 };
  private linkWasCut = false;

  private readonly service: Service;
  private readonly redis: RedisNode;
  private readonly bus: NotificationBus;
  private readonly config: PubsubConfig;
  private readonly live: LiveEmit;

  constructor(
    service: Service,
    redis: RedisNode,
    bus: NotificationBus,
    config: PubsubConfig,
    live: LiveEmit,
  ) {
    this.service = service;
    this.redis = redis;
    this.bus = bus;
    this.config = config;
    this.live = live;
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
    this.gateway = new NotificationGateway({
      io: service.io,
      instance: service.instance,
      bus,
      store: this.store,
      history: this.history,
      counters: this.counters,
      settings: () => this.settings,
      live: (event, payload) => live(event, payload as PubsubLiveEvents[typeof event]),
    });
  }

  get instance(): string {
    return this.service.instance;
  }

  /** Subscribes to Redis and starts reporting presence. */
  async start(): Promise<void> {
    this.bus.events.on('notification', (target, note) => this.onNotification(target, note));
    this.bus.events.on('resubscribed', () => {
      this.live('bus:resubscribed', { instance: this.instance });
      this.gateway.broadcastGap('resubscribed');
    });
    // Notifications that arrived while the /chaos link was cut were thrown away: tell clients once it heals.
    this.service.events.on('chaos', () => {
      const isCut = this.redis.linkState().mode === 'cut';
      if (this.linkWasCut && !isCut) this.gateway.broadcastGap('link-recovered');
      this.linkWasCut = isCut;
    });
    await this.bus.start();
    this.presenceTimer = setInterval(() => void this.reportPresence(), this.config.PRESENCE_INTERVAL_MS);
    this.presenceTimer.unref();
    await this.reportPresence();
  }

  async close(): Promise<void> {
    if (this.presenceTimer) clearInterval(this.presenceTimer);
    this.gateway.close();
    await this.presence.remove(this.instance).catch(() => undefined);
    this.bus.close();
  }

  /** New mail: history entry, historyId and notifications in one Lua script (nothing half-written). */
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
      () => this.store.append({ userId, messageId, ...mail }),
    );
    this.counters.mailPublished += 1;
    this.live('mail:published', { instance: this.instance, userId, historyId, labels: mail.labels });
    return { messageId, historyId };
  }

  /**
   * Publishes on a shared topic and waits for this instance's own subscriber to
   * hear it back, so the answer can say how many local sockets took it.
   */
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
      at: Date.now(),
      payload,
    };
    const echoed = new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        this.echoes.delete(post.seq);
        resolve(null);
      }, echoTimeoutMs);
      this.echoes.set(post.seq, (accepted) => {
        clearTimeout(timer);
        this.echoes.delete(post.seq);
        resolve(accepted);
      });
    });
    const output = await this.record(requestId, 'publish-post', { kind: 'publish-post', topic }, async () => {
      let instancesReached: number;
      try {
        instancesReached = await this.redis.run((client) =>
          client.publish(channels.topic(topic), JSON.stringify(post)),
        );
      } catch (error) {
        this.echoes.get(post.seq)?.(0);
        throw error;
      }
      // This instance does not subscribe to the topic (or nobody does): there is no echo to wait for.
      const isListeningHere = instancesReached > 0 && this.bus.channels().includes(channels.topic(topic));
      if (!isListeningHere) this.echoes.get(post.seq)?.(0);
      const localSockets = await echoed;
      return { seq: post.seq, localSockets, instancesReached };
    });
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
    this.gateway.reconfigure(this.settings.outbox);
    return this.settings.outbox;
  }

  localPresence(now: number): InstancePresence {
    const clients = this.gateway.clients();
    return {
      instance: this.instance,
      at: now,
      sockets: clients.length,
      subscriptions: this.gateway.topicCounts(),
      clients: clients.map(({ isSlow: _isSlow, ...client }) => client),
    };
  }

  /** Every instance that reported in the last three intervals (this one included, fresh). */
  async clusterPresence(): Promise<InstancePresence[]> {
    const now = Date.now();
    const others = await this.presence.readAll(now, this.config.PRESENCE_INTERVAL_MS * 3);
    return [this.localPresence(now), ...others.filter((p) => p.instance !== this.instance)].sort((a, b) =>
      a.instance.localeCompare(b.instance),
    );
  }

  clients(): ReturnType<NotificationGateway['clients']> {
    return this.gateway.clients();
  }

  topicCounts(): Record<string, number> {
    return this.gateway.topicCounts();
  }

  busChannels(): string[] {
    return this.bus.channels();
  }

  stats(): {
    instance: string;
    published: { mail: number; posts: number };
    receivedFromRedis: number;
    delivered: number;
    filteredOut: number;
    dropped: number;
    disconnectedSlow: number;
    slowClients: number;
    queued: number;
    sockets: number;
    gapsReported: number;
    syncs: number;
    historyExpired: number;
    refused: number;
    subscriber: ReturnType<NotificationBus['stats']>;
    backpressure: GatewaySettings['outbox'];
  } {
    const clients = this.gateway.clients();
    const c = this.counters;
    return {
      instance: this.instance,
      published: { mail: c.mailPublished, posts: c.postsPublished },
      receivedFromRedis: c.received,
      delivered: c.delivered,
      filteredOut: c.filteredOut,
      dropped: c.dropped,
      disconnectedSlow: c.disconnectedSlow,
      slowClients: clients.filter((client) => client.isSlow).length,
      queued: clients.reduce((sum, client) => sum + client.queueDepth, 0),
      sockets: clients.length,
      gapsReported: c.gapsReported,
      syncs: c.syncs,
      historyExpired: c.historyExpired,
      refused: c.refused,
      subscriber: this.bus.stats(),
      backpressure: this.settings.outbox,
    };
  }

  /** `recorded` keeps the output's own type: the history stores the union, the caller gets what it returned. */
  private record<T extends PubsubOutput>(
    requestId: string,
    kind: string,
    input: PubsubInput,
    operation: () => Promise<T>,
  ): Promise<T> {
    return recorded(this.history, requestId, kind, input, operation) as Promise<T>;
  }

  private onNotification(target: ChannelTarget, note: Notification): void {
    const accepted = this.gateway.dispatch(target, note);
    if (note.kind === 'post' && note.publisher === this.instance) this.echoes.get(note.seq)?.(accepted);
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.liveBudget.second) this.liveBudget = { second, used: 0 };
    if (this.liveBudget.used < liveFanoutPerSecond) {
      this.liveBudget.used += 1;
      this.live('notification:fanned-out', {
        instance: this.instance,
        topic: target.kind === 'mailbox' ? `mailbox:${target.userId}` : target.topic,
        source: note.kind === 'mail' ? `user:${note.userId}` : `publisher:${note.publisher}`,
        position: note.kind === 'mail' ? note.historyId : note.seq,
        accepted,
      });
    }
  }

  private async reportPresence(): Promise<void> {
    const local = this.localPresence(Date.now());
    try {
      await this.presence.write(local);
      this.live('instances:updated', { instances: await this.clusterPresence() });
    } catch {
      // Redis is out of reach: the live view still shows this instance.
      this.live('instances:updated', { instances: [local] });
    }
  }
}
