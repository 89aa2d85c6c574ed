import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import type { StreamSettings } from '../src/config.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

type Server = LineStreamsApp['service']['server'];

/** Age-based retention, capped side structures, and a clientMsgId reused for another payload. */
describe('retention and idempotency keys', () => {
  let redis: RedisHandle;
  let raw: Redis;
  const apps: LineStreamsApp[] = [];
  const api = async (overrides: Partial<StreamSettings> = {}): Promise<Server> => {
    const app = await startInstance(redis, { RATE_LIMIT: 0, ...overrides });
    apps.push(app);
    return app.service.server;
  };
  const textsOf = async (server: Server, room: string) =>
    (
      (await request(server).get(`/rooms/${room}/messages`)).body as { messages: { text: string }[] }
    ).messages.map((m) => m.text);
  const send = (server: Server, room: string, body: object) =>
    request(server).post(`/rooms/${room}/messages`).send(body);
  /** Redis's own clock, the one stream ids are made of. */
  const redisNowMs = async () => {
    const [seconds, micros] = await raw.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-retention' });
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

  it('when entries are older than ROOM_MAX_AGE_MS, then the next send trims them by age, counts them, and dead-letters the undelivered ones', async () => {
    const server = await api({ ROOM_MAX_AGE_MS: 300 });
    const first = await send(server, 'aged', { senderId: 'alice', text: 'old-1' });
    const second = await send(server, 'aged', { senderId: 'alice', text: 'old-2' });
    // The first one's effect is in place (as if a worker applied it): only the second is undelivered.
    await raw.hset(keys.applied, 'aged', first.body.id);
    const secondMs = Number(String(second.body.id).split('-')[0]);
    await waitFor('both entries to be older than 300 ms', redisNowMs, (now) => now - secondMs > 300);

    const third = await send(server, 'aged', { senderId: 'alice', text: 'fresh' });
    expect(third.status).toBe(201);
    expect(third.body).toMatchObject({ evicted: 2, evictedUndelivered: 1, evictedByAge: 2 });
    expect(await textsOf(server, 'aged')).toEqual(['fresh']);
    const dead = (await request(server).get('/dead-letters')).body;
    expect(dead).toEqual([
      expect.objectContaining({ room: 'aged', originalId: second.body.id, reason: 'expired', text: 'old-2' }),
    ]);
    const counters = (await request(server).get('/stats')).body.counters;
    expect(counters).toMatchObject({ evicted: 2, evictedUndelivered: 1, evictedByAge: 2 });
  });

  it('when ROOM_MAX_AGE_MS is 0, then old entries stay (count-only retention)', async () => {
    const server = await api({ ROOM_MAX_AGE_MS: 0 });
    const first = await send(server, 'kept', { senderId: 'alice', text: 'one' });
    const firstMs = Number(String(first.body.id).split('-')[0]);
    await waitFor('300 ms to pass on Redis', redisNowMs, (now) => now - firstMs > 300);
    const second = await send(server, 'kept', { senderId: 'alice', text: 'two' });
    expect(second.body).toMatchObject({ evicted: 0, evictedByAge: 0 });
    expect(await raw.xlen(keys.stream('kept'))).toBe(2);
  });

  it('when the dead letters reach DEAD_LETTER_MAX_LEN, then the oldest are dropped and counted in /stats', async () => {
    const server = await api({ ROOM_MAX_LEN: 1, DEAD_LETTER_MAX_LEN: 2 });
    const texts = ['d0', 'd1', 'd2', 'd3', 'd4'];
    for (const text of texts) await send(server, 'tiny', { senderId: 'alice', text });
    // Four evicted undelivered entries into a dead-letter stream of two: the two oldest are dropped.
    expect(await raw.xlen(keys.deadLetters)).toBe(2);
    const dead = (await request(server).get('/dead-letters')).body as { text: string }[];
    expect(dead.map((d) => d.text)).toEqual(['d3', 'd2']);
    const stats = (await request(server).get('/stats')).body;
    expect(stats.counters).toMatchObject({ evictedUndelivered: 4, deadLettersDropped: 2 });
    expect(stats.settings).toMatchObject({ deadLetterMaxLen: 2 });
  });

  it('when the replay records reach REPLAYS_MAX_LEN, then the oldest are dropped and counted in /stats', async () => {
    const server = await api({ ROOM_MAX_LEN: 1, REPLAYS_MAX_LEN: 1 });
    for (const text of ['r0', 'r1', 'r2']) await send(server, 'again', { senderId: 'alice', text });
    const dead = (await request(server).get('/dead-letters')).body as { deadLetterId: string }[];
    expect(dead).toHaveLength(2);
    for (const letter of dead)
      await request(server).post(`/dead-letters/${letter.deadLetterId}/replay`).expect(201);
    expect(await raw.xlen(keys.replays)).toBe(1);
    expect((await request(server).get('/stats')).body.counters).toMatchObject({
      replayed: 2,
      replaysDropped: 1,
    });
  });

  it('when a clientMsgId is resent with another text or sender, then 409 IDEMPOTENCY_KEY_REUSED and nothing is stored; the same payload is still a 200 duplicate', async () => {
    const server = await api();
    const body = { senderId: 'alice', text: 'pay 10', clientMsgId: 'k-1' };
    const first = await send(server, 'keys', body);
    expect(first.status).toBe(201);

    const otherText = await send(server, 'keys', { ...body, text: 'pay 1000' });
    expect(otherText.status).toBe(409);
    expect(otherText.body).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      outcome: 'not_applied',
      firstId: first.body.id,
    });
    const otherSender = await send(server, 'keys', { ...body, senderId: 'mallory' });
    expect(otherSender.status).toBe(409);

    const retry = await send(server, 'keys', body);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: first.body.id, duplicate: true });
    expect(await textsOf(server, 'keys')).toEqual(['pay 10']);
  });
});
