import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, startRedis, stopAllEtcd, stopAllRedis } from '@kvs-lab/shared/testing';
import type { EtcdClusterHandle, RedisHandle } from '@kvs-lab/shared/testing';
import { get, post, startInstance, waitFor } from './support/distributed-lock-lab.ts';
import type { LockInstance } from './support/distributed-lock-lab.ts';

// The same routes and promises on ENGINE=etcd: 3 real etcd members, the protected resource on a real Redis.
afterAll(async () => {
  await stopAllEtcd();
  await stopAllRedis();
});

describe('ENGINE=etcd', () => {
  let etcd: EtcdClusterHandle;
  let store: RedisHandle;
  let a: LockInstance;
  let b: LockInstance;
  beforeAll(async () => {
    [etcd, store] = await Promise.all([startEtcdCluster({ size: 3 }), startRedis({ name: 'fenced-store' })]);
    const config = { engine: 'etcd' as const, etcdEndpoints: [...etcd.endpoints], etcdCallTimeoutMs: 1_500 };
    [a, b] = await Promise.all([
      startInstance('lock-a', [], store, config),
      startInstance('lock-b', [], store, config),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.app.close(), b?.app.close()]);
    await etcd?.stop();
  });

  it('200 contended acquisitions through two instances: no lost update, tokens accepted in increasing order', async () => {
    let cycles = 0;
    const worker = async (instance: LockInstance, name: string) => {
      while (cycles < 200) {
        cycles += 1;
        const lease = await post(`${instance.url}/locks/counter`, {
          ttlMs: 5_000,
          waitMs: 15_000,
          owner: name,
        });
        expect(lease.status, JSON.stringify(lease.body)).toBe(201);
        const value = Number((await get(`${instance.url}/resources/counter`)).body.value ?? 0);
        const write = await post(`${instance.url}/resources/counter/writes`, {
          fencingToken: lease.body.fencingToken,
          data: String(value + 1),
          writer: name,
        });
        expect(write.status, JSON.stringify(write.body)).toBe(200);
        expect(
          (await post(`${instance.url}/locks/counter/release`, { token: lease.body.token })).status,
        ).toBe(204);
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => worker(i % 2 ? b : a, `w${i}`)));
    const resource = (await get(`${a.url}/resources/counter`)).body;
    // Each cycle read the value and wrote it + 1 under the lock: any overlap of two holders loses an update.
    expect(resource.value).toBe(String(cycles));
    for (const instance of [a, b])
      expect((await get(`${instance.url}/check`)).body).toMatchObject({ valid: true });
  }, 120_000);

  it("the fencing token is the lock key's create revision: a holder paused past its TTL has its late write refused", async () => {
    const old = await post(`${a.url}/locks/zombie`, { ttlMs: 2_000, owner: 'paused' });
    expect(old.status).toBe(201);
    // The old holder stalls; etcd's leader lets its lease lapse and the waiter behind it gets the lock.
    const fresh = await post(`${b.url}/locks/zombie`, { ttlMs: 10_000, waitMs: 10_000, owner: 'fresh' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.fencingToken as number).toBeGreaterThan(old.body.fencingToken as number);
    const view = (await get(`${a.url}/locks/zombie`)).body;
    expect(view.holder).toMatchObject({ owner: 'fresh', fencingToken: fresh.body.fencingToken });
    const freshWrite = await post(`${b.url}/resources/zombie/writes`, {
      fencingToken: fresh.body.fencingToken,
      data: 'fresh',
    });
    expect(freshWrite.status).toBe(200);
    const lateWrite = await post(`${a.url}/resources/zombie/writes`, {
      fencingToken: old.body.fencingToken,
      data: 'stale',
    });
    expect(lateWrite.status).toBe(409);
    expect(lateWrite.body.code).toBe('STALE_FENCING_TOKEN');
    expect((await get(`${a.url}/resources/zombie`)).body.value).toBe('fresh');
  }, 30_000);

  it('released through lock-b, acquired again through lock-a: lock-a hears the release on its watch and /check stays valid', async () => {
    const first = await post(`${a.url}/locks/both-ways`, { ttlMs: 30_000, owner: 'alice' });
    expect(first.status).toBe(201);
    expect((await post(`${b.url}/locks/both-ways/release`, { token: first.body.token })).status).toBe(204);
    await waitFor('lock-a hears the release', async () => {
      const history = (await get(`${a.url}/history`)).body as { operations?: { process: string }[] };
      return history.operations?.some((o) => o.process === 'heard-from-lock-b') ? true : undefined;
    });
    const second = await post(`${a.url}/locks/both-ways`, { ttlMs: 30_000, owner: 'carol' });
    expect(second.status).toBe(201);
    expect((await get(`${a.url}/check`)).body).toMatchObject({ valid: true });
    expect((await post(`${a.url}/locks/both-ways/release`, { token: second.body.token })).status).toBe(204);
  });

  it('one of three members killed: still grants; two killed: refuses (503 or 504), never grants', async () => {
    const leader = await etcd.leader();
    const follower = etcd.members.find((m) => m !== leader);
    if (!follower) throw new Error('no follower');
    await follower.kill();
    const granted = await waitFor(
      'a grant with 2 of 3 members',
      async () => {
        const r = await post(`${a.url}/locks/minority`, { ttlMs: 3_000, owner: 'two-of-three' });
        return r.status === 201 ? r : undefined;
      },
      20_000,
    );
    expect((await post(`${a.url}/locks/minority/release`, { token: granted.body.token })).status).toBe(204);

    await leader.kill();
    for (const instance of [a, b, a]) {
      const r = await post(`${instance.url}/locks/minority`, { ttlMs: 3_000, owner: 'one-of-three' });
      expect([503, 504], JSON.stringify(r.body)).toContain(r.status);
      // 503 when no write was sent; 504 when the create transaction got no answer.
      expect(r.body).toMatchObject(
        r.status === 503
          ? { code: 'QUORUM_UNAVAILABLE', outcome: 'not_applied' }
          : { code: 'LOCK_INDETERMINATE', outcome: 'indeterminate' },
      );
    }
    expect((await get(`${a.url}/readyz`)).status).toBe(503);
  }, 60_000);
});
