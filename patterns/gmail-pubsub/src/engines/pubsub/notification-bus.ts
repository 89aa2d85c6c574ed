import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { blockingOptions } from '@kvs-lab/shared/redis';
import { Redis } from 'ioredis';
import type { Notification } from '../../domain/notification.ts';
import { asNotification } from '../../domain/notification.ts';
import type { ChannelTarget } from '../../store/keys.ts';
import { parseChannel } from '../../store/keys.ts';
import { endConnection } from '../end-connection.ts';

export interface BusEvents {
  notification: [target: ChannelTarget, note: Notification];
  /** The subscriber connection came back and subscribed again: anything published meanwhile was lost. */
  resubscribed: [];
}

/**
 * This instance's Redis Pub/Sub subscriber: one dedicated connection (a
 * subscribed connection cannot be the fail-fast command client), reference-
 * counted channels, and an explicit resubscribe on every reconnect so the
 * service knows exactly when it may have missed messages.
 */
export class NotificationBus {
  readonly events = new EventEmitter<BusEvents>();
  private subscriber: Redis | undefined;
  private readonly wanted = new Map<string, number>();
  private hasSubscribedOnce = false;
  private isSubscribed = false;
  private counters = { received: 0, malformed: 0, resubscribes: 0, lostWhileCut: 0 };
  private downSince: number | undefined;
  /** How long the last outage lasted, connection lost to subscribed again (ms). */
  private lastOutageMs: number | undefined;

  private readonly node: RedisNode;
  /** CLIENT SETNAME of the subscriber connection, so a fault can find and kill it. */
  readonly connectionName: string;

  constructor(node: RedisNode, connectionName: string) {
    this.node = node;
    this.connectionName = connectionName;
  }

  /** Connects the subscriber; a Redis that is down now is not fatal: the connection keeps retrying. */
  async start(readyTimeoutMs = 2_000): Promise<void> {
    const client = new Redis({
      ...blockingOptions(this.node.address),
      // We resubscribe ourselves on 'ready', so we know when the gap happened.
      autoResubscribe: false,
      connectionName: this.connectionName,
    });
    this.subscriber = client;
    client.on('error', () => undefined);
    client.on('close', () => {
      if (this.isSubscribed) this.downSince = Date.now();
      this.isSubscribed = false;
    });
    client.on('ready', () => void this.subscribeAll());
    client.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    const deadline = Date.now() + readyTimeoutMs;
    while (!this.isSubscribed && Date.now() < deadline) await sleep(10);
  }

  /** Subscribed right now: messages published now will arrive. */
  get isLive(): boolean {
    return this.isSubscribed && this.subscriber?.status === 'ready';
  }

  stats(): {
    received: number;
    malformed: number;
    resubscribes: number;
    lostWhileCut: number;
    channels: number;
    isLive: boolean;
    lastOutageMs: number | null;
  } {
    return {
      ...this.counters,
      channels: this.wanted.size,
      isLive: this.isLive,
      lastOutageMs: this.lastOutageMs ?? null,
    };
  }

  channels(): string[] {
    return [...this.wanted.keys()];
  }

  /** Takes a reference on a channel; the first reference subscribes in Redis. */
  async add(channel: string): Promise<void> {
    const count = (this.wanted.get(channel) ?? 0) + 1;
    this.wanted.set(channel, count);
    if (count === 1 && this.isLive) {
      // While disconnected the next 'ready' subscribes it; a failure here is retried the same way.
      await this.subscriber?.subscribe(channel).catch(() => undefined);
    }
  }

  /** Drops a reference; the last one unsubscribes in Redis. */
  async release(channel: string): Promise<void> {
    const count = (this.wanted.get(channel) ?? 0) - 1;
    if (count > 0) {
      this.wanted.set(channel, count);
      return;
    }
    this.wanted.delete(channel);
    if (this.isLive) await this.subscriber?.unsubscribe(channel).catch(() => undefined);
  }

  /** Resolves once the subscriber connection is closed at both ends. */
  async close(): Promise<void> {
    const client = this.subscriber;
    this.subscriber = undefined;
    this.isSubscribed = false;
    if (client) await endConnection(client, 'cut');
  }

  private async subscribeAll(): Promise<void> {
    const client = this.subscriber;
    if (!client) return;
    const done = new Set<string>();
    try {
      // A channel added while a SUBSCRIBE is on its way saw the bus not live and left it to us: loop until none is left.
      for (;;) {
        const pending = [...this.wanted.keys()].filter((channel) => !done.has(channel));
        if (pending.length === 0) break;
        await client.subscribe(...pending);
        for (const channel of pending) done.add(channel);
      }
    } catch {
      // The connection dropped again; its next 'ready' tries again.
      return;
    }
    this.isSubscribed = true;
    const isComeback = this.hasSubscribedOnce;
    this.hasSubscribedOnce = true;
    if (isComeback) {
      if (this.downSince !== undefined) this.lastOutageMs = Date.now() - this.downSince;
      this.downSince = undefined;
      this.counters.resubscribes += 1;
      this.events.emit('resubscribed');
    }
  }

  private onMessage(channel: string, message: string): void {
    const target = parseChannel(channel);
    if (!target) return;
    // A cut /chaos link stands for a network partition: what Redis sends meanwhile never arrives.
    if (this.node.linkState().mode === 'cut') {
      this.counters.lostWhileCut += 1;
      return;
    }
    let note: Notification | undefined;
    try {
      note = asNotification(JSON.parse(message));
    } catch {
      note = undefined;
    }
    if (!note) {
      this.counters.malformed += 1;
      return;
    }
    this.counters.received += 1;
    this.events.emit('notification', target, note);
  }
}
