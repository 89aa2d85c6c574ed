import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

describe('sending: dedup, size, rate limit, capacity', () => {
  let redis: RedisHandle;
  let raw: Redis;
  const apps: LineStreamsApp[] = [];
  const api = async (overrides = {}) => {
    const app = await startInstance(redis, {
      MAX_TEXT_BYTES: 64,
      ROOM_MAX_LEN: 5,
      RATE_LIMIT: 1000,
      ...overrides,
    });
    apps.push(app);
    return app.service.server;
  };

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-send' });
    raw = new Redis(redis.port, redis.host);
  });
  afterAll(async () => {
    raw.disconnect();
    for (const app of apps) await app.service.close();
    await stopAllRedis();
  });

  it('when a message is sent, then it is 201 with its stream id and GET lists it in order with nextAfter', async () => {
    const server = await api();
    const first = await request(server)
      .post('/rooms/order/messages')
      .send({ senderId: 'alice', text: 'one' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ room: 'order', duplicate: false, evicted: 0 });
    const second = await request(server).post('/rooms/order/messages').send({ senderId: 'bob', text: 'two' });
    const page = await request(server).get('/rooms/order/messages?limit=1');
    expect((page.body.messages as { text: string }[]).map((m) => m.text)).toEqual(['one']);
    const next = await request(server).get(`/rooms/order/messages?after=${page.body.nextAfter}`);
    expect((next.body.messages as { id: string }[]).map((m) => m.id)).toEqual([second.body.id]);
    expect(next.body.nextAfter).toBe(second.body.id);
  });

  it('when the same clientMsgId is sent again, even through a restarted API, then it is 200 with the first id and nothing new is stored', async () => {
    const before = await api();
    const first = await request(before)
      .post('/rooms/dedup/messages')
      .send({ senderId: 'alice', text: 'hi', clientMsgId: 'retry-1' });
    expect(first.status).toBe(201);
    await apps.pop()?.service.close();

    const after = await api();
    const retry = await request(after)
      .post('/rooms/dedup/messages')
      .send({ senderId: 'alice', text: 'hi', clientMsgId: 'retry-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect(await raw.xlen(keys.stream('dedup'))).toBe(1);
    const ttl = await raw.pttl(keys.dedup('dedup', 'retry-1'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(86_400_000);
  });

  it('when the dedup record has expired, then the same clientMsgId is stored as a new message', async () => {
    const server = await api({ DEDUP_TTL_MS: 1000 });
    const first = await request(server)
      .post('/rooms/expiry/messages')
      .send({ senderId: 'alice', text: 'hi', clientMsgId: 'c-1' });
    await waitFor(
      'the dedup record to expire',
      () => raw.exists(keys.dedup('expiry', 'c-1')),
      (n) => n === 0,
    );
    const again = await request(server)
      .post('/rooms/expiry/messages')
      .send({ senderId: 'alice', text: 'hi', clientMsgId: 'c-1' });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('when the text is over MAX_TEXT_BYTES (in UTF-8 bytes), then 413 MESSAGE_TOO_LARGE and nothing is stored', async () => {
    const server = await api();
    const response = await request(server)
      .post('/rooms/big/messages')
      .send({ senderId: 'alice', text: '😀'.repeat(17), clientMsgId: 'big-1' });
    expect(response.status).toBe(413);
    expect(response.body).toMatchObject({ code: 'MESSAGE_TOO_LARGE', outcome: 'not_applied', sizeBytes: 68 });
    expect(await raw.exists(keys.stream('big'), keys.dedup('big', 'big-1'))).toBe(0);
  });

  it('when a room is over its rate, then 429 RATE_LIMITED with Retry-After, and the refused send is not stored', async () => {
    const server = await api({ RATE_LIMIT: 3, RATE_WINDOW_MS: 60_000 });
    for (let i = 0; i < 3; i += 1) {
      expect(
        (
          await request(server)
            .post('/rooms/busy/messages')
            .send({ senderId: 'a', text: `m${i}` })
        ).status,
      ).toBe(201);
    }
    const refused = await request(server).post('/rooms/busy/messages').send({ senderId: 'a', text: 'm3' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'RATE_LIMITED', outcome: 'not_applied' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await raw.xlen(keys.stream('busy'))).toBe(3);
    // Another room has its own budget.
    expect(
      (await request(server).post('/rooms/quiet/messages').send({ senderId: 'a', text: 'x' })).status,
    ).toBe(201);
  });

  it('when a room is at capacity, then each send evicts the oldest entry exactly, counts it, and dead-letters it if undelivered', async () => {
    const server = await api();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const r = await request(server)
        .post('/rooms/full/messages')
        .send({ senderId: 'a', text: `m${i}` });
      expect(r.body.evicted).toBe(0);
      ids.push(r.body.id);
    }
    const sixth = await request(server).post('/rooms/full/messages').send({ senderId: 'a', text: 'm5' });
    expect(sixth.body).toMatchObject({ evicted: 1, evictedUndelivered: 1 });
    const page = await request(server).get('/rooms/full/messages');
    expect(page.body.length).toBe(5);
    expect(page.body.messages[0].id).toBe(ids[1]);
    const dead = await request(server).get('/dead-letters');
    expect(dead.body).toContainEqual(
      expect.objectContaining({ room: 'full', originalId: ids[0], reason: 'evicted', text: 'm0' }),
    );
    const stats = await request(server).get('/stats');
    expect(stats.body.counters).toMatchObject({ evicted: 1, evictedUndelivered: 1 });
  });
});
