import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { get, post, startLockCluster, waitForNodesUp } from './support/distributed-lock-lab.ts';
import type { LockCluster } from './support/distributed-lock-lab.ts';

describe('quorum: a majority of the five lock nodes decides', () => {
  let cluster: LockCluster;
  beforeAll(async () => {
    cluster = await startLockCluster();
  });
  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it('when 2 of 5 nodes are killed, then locks are still granted (on the 3 left) and still exclusive', async () => {
    await Promise.all([cluster.redis('lock-4').kill(), cluster.redis('lock-5').kill()]);
    const [a, b] = cluster.instances;
    if (!a || !b) throw new Error('instances');
    const lease = await post(`${a.url}/locks/two-down`, { ttlMs: 5_000, owner: 'first' });
    expect(lease.status).toBe(201);
    expect(lease.body.nodes).toEqual(['lock-1', 'lock-2', 'lock-3']);
    const second = await post(`${b.url}/locks/two-down`, { ttlMs: 5_000, owner: 'second' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'LOCK_HELD', holder: 'first' });
    expect((await post(`${a.url}/locks/two-down/release`, { token: lease.body.token })).status).toBe(204);
  });

  it('when 3 of 5 nodes are down, then every acquire gets 503 QUORUM_UNAVAILABLE and no node is left holding a lease', async () => {
    await cluster.redis('lock-3').kill();
    const [a, b] = cluster.instances;
    if (!a || !b) throw new Error('instances');
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        post(`${(i % 2 === 0 ? a : b).url}/locks/three-down-${i % 3}`, {
          ttlMs: 5_000,
          waitMs: i % 4 === 0 ? 1_000 : 0,
          owner: `c${i}`,
        }),
      ),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'QUORUM_UNAVAILABLE', outcome: 'not_applied', needed: 3 });
    }
    // The two nodes still up granted minority locks during each attempt: they were released again.
    for (const node of ['lock-1', 'lock-2']) {
      const leftovers = await sendRedisCommand(cluster.redis(node).port, [
        'KEYS',
        'lab:distributed-lock:lock:*',
      ]);
      expect(leftovers, node).toEqual([]);
    }
    const stats = await get(`${a.url}/stats`);
    expect(stats.body.quorumUnavailable).toBeGreaterThanOrEqual(5);
    const ready = await get(`${a.url}/readyz`);
    expect(ready.status).toBe(503);

    // One node back: a majority again, and locks are granted again.
    await cluster.redis('lock-3').restart();
    await waitForNodesUp(cluster, ['lock-3']);
    const lease = await post(`${b.url}/locks/three-down-0`, { ttlMs: 5_000, waitMs: 5_000, owner: 'after' });
    expect(lease.status).toBe(201);
  });
});
