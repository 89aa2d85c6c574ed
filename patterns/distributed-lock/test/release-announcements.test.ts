import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { keys } from '../src/store/keys.ts';
import { post, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

afterAll(stopAllRedis);

// A node announces a release only to an instance that needs it; the releasing instance wakes its own
// waiters. Pub/sub on one node keeps the order of the scripts that published, so a release announced
// later (through the other instance) proves that an earlier one was not.
describe('which releases a lock node announces', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  let listener: Redis;
  const heard: string[] = [];
  let markers = 0;

  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
    listener = new Redis(cluster.redis('lock-1').url);
    listener.on('message', (_channel: string, message: string) => {
      heard.push((JSON.parse(message) as { resource: string }).resource);
    });
    await listener.subscribe(keys.releasedChannel);
  });
  afterAll(async () => {
    listener?.disconnect();
    await cluster?.close();
  });

  /** Releases a lease granted by lock-a through lock-b (always announced) and returns what lock-1 announced up to it. */
  async function heardUpToMarker(): Promise<string[]> {
    const marker = `marker-${++markers}`;
    const lease = await post(`${a.url}/locks/${marker}`, { ttlMs: 10_000 });
    expect((await post(`${b.url}/locks/${marker}/release`, { token: lease.body.token })).status).toBe(204);
    await waitFor(`lock-1 announces ${marker}`, () =>
      Promise.resolve(heard.includes(marker) ? true : undefined),
    );
    return heard.splice(0, heard.indexOf(marker) + 1).slice(0, -1);
  }

  async function queuedOnLock1(resource: string, owner: string): Promise<void> {
    const node = new Redis(cluster.redis('lock-1').url);
    try {
      await waitFor(`${owner} queued on lock-1`, async () =>
        (await node.zrange(keys.queue(resource), '0', '-1')).some((m) => m.endsWith(`:${owner}`))
          ? true
          : undefined,
      );
    } finally {
      node.disconnect();
    }
  }

  it('when the instance that granted a lease releases it and nobody waits, then nothing is announced', async () => {
    const lease = await post(`${a.url}/locks/quiet`, { ttlMs: 10_000 });
    expect((await post(`${a.url}/locks/quiet/release`, { token: lease.body.token })).status).toBe(204);
    expect(await heardUpToMarker()).toEqual([]);
  });

  it('when the next waiter waits on the other instance, then the release is announced and it is granted', async () => {
    const lease = await post(`${a.url}/locks/handoff`, { ttlMs: 10_000 });
    const waiter = post(`${b.url}/locks/handoff`, { ttlMs: 10_000, waitMs: 10_000, owner: 'on-b' });
    await queuedOnLock1('handoff', 'on-b');
    expect((await post(`${a.url}/locks/handoff/release`, { token: lease.body.token })).status).toBe(204);
    expect((await waiter).status).toBe(201);
    expect(await heardUpToMarker()).toEqual(['handoff']);
  });

  it('when the next waiter waits on the releasing instance, then it is woken there and nothing is announced', async () => {
    const lease = await post(`${a.url}/locks/local`, { ttlMs: 10_000 });
    const waiter = post(`${a.url}/locks/local`, { ttlMs: 10_000, waitMs: 10_000, owner: 'on-a' });
    await queuedOnLock1('local', 'on-a');
    expect((await post(`${a.url}/locks/local/release`, { token: lease.body.token })).status).toBe(204);
    const granted = await waiter;
    expect(granted.status).toBe(201);
    expect(await heardUpToMarker()).toEqual([]);
    await post(`${a.url}/locks/local/release`, { token: granted.body.token });
  });
});
