import type { RedisNode } from '@kvs-lab/shared/redis';
import type { Fanout } from './engines/fanout.ts';
import type { GatewaySettings } from './realtime/gateway-types.ts';
import type { InstancePresence } from './store/presence-store.ts';
import { PresenceStore } from './store/presence-store.ts';

/** What presence reads from its instance. */
export interface PresenceSource {
  readonly instance: string;
  readonly fanout: Fanout;
  readonly intervalMs: number;
  outbox(): GatewaySettings['outbox'];
  now(): number;
  onUpdate(instances: InstancePresence[]): void;
}

/**
 * Every instance writes what it holds (sockets, topics, outboxes) to Redis once an interval, so any
 * instance's /subscribers and live view show the whole fleet.
 */
export class FleetPresence {
  private readonly store: PresenceStore;
  private timer: NodeJS.Timeout | undefined;
  private readonly source: PresenceSource;

  constructor(redis: RedisNode, source: PresenceSource) {
    this.store = new PresenceStore(redis);
    this.source = source;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.report(), this.source.intervalMs);
    this.timer.unref();
    return this.report();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.remove(this.source.instance).catch(() => undefined);
  }

  local(now: number): InstancePresence {
    const { fanout } = this.source;
    const clients = fanout.clients();
    return {
      instance: this.source.instance,
      at: now,
      sockets: clients.length,
      subscriptions: fanout.topicCounts(),
      // An engine that cannot count drops has no outbox to draw.
      outbox: fanout.unavailable.dropped === undefined ? this.source.outbox() : null,
      clients: clients.map(({ isSlow: _isSlow, ...client }) => client),
    };
  }

  /** Every instance that reported in the last three intervals (this one included, fresh). */
  async cluster(): Promise<InstancePresence[]> {
    const { instance, intervalMs } = this.source;
    const now = this.source.now();
    const others = await this.store.readAll(now, intervalMs * 3);
    return [this.local(now), ...others.filter((p) => p.instance !== instance)].sort((a, b) =>
      a.instance.localeCompare(b.instance),
    );
  }

  private async report(): Promise<void> {
    const local = this.local(this.source.now());
    try {
      await this.store.write(local);
      this.source.onUpdate(await this.cluster());
    } catch {
      // Redis is out of reach: the live view still shows this instance.
      this.source.onUpdate([local]);
    }
  }
}
