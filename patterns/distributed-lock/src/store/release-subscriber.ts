import { Redis } from 'ioredis';
import { blockingOptions } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';

/**
 * Hears every release on every lock node (the release script publishes the
 * resource name), so a waiter on either service instance tries again at once
 * instead of at its next poll. Only a hint: waiters still poll, because a
 * lease that simply expires publishes nothing.
 */
export class ReleaseSubscriber {
  private readonly clients: Redis[];

  constructor(
    nodes: readonly RedisNode[],
    onRelease: (resource: string, fencingToken: number | null) => void,
  ) {
    this.clients = nodes.map((node) => {
      // Its own connection: a subscribed client can send nothing else. The offline
      // queue holds the SUBSCRIBE until the node answers, and ioredis resubscribes after a reconnect.
      const client = new Redis({ ...blockingOptions(node.address), enableOfflineQueue: true });
      client.on('error', () => undefined);
      client.on('message', (_channel: string, message: string) => {
        const [resource = '', token = ''] = message.split('|');
        onRelease(resource, token === '' ? null : Number(token));
      });
      client.subscribe(keys.releasedChannel).catch(() => undefined);
      return client;
    });
  }

  close(): void {
    for (const client of this.clients) client.disconnect();
  }
}
