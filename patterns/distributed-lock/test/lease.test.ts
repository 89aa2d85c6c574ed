import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { startHolderProcess } from './support/child-process.ts';
import type { Child } from './support/child-process.ts';
import { get, post, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

describe('leases: expiry, extend, release', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  const children: Child[] = [];
  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
  });
  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill()));
    await cluster?.close();
    await stopAllRedis();
  });

  it('a waiter granted while a slow node is cleared from the queue is told the lease the nodes still hold, not more', async () => {
    // lock-4 holds a stray lease (as a paused node's late copy would) and answers each command 1 s late:
    // the waiter's votes, the fencing round and clearing its queue entry there each wait for it.
    await sendRedisCommand(cluster.redis('lock-4').port, [
      'HSET',
      'lab:distributed-lock:lock:slow-dequeue',
      'token',
      'stray',
      'owner',
      'stray',
      'instance',
      'lock-b',
    ]);
    await sendRedisCommand(cluster.redis('lock-4').port, [
      'PEXPIRE',
      'lab:distributed-lock:lock:slow-dequeue',
      '30000',
    ]);
    const slow = await fetch(`${a.url}/chaos/links/lock-4`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'slow', delayMs: 800 }),
    });
    expect(slow.status).toBe(200);
    try {
      const lease = await post(`${a.url}/locks/slow-dequeue`, {
        ttlMs: 5_000,
        waitMs: 5_000,
        owner: 'patient',
      });
      expect(lease.status).toBe(201);
      expect(lease.body.nodes).not.toContain('lock-4');
      // When the granting nodes will drop it, by their own count: the holder may not believe in it longer.
      const asked = Date.now();
      const pttl = Number(
        await sendRedisCommand(cluster.redis('lock-1').port, [
          'PTTL',
          'lab:distributed-lock:lock:slow-dequeue',
        ]),
      );
      expect(Date.parse(lease.body.expiresAt as string)).toBeLessThanOrEqual(asked + pttl);
    } finally {
      await fetch(`${a.url}/chaos`, { method: 'DELETE' });
    }
  });

  it('when a holder process is killed, then its lease stops blocking others once its TTL runs out', async () => {
    // Long enough that the steps between the holder's grant and the first check fit in it on a loaded machine.
    const ttlMs = 3_000;
    const holder = await startHolderProcess(a.url, 'crashy', { ttlMs, owner: 'doomed' });
    children.push(holder);
    await holder.kill();
    // Nobody released it: right after the crash it is still held.
    const blocked = await post(`${b.url}/locks/crashy`, { ttlMs: 5_000, owner: 'next' });
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'LOCK_HELD', holder: 'doomed' });
    // A waiter gets it by itself once the lease expires, well within a few TTLs.
    const next = await post(`${b.url}/locks/crashy`, { ttlMs: 5_000, waitMs: ttlMs * 4, owner: 'next' });
    expect(next.status).toBe(201);
    expect(next.body.fencingToken).toBeGreaterThan(holder.lease.fencingToken as number);
    // The instance that granted it counts the lease as expired (never released).
    await waitFor('the expiry to be counted', async () =>
      ((await get(`${a.url}/stats`)).body.expiries as number) >= 1 ? true : undefined,
    );
  });

  it('when a live holder extends its lease past the original TTL, then others are still refused', async () => {
    const ttlMs = 1_500;
    const lease = await post(`${a.url}/locks/extended`, { ttlMs, owner: 'keeper' });
    expect(lease.status).toBe(201);
    const startedAt = Date.now();
    // Keep extending until well past the first TTL; each round leaves most of a TTL as slack for a loaded machine.
    while (Date.now() - startedAt < ttlMs * 2) {
      const extended = await post(`${a.url}/locks/extended/extend`, { token: lease.body.token, ttlMs });
      expect(extended.status).toBe(200);
      expect(extended.body.validityMs).toBeGreaterThan(0);
      const other = await post(`${b.url}/locks/extended`, { ttlMs, owner: 'intruder' });
      expect(other.status).toBe(409);
      await new Promise((r) => setTimeout(r, ttlMs / 5));
    }
    expect((await post(`${a.url}/locks/extended/release`, { token: lease.body.token })).status).toBe(204);
  });

  it('when a lease granted by lock-a is released through lock-b, then lock-a does not count it as expired', async () => {
    const expiries = async () => (await get(`${a.url}/stats`)).body.expiries as number;
    const before = await expiries();
    const expired: string[] = [];
    const socket = io(`${a.url}/live`, { transports: ['websocket'], reconnection: false });
    socket.on('lock:expired', (event: { resource: string }) => expired.push(event.resource));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    try {
      const lease = await post(`${a.url}/locks/handed`, { ttlMs: 300, owner: 'polite' });
      expect((await post(`${b.url}/locks/handed/release`, { token: lease.body.token })).status).toBe(204);
      // A control lease granted after it, with a longer TTL, never released: lock-a sweeps its leases
      // in grant order, so once the control is reported expired the released one had its chance too.
      expect((await post(`${a.url}/locks/handed-control`, { ttlMs: 400, owner: 'control' })).status).toBe(
        201,
      );
      await waitFor('the control lease to expire on lock-a', () =>
        Promise.resolve(expired.includes('handed-control') ? true : undefined),
      );
      expect(expired).not.toContain('handed');
      expect(await expiries()).toBe(before + 1);
    } finally {
      socket.disconnect();
    }
  });

  it('when a lease has expired, then extending it answers 409 LOCK_LOST', async () => {
    const lease = await post(`${a.url}/locks/short`, { ttlMs: 200, owner: 'slow' });
    expect(lease.status).toBe(201);
    await waitFor('the lease to lapse on every node', async () => {
      const nodes = (await get(`${a.url}/locks/short`)).body.nodes as { status: string }[];
      return nodes.every((n) => n.status === 'free') ? true : undefined;
    });
    const extended = await post(`${a.url}/locks/short/extend`, { token: lease.body.token, ttlMs: 5_000 });
    expect(extended.status).toBe(409);
    expect(extended.body).toMatchObject({ code: 'LOCK_LOST', extendedOn: 0, needed: 3 });
  });

  it('when someone other than the holder releases, then it gets 409 and the lease is untouched on every node', async () => {
    const lease = await post(`${a.url}/locks/guarded`, { ttlMs: 10_000, owner: 'rightful' });
    const stranger = await post(`${b.url}/locks/guarded/release`, {
      token: '00000000-0000-4000-8000-000000000000',
    });
    expect(stranger.status).toBe(409);
    expect(stranger.body).toMatchObject({ code: 'NOT_LOCK_HOLDER', outcome: 'not_applied' });
    const view = await get(`${b.url}/locks/guarded`);
    expect(view.body).toMatchObject({ isHeld: true, holder: { owner: 'rightful' } });
    for (const node of cluster.lockRedis) {
      expect(await sendRedisCommand(node.port, ['HGET', 'lab:distributed-lock:lock:guarded', 'owner'])).toBe(
        'rightful',
      );
    }
    expect((await post(`${b.url}/locks/guarded/release`, { token: lease.body.token })).status).toBe(204);
    expect((await get(`${a.url}/locks/guarded`)).body.isHeld).toBe(false);
  });
});
