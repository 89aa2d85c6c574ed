import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { LineStreamsApp } from '../src/app.ts';
import { startInstance, waitFor } from './support/line-streams-lab.ts';

describe('manual consumer API, OpenAPI and bad input', () => {
  let redis: RedisHandle;
  let raw: Redis;
  let app: LineStreamsApp;
  let server: LineStreamsApp['service']['server'];

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-groups' });
    raw = new Redis(redis.port, redis.host);
    app = await startInstance(redis, { RATE_LIMIT: 0 });
    server = app.service.server;
  });
  afterAll(async () => {
    raw.disconnect();
    await app.service.close();
    await stopAllRedis();
  });

  it('when a learner reads, claims and acks by hand, then the PEL, delivery counts and lag follow each step', async () => {
    const ids: string[] = [];
    for (const text of ['a', 'b', 'c']) {
      ids.push(
        (await request(server).post('/rooms/manual/messages').send({ senderId: 'alice', text })).body.id,
      );
    }
    expect((await request(server).put('/groups/audit').send({ startId: '0' })).body).toMatchObject({
      created: true,
    });
    const read = await request(server).post('/groups/audit/consumers/learner/read').send({ count: 2 });
    expect((read.body as { id: string }[]).map((m) => m.id)).toEqual(ids.slice(0, 2));

    let pending = (await request(server).get('/groups/audit/pending')).body;
    expect(pending).toEqual([
      expect.objectContaining({ room: 'manual', id: ids[0], consumer: 'learner', deliveries: 1 }),
      expect.objectContaining({ room: 'manual', id: ids[1], consumer: 'learner', deliveries: 1 }),
    ]);
    const groups = (await request(server).get('/groups')).body as { group: string }[];
    expect(groups.find((g) => g.group === 'audit')).toMatchObject({
      lag: 1,
      pending: 2,
      consumers: [expect.objectContaining({ name: 'learner', pending: 2 })],
    });

    const claim = await request(server)
      .post('/groups/audit/claim')
      .send({ minIdleMs: 0, consumer: 'rescuer' });
    expect((claim.body.claimed as { id: string }[]).map((m) => m.id)).toEqual(ids.slice(0, 2));
    pending = (await request(server).get('/groups/audit/pending')).body;
    expect(pending[0]).toMatchObject({ consumer: 'rescuer', deliveries: 2 });

    const ack = await request(server)
      .post('/groups/audit/ack')
      .send({ room: 'manual', ids: ids.slice(0, 2) });
    expect(ack.body).toEqual({ acked: 2 });
    expect((await request(server).get('/groups/audit/pending')).body).toEqual([]);
  });

  it('when a read blocks, then a message sent meanwhile is returned to it', async () => {
    // The room and the group exist whether or not the test above ran.
    await request(server).post('/rooms/manual/messages').send({ senderId: 'alice', text: 'earlier' });
    await request(server).put('/groups/audit').send({ startId: '0' }).expect(200);
    // Take what is already there, so the blocked read can only see the new message.
    await request(server).post('/groups/audit/consumers/learner/read').send({ count: 100 });
    const reading = request(server)
      .post('/groups/audit/consumers/learner/read')
      .send({ count: 10, blockMs: 5000 });
    const answer = reading.then((r) => r);
    // Send only once Redis holds the read blocked, so the answer comes from the wake-up, not a lucky order.
    await waitFor(
      'the read to block in Redis',
      async () => String(await raw.client('LIST')),
      (clients) => clients.split('\n').some((c) => c.includes('cmd=xreadgroup') && / flags=\S*b/.test(c)),
    );
    const sent = await request(server).post('/rooms/manual/messages').send({ senderId: 'bob', text: 'late' });
    const got = (await answer).body as { id: string; text: string }[];
    expect(got.map((m) => m.id)).toEqual([sent.body.id]);
  });

  it('when a group does not exist, then the group endpoints answer 404 GROUP_NOT_FOUND', async () => {
    for (const r of [
      await request(server).get('/groups/nope/pending'),
      await request(server).post('/groups/nope/consumers/x/read').send({}),
      await request(server)
        .post('/groups/nope/ack')
        .send({ room: 'manual', ids: ['1-0'] }),
      await request(server).post('/groups/nope/claim').send({ minIdleMs: 0 }),
    ]) {
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'GROUP_NOT_FOUND', outcome: 'not_applied' });
    }
  });

  it('when any endpoint gets malformed input, then it answers 400 problem+json and writes nothing', async () => {
    const before = await raw.dbsize();
    const counters = await raw.hgetall('lab:line-streams:counters');
    const bad: [string, string, unknown?][] = [
      ['post', '/rooms/bad:room/messages', { senderId: 'a', text: 'x' }],
      ['post', '/rooms/r/messages', { text: 'x' }],
      ['post', '/rooms/r/messages', { senderId: 'a', text: 42 }],
      ['post', '/rooms/r/messages', { senderId: 'a', text: '' }],
      ['post', '/rooms/r/messages', { senderId: 'a', text: 'x', extra: true }],
      ['post', '/rooms/r/messages', { senderId: 'a', text: 'x', clientMsgId: 'has space' }],
      ['post', '/rooms/r/messages', { senderId: 'a b', text: 'x' }],
      ['get', '/rooms/r/messages?after=abc'],
      ['get', '/rooms/r/messages?limit=0'],
      ['get', '/rooms/r/messages?limit=5000'],
      ['get', '/rooms/r/messages?colour=blue'],
      ['put', '/rooms/r/members', { members: 'alice' }],
      ['put', '/rooms/r/members', { members: ['ok', 'not ok'] }],
      ['put', '/rooms/r/members', { members: Array.from({ length: 1001 }, (_, i) => `u${i}`) }],
      ['get', '/rooms/bad:room/members'],
      ['get', '/users/bob/inbox?limit=-1'],
      ['get', '/users/b%20ob/inbox'],
      ['post', '/users/b%20ob/inbox/read'],
      ['put', '/groups/audit', { startId: 'x' }],
      ['get', '/groups/audit/pending?limit=abc'],
      ['post', '/groups/audit/consumers/learner/read', { count: 0 }],
      ['post', '/groups/audit/consumers/learner/read', { blockMs: 20_000 }],
      ['post', '/groups/audit/consumers/learner/read', { count: 1, extra: 1 }],
      ['post', '/groups/audit/ack', { room: 'manual', ids: [] }],
      ['post', '/groups/audit/ack', { room: 'manual', ids: ['abc'] }],
      ['post', '/groups/audit/ack', { ids: ['1-0'] }],
      ['post', '/groups/audit/claim', { minIdleMs: -1 }],
      ['post', '/groups/audit/claim', {}],
      ['get', '/dead-letters?limit=0'],
      ['post', '/dead-letters/abc/replay'],
    ];
    for (const [method, url, body] of bad) {
      const agent = request(server);
      const r =
        method === 'get'
          ? await agent.get(url)
          : method === 'put'
            ? await agent.put(url).send(body as object)
            : await agent.post(url).send(body as object);
      expect(r.status, `${method} ${url}`).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
      expect(r.body.code).toBe('VALIDATION_FAILED');
    }
    const malformed = await request(server)
      .post('/rooms/r/messages')
      .set('content-type', 'application/json')
      .send('{"senderId": "a",');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('MALFORMED_JSON');
    const huge = await request(server)
      .post('/rooms/r/messages')
      .send({ senderId: 'a', text: 'x'.repeat(70_000) });
    expect(huge.status).toBe(413);
    const unknownDeadLetter = await request(server).post('/dead-letters/1-0/replay');
    expect(unknownDeadLetter.status).toBe(404);
    expect(unknownDeadLetter.body.code).toBe('DEAD_LETTER_NOT_FOUND');

    expect(await raw.dbsize()).toBe(before);
    expect(await raw.hgetall('lab:line-streams:counters')).toEqual(counters);
    expect((await request(server).get('/healthz')).status).toBe(200);
  });

  it('when the OpenAPI document is read, then every route is there with the errors it can answer', async () => {
    const doc = (await request(server).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const expected: [string, string, string[]][] = [
      ['/rooms/{room}/messages', 'post', ['201', '200', '400', '413', '429', '503', '504']],
      ['/rooms/{room}/messages', 'get', ['200', '400', '503', '504']],
      ['/rooms', 'get', ['200']],
      ['/rooms/{room}/members', 'put', ['200', '400']],
      ['/rooms/{room}/members', 'get', ['200']],
      ['/users/{user}/inbox', 'get', ['200', '400']],
      ['/users/{user}/inbox/read', 'post', ['200']],
      ['/groups', 'get', ['200']],
      ['/groups/{group}', 'put', ['200', '400']],
      ['/groups/{group}/pending', 'get', ['200', '404']],
      ['/groups/{group}/consumers/{consumer}/read', 'post', ['200', '404']],
      ['/groups/{group}/ack', 'post', ['200', '404']],
      ['/groups/{group}/claim', 'post', ['200', '404']],
      ['/dead-letters', 'get', ['200']],
      ['/dead-letters/{id}/replay', 'post', ['201', '404']],
      ['/stats', 'get', ['200']],
      ['/check', 'get', ['200']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      for (const status of statuses)
        expect(operation?.responses, `${method} ${path} ${status}`).toHaveProperty(status);
    }
  });
});
