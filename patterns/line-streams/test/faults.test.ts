import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { keys } from '../src/store/keys.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

describe('faults: link cut, Redis killed and restarted (AOF), Redis paused', () => {
  let redis: RedisHandle;
  let raw: Redis;
  let api: LineStreamsApp;
  let worker: LineStreamsApp;

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-faults', appendOnly: true });
    raw = new Redis(redis.port, redis.host, { maxRetriesPerRequest: 1 });
    raw.on('error', () => undefined);
    api = await startInstance(redis, { RATE_LIMIT: 0 });
    worker = await startInstance(redis, { ROLE: 'worker', SERVICE_NAME: 'worker-1' });
    await request(api.service.server)
      .put('/rooms/f/members')
      .send({ members: ['alice', 'bob'] });
  });
  afterAll(async () => {
    raw.disconnect();
    await worker.service.close();
    await api.service.close();
    await stopAllRedis();
  });

  const send = (text: string) =>
    request(api.service.server)
      .post('/rooms/f/messages')
      .send({ senderId: 'alice', text, clientMsgId: text });

  it('when the link to Redis is cut, then a send is 503 not_applied and stores nothing; healed, it works', async () => {
    await request(api.service.server).put('/chaos/links/streams-redis').send({ mode: 'cut' }).expect(200);
    const refused = await send('cut-1');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'REDIS_UNAVAILABLE', outcome: 'not_applied' });
    expect(await raw.exists(keys.dedup('f', 'cut-1'))).toBe(0);
    await request(api.service.server).delete('/chaos').expect(200);
    expect((await send('cut-1')).status).toBe(201);
  });

  it('when Redis is killed, then readiness is 503 and sends are 503; after a restart the AOF kept every acknowledged message and delivery resumes', async () => {
    const before = await send('before-kill');
    expect(before.status).toBe(201);
    await waitFor(
      'bob to have it',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 2,
    );
    await redis.kill();
    const ready = await request(api.service.server).get('/readyz');
    expect(ready.status).toBe(503);
    expect((await send('during-kill')).status).toBe(503);

    await redis.restart();
    await waitFor(
      'readiness back',
      async () => (await request(api.service.server).get('/readyz')).status,
      (s) => s === 200,
    );
    const page = await request(api.service.server).get('/rooms/f/messages');
    expect((page.body.messages as { id: string }[]).map((m) => m.id)).toContain(before.body.id);
    const after = await send('after-restart');
    expect(after.status).toBe(201);
    await waitFor(
      'the worker to deliver after the restart',
      () => raw.llen(keys.inbox('bob')),
      (n) => n >= 3,
    );
    expect((await request(api.service.server).get('/check')).body.valid).toBe(true);
  });

  it('when someone publishes junk on the live events channel, then every instance ignores it and keeps serving', async () => {
    await waitFor(
      'both instances to subscribe',
      async () => Number((await raw.pubsub('NUMSUB', keys.events))[1]),
      (n) => n === 2,
    );
    for (const junk of ['not json', '42', 'null', '{"event":"x:y"}', '{"event":1,"payload":{}}']) {
      expect(await raw.publish(keys.events, junk)).toBe(2);
    }
    // A real event after the junk still reaches the subscribers, so the junk was read and passed over.
    expect(await raw.publish(keys.events, JSON.stringify({ event: 'entry:replayed', payload: {} }))).toBe(2);
    for (const instance of [api, worker]) {
      expect((await request(instance.service.server).get('/healthz')).status).toBe(200);
    }
    expect((await send('after-junk')).status).toBe(201);
  });

  it('when Redis is paused, then a send is 504 indeterminate, and the retry with the same clientMsgId is not stored twice', async () => {
    redis.pause();
    try {
      const unknown = await send('paused-1');
      expect(unknown.status).toBe(504);
      expect(unknown.body).toMatchObject({ code: 'REDIS_TIMEOUT', outcome: 'indeterminate' });
    } finally {
      redis.resume();
    }
    const retry = await waitFor(
      'a definite answer to the retry',
      () => send('paused-1'),
      (r) => r.status < 500,
    );
    expect([200, 201]).toContain(retry.status);
    const again = await send('paused-1');
    expect(again.body).toMatchObject({ id: retry.body.id, duplicate: true });
    const texts = (
      (await request(api.service.server).get('/rooms/f/messages')).body.messages as { text: string }[]
    ).map((m) => m.text);
    expect(texts.filter((t) => t === 'paused-1')).toHaveLength(1);
  });
});
