import type { RedisNode } from '@kvs-lab/shared/redis';
import type { ClientPosition } from '../domain/client-position.ts';
import type { BackpressurePolicy } from '../domain/outbox.ts';
import { keys } from './keys.ts';

/** What one instance says about itself in the presence hash. */
export interface InstancePresence {
  readonly instance: string;
  /** Wall-clock ms of the report: readers ignore reports older than the staleness bound. */
  readonly at: number;
  readonly sockets: number;
  readonly subscriptions: Readonly<Record<string, number>>;
  /** Its sockets' outbox bounds and policy; null on an engine without an outbox. */
  readonly outbox: {
    readonly policy: BackpressurePolicy;
    readonly window: number;
    readonly capacity: number;
  } | null;
  readonly clients: readonly {
    readonly socketId: string;
    readonly userId: string;
    readonly node: string;
    readonly topics: readonly string[];
    readonly queueDepth: number;
    readonly inFlight: number | null;
    readonly dropped: number | null;
    readonly position: ClientPosition;
  }[];
}

/** Each instance writes its own field; cluster-wide views read them all. */
export class PresenceStore {
  private readonly node: RedisNode;

  constructor(node: RedisNode) {
    this.node = node;
  }

  async write(presence: InstancePresence): Promise<void> {
    await this.node.run((client) => client.hset(keys.presence, presence.instance, JSON.stringify(presence)));
  }

  async remove(instance: string): Promise<void> {
    await this.node.run((client) => client.hdel(keys.presence, instance));
  }

  /** Every instance that reported within `staleAfterMs` of `now`. */
  async readAll(now: number, staleAfterMs: number): Promise<InstancePresence[]> {
    const raw = await this.node.run((client) => client.hgetall(keys.presence));
    return Object.values(raw)
      .map((value) => JSON.parse(value) as InstancePresence)
      .filter((presence) => now - presence.at <= staleAfterMs)
      .sort((a, b) => a.instance.localeCompare(b.instance));
  }
}
