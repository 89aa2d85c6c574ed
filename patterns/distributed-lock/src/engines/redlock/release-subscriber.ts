import { Redis } from 'ioredis';
import { blockingOptions } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from '../../store/keys.ts';

/** A release or extension as a lock node announced it (release.lua, extend.lua). */
export interface HeardLeaseEvent {
  readonly event: 'released' | 'extended';
  readonly resource: string;
  readonly fencingToken: number | null;
  readonly owner: string;
  readonly instance: string;
  /** Released: when the release was sent. Extended: the latest the lease can now last. */
  readonly atMs: number;
}

const parseEvent = (message: string): HeardLeaseEvent | null => {
  try {
    const m = JSON.parse(message) as Record<string, unknown>;
    if ((m.event !== 'released' && m.event !== 'extended') || typeof m.resource !== 'string') return null;
    return {
      event: m.event,
      resource: m.resource,
      fencingToken: typeof m.fencingToken === 'number' ? m.fencingToken : null,
      owner: typeof m.owner === 'string' ? m.owner : '',
      instance: typeof m.instance === 'string' ? m.instance : '',
      atMs: typeof m.atMs === 'number' ? m.atMs : 0,
    };
  } catch {
    return null;
  }
};

/**
 * Hears every release and extension on every lock node (the scripts publish
 * them), so a waiter on either service instance tries again at once instead of
 * at its next poll, and the instance that granted a lease learns that another
 * instance released or extended it. Each node publishes its own copy: the
 * listener must be idempotent. Waiters still poll, because a lease that simply
 * expires publishes nothing.
 */
export class ReleaseSubscriber {
  private readonly clients: Redis[];

  constructor(nodes: readonly RedisNode[], onEvent: (event: HeardLeaseEvent) => void) {
    this.clients = nodes.map((node) => {
      // Its own connection: a subscribed client can send nothing else. The offline
      // queue holds the SUBSCRIBE until the node answers, and ioredis resubscribes after a reconnect.
      const client = new Redis({ ...blockingOptions(node.address), enableOfflineQueue: true });
      client.on('error', () => undefined);
      client.on('message', (_channel: string, message: string) => {
        const event = parseEvent(message);
        if (event) onEvent(event);
      });
      client.subscribe(keys.releasedChannel).catch(() => undefined);
      return client;
    });
  }

  close(): void {
    for (const client of this.clients) client.disconnect();
  }
}
