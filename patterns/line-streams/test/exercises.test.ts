import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import type { StreamSettings } from '../src/config.ts';
import { compareStreamIds } from '../src/domain/stream-id.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

type Server = LineStreamsApp['service']['server'];

/** The README's lab exercises, step by step, against real Redis (timings shortened where said). */
describe('README lab exercises', () => {
  let redis: RedisHandle;
  let raw: Redis;
  const apps: LineStreamsApp[] = [];
  const start = async (overrides: Partial<StreamSettings> = {}, onCrash?: () => void) => {
    const app = await startInstance(redis, overrides, onCrash);
    apps.push(app);
    return app;
  };
  const worker = (name: string, overrides: Partial<StreamSettings> = {}, onCrash?: () => void) =>
    start({ ROLE: 'worker', SERVICE_NAME: name, ...overrides }, onCrash);
  const post = (server: Server, url: string, body: object = {}) => request(server).post(url).send(body);
  const inboxOf = async (server: Server, user = 'bob', limit = 200) =>
    (await request(server).get(`/users/${user}/inbox?limit=${limit}`)).body as {
      unread: number;
      total: number;
      messages: { id: string; text: string }[];
    };
  const inboxTotal = async (server: Server) => (await inboxOf(server)).total;
  const pendingOf = async (server: Server) =>
    (await request(server).get('/groups/delivery/pending')).body as {
      id: string;
      consumer: string;
      deliveries: number;
    }[];

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-exercises' });
    raw = new Redis(redis.port, redis.host);
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.service.close();
    await raw.flushall();
  });
  afterAll(async () => {
    raw.disconnect();
    await stopAllRedis();
  });

  it('exercise 1: one message through XADD, XREADGROUP, effect and XACK', async () => {
    const api = (await start()).service.server;
    await worker('worker-1');
    await request(api)
      .put('/rooms/tour/members')
      .send({ members: ['alice', 'bob'] });
    await request(api).put('/groups/tour').send({ startId: '$' }).expect(200);
    const sent = await post(api, '/rooms/tour/messages', { senderId: 'alice', text: 'hello' });
    expect(sent.status).toBe(201);
    const read = await post(api, '/groups/tour/consumers/me/read', { count: 10 });
    expect((read.body as { id: string }[]).map((m) => m.id)).toEqual([sent.body.id]);
    const pending = (await request(api).get('/groups/tour/pending')).body;
    expect(pending).toEqual([expect.objectContaining({ id: sent.body.id, consumer: 'me', deliveries: 1 })]);
    await post(api, '/groups/tour/ack', { room: 'tour', ids: [sent.body.id] }).expect(200);
    expect((await request(api).get('/groups/tour/pending')).body).toEqual([]);
    // Meanwhile the delivery group did the same with its effect: bob's inbox, and the room's applied mark.
    const inbox = await waitFor(
      'bob to get it',
      () => inboxOf(api),
      (b) => b.unread === 1,
    );
    expect(inbox.messages[0]).toMatchObject({ id: sent.body.id, text: 'hello' });
    expect((await request(api).get('/rooms/tour/messages')).body.appliedId).toBe(sent.body.id);
  });

  it('exercise 2: a worker crashes mid-batch; its entries wait in the PEL until the other claims them', async () => {
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/crash/members')
      .send({ members: ['alice', 'bob'] });
    let crashed = false;
    const w1 = await worker('worker-1', { CLAIM_MIN_IDLE_MS: 1000 }, () => (crashed = true));
    await post(w1.service.server, '/chaos/faults/crash-before-ack', { afterEffects: 5 }).expect(200);
    // A burst, so the worker reads a batch of many and dies in the middle of it.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(api, '/rooms/crash/messages', { senderId: 'alice', text: `b${i}` }),
      ),
    );
    await waitFor(
      'worker-1 to crash',
      () => crashed,
      (c) => c,
    );
    const stranded = (await pendingOf(api)).filter((p) => p.consumer === 'worker-1');
    expect(stranded.length).toBeGreaterThan(1);
    await worker('worker-2', { CLAIM_MIN_IDLE_MS: 1000 });
    await waitFor(
      'the PEL to drain',
      () => pendingOf(api),
      (p) => p.length === 0,
    );
    const inbox = (await request(api).get('/users/bob/inbox?limit=100')).body;
    expect(inbox.total).toBe(50);
    const counters = (await request(api).get('/stats')).body.counters;
    expect(counters.claimed).toBeGreaterThanOrEqual(stranded.length);
    expect(counters.duplicatesSkipped).toBeGreaterThanOrEqual(1);
    expect(counters.applied).toBe(50);
  });

  it('exercise 3: a poison message is retried, dead-lettered after maxDeliveries, then replayed', async () => {
    const api = (await start()).service.server;
    await request(api)
      .put('/rooms/pills/members')
      .send({ members: ['alice', 'bob'] });
    const workers = [
      await worker('worker-1', { MAX_DELIVERIES: 3 }),
      await worker('worker-2', { MAX_DELIVERIES: 3 }),
    ];
    for (const w of workers)
      await post(w.service.server, '/chaos/faults/poison', { textContains: 'poison' }).expect(200);
    const poison = await post(api, '/rooms/pills/messages', { senderId: 'alice', text: 'a poison pill' });
    const next = await post(api, '/rooms/pills/messages', { senderId: 'alice', text: 'next' });
    const seen = new Set<number>();
    const dead = await waitFor(
      'the dead letter',
      async () => {
        for (const p of await pendingOf(api)) if (p.id === poison.body.id) seen.add(p.deliveries);
        return (await request(api).get('/dead-letters')).body as {
          deadLetterId: string;
          deliveries: number;
        }[];
      },
      (list) => list.length === 1,
    );
    expect(dead[0]?.deliveries).toBe(4);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(2);
    await waitFor(
      '"next" delivered',
      () => inboxTotal(api),
      (n) => n === 1,
    );
    expect((await request(api).get('/users/bob/inbox')).body.messages[0].id).toBe(next.body.id);
    for (const w of workers) await request(w.service.server).delete('/chaos/faults/poison').expect(200);
    const replay = await post(api, `/dead-letters/${dead[0]?.deadLetterId}/replay`);
    expect(replay.status).toBe(201);
    await waitFor(
      'the replay delivered',
      () => inboxTotal(api),
      (n) => n === 2,
    );
  });

  it('exercise 4: a client retry with the same clientMsgId is recognised; the record lives for DEDUP_TTL_MS', async () => {
    const api = (await start()).service.server;
    const body = { senderId: 'alice', text: 'pay 10', clientMsgId: 'c-1' };
    const first = await post(api, '/rooms/pay/messages', body);
    const retry = await post(api, '/rooms/pay/messages', body);
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect((await request(api).get('/rooms/pay/messages')).body.length).toBe(1);
    expect(await raw.hget(keys.dedup('pay', 'c-1'), 'id')).toBe(first.body.id);
    // The same key with another text is a client bug, not a retry.
    const reused = await post(api, '/rooms/pay/messages', { ...body, text: 'pay 1000' });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const ttl = await raw.pttl(keys.dedup('pay', 'c-1'));
    expect(ttl).toBeGreaterThan(86_000_000);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('exercise 5: a capped room evicts its oldest entries; undelivered ones become dead letters', async () => {
    const api = (await start({ ROOM_MAX_LEN: 10 })).service.server;
    await request(api)
      .put('/rooms/cap/members')
      .send({ members: ['alice', 'bob'] });
    const replies: { evicted: number }[] = [];
    for (let i = 0; i < 15; i += 1)
      replies.push((await post(api, '/rooms/cap/messages', { senderId: 'alice', text: `n${i}` })).body);
    expect(replies.map((r) => r.evicted)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    expect((await request(api).get('/rooms/cap/messages')).body.length).toBe(10);
    const dead = (await request(api).get('/dead-letters')).body as { reason: string; text: string }[];
    expect(dead.map((d) => d.text).sort()).toEqual(['n0', 'n1', 'n2', 'n3', 'n4']);
    expect(dead.every((d) => d.reason === 'evicted')).toBe(true);
    // Bob was "offline" (no worker ran): he gets the ten that are left.
    await worker('worker-1');
    await waitFor(
      'bob to get the rest',
      () => inboxTotal(api),
      (n) => n === 10,
    );
    expect((await request(api).get('/check')).body).toMatchObject({
      valid: true,
      details: { deadLettered: 5, delivered: 10 },
    });
  });

  it('exercise 6: room order holds with one worker (which never waits) and with two, where concurrent sends make them wait for each other', async () => {
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/line/members')
      .send({ members: ['alice', 'bob'] });
    const solo = await worker('worker-1', { READ_COUNT: 5 });
    const firstIds: string[] = [];
    for (let i = 0; i < 60; i += 1)
      firstIds.push((await post(api, '/rooms/line/messages', { senderId: 'alice', text: `o${i}` })).body.id);
    await waitFor(
      '60 delivered',
      () => inboxTotal(api),
      (n) => n === 60,
    );
    expect(solo.worker?.stats.waitsForOrder).toBe(0);

    const duo = await worker('worker-2', { READ_COUNT: 5 });
    // worker-1 a little slower, as a busier machine would make it: each holds entries the other must apply first.
    await request(solo.service.server)
      .put('/chaos/links/streams-redis')
      .send({ mode: 'slow', delayMs: 20 })
      .expect(200);
    const waits = () => (solo.worker?.stats.waitsForOrder ?? 0) + (duo.worker?.stats.waitsForOrder ?? 0);
    const burstIds: string[] = [];
    // Concurrent sends, as the README's xargs -P does; a burst may by chance never split a room, so up to five.
    for (let burst = 0; burst < 5 && waits() === 0; burst += 1) {
      const replies = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          post(api, '/rooms/line/messages', { senderId: 'alice', text: `p${burst}-${i}` }),
        ),
      );
      burstIds.push(...replies.map((r) => r.body.id as string));
      await waitFor(
        'the burst delivered',
        () => inboxTotal(api),
        (n) => n === 60 + burstIds.length,
      );
    }
    expect(waits()).toBeGreaterThan(0);
    // Concurrent sends get ids in the order Redis stored them: that is the room order every inbox must follow.
    const streamOrder = [...burstIds].sort(compareStreamIds);
    const inbox = (await request(api).get(`/users/bob/inbox?limit=${60 + burstIds.length}`)).body
      .messages as {
      id: string;
    }[];
    expect(inbox.map((m) => m.id).reverse()).toEqual([...firstIds, ...streamOrder]);
    expect((await request(api).get('/check')).body).toMatchObject({ valid: true });
  });

  it("exercise 7: the trace shows the claim that moved the crashed worker's entries to the live one", async () => {
    const api = (await start({ RATE_LIMIT: 0 })).service.server;
    await request(api)
      .put('/rooms/crash/members')
      .send({ members: ['alice', 'bob'] });
    let crashed = false;
    const w1 = await worker('worker-1', { CLAIM_MIN_IDLE_MS: 1000 }, () => (crashed = true));
    await post(w1.service.server, '/chaos/faults/crash-before-ack', { afterEffects: 5 }).expect(200);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(api, '/rooms/crash/messages', { senderId: 'alice', text: `b${i}` }),
      ),
    );
    await waitFor(
      'worker-1 to crash',
      () => crashed,
      (c) => c,
    );
    const stranded = (await pendingOf(api)).map((p) => p.id).sort(compareStreamIds);
    expect(stranded.length).toBeGreaterThan(0);
    await worker('worker-2', { CLAIM_MIN_IDLE_MS: 1000 });
    await waitFor(
      'the PEL to drain',
      () => pendingOf(api),
      (p) => p.length === 0,
    );
    type Event = {
      type: string;
      seq: number;
      kind: string;
      node?: string;
      from?: string;
      to?: string;
      detail?: { previousOwner?: string; ids?: string[]; deliveries?: number };
    };
    const events = await waitFor(
      'the claim in the trace',
      async () => ((await request(api).get('/trace')).body as { events: Event[] }).events,
      // The relay follows each step (the ack's message after the XACK): wait for it, as the README's sleep does.
      (list) =>
        list.filter((e) => e.kind === 'claim').flatMap((e) => e.detail?.ids ?? []).length >=
          stranded.length && list.some((e) => e.kind === 'ack' && e.from === 'worker-2'),
    );
    // jq '.events[] | select(.type == "fault" or .kind == "claim")'
    const crash = events.find((e) => e.type === 'fault' && e.kind === 'crash');
    const claims = events.filter((e) => e.kind === 'claim');
    expect(crash).toMatchObject({ node: 'worker-1' });
    for (const claim of claims) {
      expect(claim).toMatchObject({ from: 'stream:crash', to: 'worker-2' });
      expect(claim.detail).toMatchObject({ previousOwner: 'worker-1', deliveries: 2 });
      expect(claim.seq).toBeGreaterThan(crash?.seq ?? Infinity);
    }
    // diff <(... .detail.ids[] | sort) <(sort stranded.txt)
    expect(claims.flatMap((c) => c.detail?.ids ?? []).sort(compareStreamIds)).toEqual(stranded);
    // Before the claim, worker-1 had applied five of them and acked none: the trace shows those effects.
    const applied = events.filter((e) => e.kind === 'apply' && e.from === 'worker-1');
    expect(applied.length).toBeGreaterThan(0);
    expect(events.some((e) => e.kind === 'ack' && e.from === 'worker-2')).toBe(true);
    // The effects worker-1 applied before crashing come back to worker-2 as duplicates, skipped.
    expect(events.some((e) => e.kind === 'duplicate' && e.from === 'worker-2')).toBe(true);
  });
});
