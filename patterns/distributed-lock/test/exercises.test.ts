import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, startRedisCluster, stopAllRedis } from '@kvs-lab/shared/testing';
import { get, post, startInstance, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

// Each test follows the steps of one README exercise, against real redis-servers.
afterAll(stopAllRedis);

describe('README exercises', () => {
  const clusters: LockCluster[] = [];
  afterAll(async () => {
    await Promise.all(clusters.map((c) => c.close()));
  });
  const cluster = async (options?: Parameters<typeof startLockCluster>[0]) => {
    const c = await startLockCluster(options);
    clusters.push(c);
    return c.instances as [LockInstance, LockInstance];
  };

  it('exercise 1: the second client waits in the queue and gets the lock on release', async () => {
    const [a, b] = await cluster();
    const first = await post(`${a.url}/locks/report-1`, { ttlMs: 30_000, owner: 'alice' });
    expect(first.status).toBe(201);
    const second = post(`${b.url}/locks/report-1`, { ttlMs: 30_000, waitMs: 20_000, owner: 'bob' });
    const queue = await waitFor('bob queued', async () => {
      const view = (await get(`${a.url}/locks/report-1`)).body;
      const owners = (view.queue as { owner: string }[]).map((w) => w.owner);
      return owners.includes('bob') ? view : undefined;
    });
    expect(queue.holder).toMatchObject({ owner: 'alice' });
    expect((await post(`${a.url}/locks/report-1/release`, { token: first.body.token })).status).toBe(204);
    const granted = await second;
    expect(granted.status).toBe(201);
    expect(granted.body.owner).toBe('bob');
    expect(granted.body.fencingToken).toBe((first.body.fencingToken as number) + 1);
  });

  it('exercise 2: with two nodes killed locks still work; with a third, every request gets 503 and nothing is granted', async () => {
    const c = await startLockCluster();
    clusters.push(c);
    const [a, b] = c.instances as [LockInstance, LockInstance];
    await Promise.all([c.redis('lock-4').kill(), c.redis('lock-5').kill()]);
    const lease = await post(`${a.url}/locks/report-2`, { ttlMs: 10_000, owner: 'alice' });
    expect(lease.status).toBe(201);
    expect(lease.body.nodes).toEqual(['lock-1', 'lock-2', 'lock-3']);
    expect((await post(`${a.url}/locks/report-2/release`, { token: lease.body.token })).status).toBe(204);
    await c.redis('lock-3').kill();
    for (let i = 0; i < 5; i++) {
      const refused = await post(`${(i % 2 ? a : b).url}/locks/report-2`, {
        ttlMs: 10_000,
        owner: `try-${i}`,
      });
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 'QUORUM_UNAVAILABLE', reachable: 2, needed: 3 });
    }
    const view = (await get(`${a.url}/locks/report-2`)).body;
    expect(view.isHeld).toBe(false);
    expect((view.nodes as { status: string }[]).map((n) => n.status)).toEqual([
      'free',
      'free',
      'unreachable',
      'unreachable',
      'unreachable',
    ]);
  });

  it('exercise 3: a holder past its TTL writes with its old token: rejected with fencing on, a lost update with it off', async () => {
    const [a, b] = await cluster();
    const round = async (name: string) => {
      const old = await post(`${a.url}/locks/${name}`, { ttlMs: 500, owner: 'paused' });
      const seenByOld = Number((await get(`${a.url}/resources/${name}`)).body.value ?? 0);
      // The "pause": the old holder does nothing until its lease is gone and someone else holds the lock.
      const fresh = await post(`${b.url}/locks/${name}`, { ttlMs: 10_000, waitMs: 5_000, owner: 'fresh' });
      expect(fresh.status).toBe(201);
      const seenByFresh = Number((await get(`${b.url}/resources/${name}`)).body.value ?? 0);
      const freshWrite = await post(`${b.url}/resources/${name}/writes`, {
        fencingToken: fresh.body.fencingToken,
        data: String(seenByFresh + 1),
      });
      expect(freshWrite.status).toBe(200);
      const oldWrite = await post(`${a.url}/resources/${name}/writes`, {
        fencingToken: old.body.fencingToken,
        data: String(seenByOld + 1),
      });
      return { oldWrite, value: (await get(`${a.url}/resources/${name}`)).body.value };
    };
    const fenced = await round('balance-3');
    expect(fenced.oldWrite.status).toBe(409);
    expect(fenced.oldWrite.body.code).toBe('STALE_FENCING_TOKEN');
    expect(fenced.value).toBe('1');

    expect((await post(`${a.url}/chaos/faults/fencing-check-off`, {})).status).toBe(200);
    const unfenced = await round('balance-3-unfenced');
    expect(unfenced.oldWrite.status).toBe(200);
    // Two increments acknowledged, the value went up by one: the lost update fencing prevents.
    expect(unfenced.value).toBe('1');
    expect((await get(`${a.url}/check`)).body.valid).toBe(false);
  });

  it('exercise 4: a node restarted without persistence gives a second holder, unless it sits out the restart delay', async () => {
    // lock-3 keeps no data (no AOF); the others do, as in the topology.
    const [store, l1, l2, l4, l5] = await startRedisCluster(
      ['fenced-store', 'lock-1', 'lock-2', 'lock-4', 'lock-5'],
      {
        appendOnly: true,
      },
    );
    const l3 = await startRedis({ name: 'lock-3', appendOnly: false });
    if (!store || !l1 || !l2 || !l4 || !l5) throw new Error('nodes');
    const lockRedis = [l1, l2, l3, l4, l5];
    const scenario = async (instance: LockInstance, resource: string) => {
      await Promise.all([l4.kill(), l5.kill()]);
      const first = await post(`${instance.url}/locks/${resource}`, { ttlMs: 20_000, owner: 'first' });
      expect(first.body.nodes).toEqual(['lock-1', 'lock-2', 'lock-3']);
      await Promise.all([l4.restart(), l5.restart()]);
      // Mid-lease, lock-3 restarts empty: it forgot the lease.
      await l3.restart();
      await waitFor('all nodes back', async () => {
        const nodes = (await get(`${instance.url}/stats`)).body.nodes as { isUp: boolean }[];
        return nodes.every((n) => n.isUp) ? true : undefined;
      });
      return post(`${instance.url}/locks/${resource}`, { ttlMs: 20_000, owner: 'second' });
    };

    const withoutRule = await startInstance('lock-a', lockRedis, store, { restartDelayMs: 0 });
    try {
      const second = await scenario(withoutRule, 'job-4');
      expect(second.status).toBe(201);
      expect(second.body.nodes).toEqual(['lock-3', 'lock-4', 'lock-5']);
      const check = (await get(`${withoutRule.url}/check`)).body;
      expect(check.valid).toBe(false);
      expect(check.summary).toMatch(/Two holders of "job-4"/);
    } finally {
      await withoutRule.app.close();
    }

    const withRule = await startInstance('lock-b', lockRedis, store, { restartDelayMs: 20_000 });
    try {
      const second = await scenario(withRule, 'job-4b');
      expect(second.status).toBe(409);
      expect(second.body.code).toBe('LOCK_HELD');
      // lock-3 sits out; lock-1 and lock-2 still carry the first lease, lock-4 and lock-5 granted nothing.
      const view = (await get(`${withRule.url}/locks/job-4b`)).body;
      const nodes = view.nodes as { node: string; status: string; owner?: string }[];
      expect(nodes.map((n) => n.status)).toEqual([
        'other-lease',
        'other-lease',
        'recovering',
        'free',
        'free',
      ]);
      expect(nodes[0]?.owner).toBe('first');
    } finally {
      await withRule.app.close();
    }
  }, 60_000);

  it('exercise 5: opposite naive orders deadlock until the shorter waitMs runs out; the canonical order never does', async () => {
    const [a, b] = await cluster();
    const naive = { ttlMs: 10_000, stepDelayMs: 1_000, order: 'as-given' };
    const [x, y] = await Promise.all([
      post(`${a.url}/locks`, { ...naive, resources: ['acct-5a', 'acct-5b'], owner: 'x', waitMs: 2_000 }),
      post(`${b.url}/locks`, { ...naive, resources: ['acct-5b', 'acct-5a'], owner: 'y', waitMs: 5_000 }),
    ]);
    // Each held its first account and waited for the other's; x's deadline comes first, breaks the cycle
    // by releasing acct-5a, and y gets it.
    expect(x.status, JSON.stringify(x.body)).toBe(409);
    expect(x.body).toMatchObject({ code: 'LOCK_WAIT_TIMEOUT', holder: 'y', releasedAgain: ['acct-5a'] });
    expect(y.status, JSON.stringify(y.body)).toBe(201);
    expect((y.body.locks as { resource: string }[]).map((l) => l.resource)).toEqual(['acct-5b', 'acct-5a']);

    // Other accounts, leases never released: the second caller waits for them to run out, then gets both.
    const canonical = { ttlMs: 4_000, stepDelayMs: 1_000, waitMs: 8_000, order: 'canonical' };
    const [xc, yc] = await Promise.all([
      post(`${a.url}/locks`, { ...canonical, resources: ['acct-5c', 'acct-5d'], owner: 'x' }),
      post(`${b.url}/locks`, { ...canonical, resources: ['acct-5d', 'acct-5c'], owner: 'y' }),
    ]);
    expect([xc.status, yc.status], JSON.stringify([xc.body, yc.body])).toEqual([201, 201]);
    for (const r of [xc, yc]) {
      expect((r.body.locks as { resource: string }[]).map((l) => l.resource)).toEqual(['acct-5c', 'acct-5d']);
    }
  }, 40_000);
});
