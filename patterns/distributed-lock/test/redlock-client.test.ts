import { Redis } from 'ioredis';
import Redlock from 'redlock';
import type { Lock } from 'redlock';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';

// Groundwork for issue #3: the patched redlock resolves with its typings under
// NodeNext (this file only typechecks if it does) and talks to ioredis 6.
describe('redlock 5 with ioredis 6 (patched typings)', () => {
  afterAll(stopAllRedis);

  it('when a resource is locked, then a second acquire fails until the first is released', async () => {
    const redis = await startRedis({ name: 'redlock-smoke' });
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0 });
    const redlock = new Redlock([client], { retryCount: 0 });
    try {
      const lock: Lock = await redlock.acquire(['lab:distributed-lock:smoke'], 5_000);
      await expect(redlock.acquire(['lab:distributed-lock:smoke'], 5_000)).rejects.toThrow();
      await lock.release();
      const again = await redlock.acquire(['lab:distributed-lock:smoke'], 5_000);
      await again.release();
    } finally {
      client.disconnect();
    }
  });
});
