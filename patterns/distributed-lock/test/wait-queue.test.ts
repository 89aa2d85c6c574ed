import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { keys } from '../src/store/keys.ts';
import { get, post, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

type Reply = { status: number; body: Record<string, unknown> };

describe('the FIFO wait queue across both instances', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  let b: LockInstance;
  beforeAll(async () => {
    cluster = await startLockCluster();
    [a, b] = cluster.instances as [LockInstance, LockInstance];
  });
  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  const queueOwners = async (resource: string) =>
    ((await get(`${a.url}/locks/${resource}`)).body.queue as { owner: string }[]).map((w) => w.owner);

  /** Starts a waiter and returns once the queue shows it (so arrival order is the order of these calls). */
  async function enqueue(instance: LockInstance, resource: string, owner: string, waitMs: number) {
    const reply = post(`${instance.url}/locks/${resource}`, { ttlMs: 10_000, waitMs, owner });
    await waitFor(`${owner} in the queue`, async () =>
      (await queueOwners(resource)).includes(owner) ? true : undefined,
    );
    // Wrapped: an async function returning the promise itself would wait for the grant.
    return { reply };
  }

  const holderOf = async (resource: string) => {
    const view = (await get(`${b.url}/locks/${resource}`)).body;
    return view.isHeld ? (view.holder as { owner: string }).owner : undefined;
  };

  it('when waiters arrive on alternating instances, then they are granted in arrival order, and one that gives up leaves the queue', async () => {
    const first = await post(`${a.url}/locks/fifo`, { ttlMs: 10_000, owner: 'holder' });
    expect(first.status).toBe(201);
    const { reply: w1 } = await enqueue(a, 'fifo', 'w1', 15_000);
    const { reply: quitter } = await enqueue(b, 'fifo', 'quitter', 2_500);
    const { reply: w2 } = await enqueue(b, 'fifo', 'w2', 15_000);
    const { reply: w3 } = await enqueue(a, 'fifo', 'w3', 15_000);
    expect(await queueOwners('fifo')).toEqual(['w1', 'quitter', 'w2', 'w3']);

    // The quitter's waitMs runs out while the lock is held: 409, and it is gone from the queue.
    const gaveUp = await quitter;
    expect(gaveUp.status).toBe(409);
    expect(gaveUp.body.code).toBe('LOCK_WAIT_TIMEOUT');
    expect(await queueOwners('fifo')).toEqual(['w1', 'w2', 'w3']);

    // Each release hands the lock to the next in line, whichever instance it waits on.
    const order: string[] = [];
    let previous: Reply = first;
    for (const [i, next] of [w1, w2, w3].entries()) {
      // A release works through either instance: the token is the proof, not the connection.
      const via = i % 2 === 0 ? b : a;
      expect((await post(`${via.url}/locks/fifo/release`, { token: previous.body.token })).status).toBe(204);
      const granted = await next;
      expect(granted.status).toBe(201);
      order.push(granted.body.owner as string);
      expect(granted.body.fencingToken).toBeGreaterThan(previous.body.fencingToken as number);
      expect(await holderOf('fifo')).toBe(granted.body.owner);
      previous = granted;
    }
    expect(order).toEqual(['w1', 'w2', 'w3']);
    expect((await post(`${a.url}/locks/fifo/release`, { token: previous.body.token })).status).toBe(204);
    expect(await queueOwners('fifo')).toEqual([]);
  });

  it('when the lock is free but someone is queued, then an immediate acquire does not jump the queue', async () => {
    const holder = await post(`${a.url}/locks/no-jump`, { ttlMs: 10_000, owner: 'holder' });
    const { reply: waiter } = await enqueue(b, 'no-jump', 'patient', 10_000);
    expect((await post(`${a.url}/locks/no-jump/release`, { token: holder.body.token })).status).toBe(204);
    const granted = await waiter;
    expect(granted.body.owner).toBe('patient');
    // And while a waiter is queued behind a holder, a newcomer with waitMs 0 is refused.
    const { reply: queued } = await enqueue(a, 'no-jump', 'second', 10_000);
    const jumper = await post(`${b.url}/locks/no-jump`, { ttlMs: 1_000, owner: 'jumper' });
    expect(jumper.status).toBe(409);
    expect((await post(`${b.url}/locks/no-jump/release`, { token: granted.body.token })).status).toBe(204);
    const second = await queued;
    expect(second.body.owner).toBe('second');
  });

  it('when the waiter heading every queue stopped voting, then it no longer holds the lock up; while it still votes, it does', async () => {
    // acquire.lua reads the node's clock only when someone seems to go first: a lapsed head must still be dropped.
    const nodes = cluster.lockRedis.map((h) => new Redis(h.url));
    const plant = (member: string, deadlineMs: number) =>
      Promise.all(
        nodes.map(async (node) => {
          await node.zadd(keys.queue('lapsed-head'), 1, member);
          await node.zadd(keys.queueLease('lapsed-head'), deadlineMs, member);
        }),
      );
    try {
      await plant('gone0000:lock-b:gone', 1);
      const granted = await post(`${a.url}/locks/lapsed-head`, { ttlMs: 5_000, owner: 'after-gone' });
      expect(granted.status, JSON.stringify(granted.body)).toBe(201);
      expect((await post(`${a.url}/locks/lapsed-head/release`, { token: granted.body.token })).status).toBe(
        204,
      );
      await plant('live0000:lock-b:live', Date.now() + 60_000);
      const refused = await post(`${a.url}/locks/lapsed-head`, { ttlMs: 5_000, owner: 'jumper' });
      expect(refused.status).toBe(409);
    } finally {
      await Promise.all(
        nodes.map((node) => node.del(keys.queue('lapsed-head'), keys.queueLease('lapsed-head'))),
      );
      for (const node of nodes) node.disconnect();
    }
  });

  it('when a ticket round raises only a minority (a stale proposal), then the waiter queues on every node under the ticket a majority issued above it', async () => {
    const holder = await post(`${a.url}/locks/stale-ticket`, { ttlMs: 10_000, owner: 'holder' });
    // As if another instance took 100 tickets while lock-4 and lock-5 were away: lock-b proposes 1,
    // which lock-4 and lock-5 take (and register it with), the other three refuse.
    const nodes = cluster.lockRedis.map((h) => new Redis(h.url));
    try {
      for (const node of nodes.slice(0, 3)) await node.set(keys.ticket('stale-ticket'), '100');
      const { reply: waiter } = await enqueue(b, 'stale-ticket', 'late', 10_000);
      const ticketsOn = async (node: Redis) =>
        (await node.zrange(keys.queue('stale-ticket'), '0', '-1', 'WITHSCORES')).filter(
          (_, i) => i % 2 === 1,
        );
      // On every node, one entry, under the ticket the write-back round issued above the majority's 100.
      await waitFor('late queued under one ticket everywhere', async () => {
        const tickets = await Promise.all(nodes.map(ticketsOn));
        return tickets.every((t) => t.length === 1 && t[0] === tickets[0]?.[0]) ? true : undefined;
      });
      const [ticket] = await ticketsOn(nodes[3] as Redis);
      expect(Number(ticket)).toBeGreaterThan(100);
      expect((await post(`${a.url}/locks/stale-ticket/release`, { token: holder.body.token })).status).toBe(
        204,
      );
      const granted = await waiter;
      expect(granted.body.owner).toBe('late');
      await post(`${b.url}/locks/stale-ticket/release`, { token: granted.body.token });
    } finally {
      for (const node of nodes) node.disconnect();
    }
  });
});
