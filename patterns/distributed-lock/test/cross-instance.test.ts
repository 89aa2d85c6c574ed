import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { get, post, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

// Leases used through both instances, as the README encourages: what one
// instance does to a lease the other granted must not fool /check, /stats or the live view.
afterAll(stopAllRedis);

describe('a lease granted by one instance and used through the other', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
  });
  afterAll(() => cluster.close());

  it('released through lock-b, then acquired again through lock-a: lock-a /check stays valid', async () => {
    const first = await post(`${a.url}/locks/r1`, { ttlMs: 30_000, owner: 'alice' });
    expect(first.status).toBe(201);
    const released = waitFor('lock-a hears the release', async () => {
      const history = (await get(`${a.url}/history`)).body as {
        operations?: { kind: string; process: string }[];
      };
      return history.operations?.some((o) => o.kind === 'release' && o.process === 'heard-from-lock-b')
        ? true
        : undefined;
    });
    expect((await post(`${b.url}/locks/r1/release`, { token: first.body.token })).status).toBe(204);
    await released;
    const second = await post(`${a.url}/locks/r1`, { ttlMs: 30_000, owner: 'carol' });
    expect(second.status).toBe(201);
    const verdict = (await get(`${a.url}/check`)).body;
    expect(verdict).toMatchObject({ valid: true });
    await post(`${a.url}/locks/r1/release`, { token: second.body.token });
  });

  it("lock:released through lock-b names the lease's owner and fencing token, as the nodes recorded them", async () => {
    const lease = await post(`${a.url}/locks/r2`, { ttlMs: 30_000, owner: 'alice' });
    expect(lease.status).toBe(201);
    const socket = io(`${b.url}/live`, { transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const event = new Promise<unknown>((resolve) => socket.on('lock:released', resolve));
      expect((await post(`${b.url}/locks/r2/release`, { token: lease.body.token })).status).toBe(204);
      expect(await event).toEqual({ resource: 'r2', owner: 'alice', fencingToken: lease.body.fencingToken });
    } finally {
      socket.disconnect();
    }
  });

  it('extended through lock-b: lock-a counts no expiry while the nodes still hold it', async () => {
    const before = (await get(`${a.url}/stats`)).body.expiries as number;
    const lease = await post(`${a.url}/locks/r3`, { ttlMs: 1_000, owner: 'alice' });
    expect(lease.status).toBe(201);
    const extended = await post(`${b.url}/locks/r3/extend`, { token: lease.body.token, ttlMs: 20_000 });
    expect(extended.status).toBe(200);
    // A control lease taken after, never extended: once lock-a counts its expiry, r3's local expiry has passed too.
    const control = await post(`${a.url}/locks/r3-control`, { ttlMs: 1_000, owner: 'control' });
    expect(control.status).toBe(201);
    await waitFor('the control lease expires', async () => {
      const stats = (await get(`${a.url}/stats`)).body;
      return (stats.expiries as number) > before ? stats : undefined;
    });
    // One more sweep's worth of time for r3 to be (wrongly) counted, if it were going to be.
    await new Promise((r) => setTimeout(r, 600));
    expect((await get(`${a.url}/stats`)).body.expiries).toBe(before + 1);
    expect((await get(`${a.url}/locks/r3`)).body).toMatchObject({ isHeld: true, holder: { owner: 'alice' } });
    await post(`${b.url}/locks/r3/release`, { token: lease.body.token });
  });

  it('POST /locks never answers with a lease that lapsed while the next one was taken', async () => {
    const answer = await post(`${a.url}/locks`, {
      resources: ['m1', 'm2'],
      ttlMs: 300,
      waitMs: 0,
      stepDelayMs: 600,
      owner: 'slow',
    });
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'ACQUIRE_TOO_SLOW', releasedAgain: ['m1', 'm2'] });
    expect((await get(`${a.url}/locks/m2`)).body.isHeld).toBe(false);
    const quick = await post(`${a.url}/locks`, { resources: ['m3', 'm4'], ttlMs: 5_000, owner: 'quick' });
    expect(quick.status).toBe(201);
    const locks = quick.body.locks as { validityMs: number }[];
    expect(quick.body.validityMs).toBe(Math.min(...locks.map((l) => l.validityMs)));
    expect(quick.body.validityMs).toBeGreaterThan(0);
  });

  it('/metrics carries the lock figures /stats shows', async () => {
    const text = await (await fetch(`${a.url}/metrics`)).text();
    const stats = (await get(`${a.url}/stats`)).body as { outcomes: { granted: number } };
    const granted = /lock_acquisitions_total\{outcome="granted"[^}]*\} (\d+)/.exec(text);
    expect(Number(granted?.[1])).toBe(stats.outcomes.granted);
    expect(text).toMatch(/lock_acquisitions_total\{outcome="too_slow"[^}]*\} 1/);
    expect(text).toMatch(/lock_wait_seconds_bucket\{le="\+Inf"/);
    expect(text).toMatch(/lock_queue_waiters\{[^}]*\} 0/);
    expect(text).toMatch(/lock_node_errors_total\{node="lock-1"/);
  });
});
