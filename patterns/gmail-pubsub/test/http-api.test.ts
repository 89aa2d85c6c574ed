import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningInstance } from './support/gmail-pubsub-lab.ts';
import { startInstance } from './support/gmail-pubsub-lab.ts';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startRedis } from '@kvs-lab/shared/testing';
import { publishMails } from './support/mail.ts';

function expectProblem(res: request.Response, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, outcome: 'not_applied' });
}

describe('REST API: bad input is a 4xx problem and writes nothing; the document lists every route', () => {
  let app: RunningInstance;
  let redis: RedisHandle;

  beforeAll(async () => {
    redis = await startRedis({ name: 'pubsub-http' });
    app = await startInstance(redis, 'pubsub-a');
  });

  afterAll(async () => {
    await app?.service.close();
    await stopAllRedis();
  });

  const post = (path: string) => request(app.service.server).post(path);
  const good = { from: 'bob@example.com', subject: 'hi', labels: ['work'] };

  it('POST /users/{userId}/messages refuses every malformed request and nothing reaches the history', async () => {
    expectProblem(await post('/users/UPPER/messages').send(good), 400, 'VALIDATION_FAILED');
    expectProblem(await post(`/users/${'u'.repeat(65)}/messages`).send(good), 400, 'VALIDATION_FAILED');
    expectProblem(
      await post('/users/uma/messages').set('content-type', 'application/json').send('{"from":'),
      400,
      'MALFORMED_JSON',
    );
    expectProblem(
      await post('/users/uma/messages').set('content-type', 'text/plain').send('hello'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    for (const body of [
      { ...good, extra: true },
      { ...good, from: 7 },
      { ...good, from: '' },
      { ...good, subject: 's'.repeat(201) },
      { ...good, body: 'b'.repeat(4_001) },
      { ...good, labels: ['mailbox'] },
      { ...good, labels: ['Work'] },
      { ...good, labels: Array.from({ length: 11 }, (_, i) => `l${i}`) },
      { ...good, labels: 'work' },
      { subject: 'no sender', labels: [] },
      [],
    ]) {
      const res = await post('/users/uma/messages').send(body);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    }
    expectProblem(
      await post('/users/uma/messages')
        .set('content-type', 'application/json')
        .send('{"__proto__":{"x":1},"from":"a@b.c","subject":"s"}'),
      400,
      'MALFORMED_JSON',
    );
    expectProblem(
      await post('/users/uma/messages').send({ ...good, body: 'x'.repeat(70_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const history = await request(app.service.server).get('/users/uma/history?startHistoryId=0').expect(200);
    expect(history.body).toMatchObject({ historyId: 0, events: [] });
  });

  it('GET /users/{userId}/history and /messages refuse bad queries', async () => {
    for (const query of [
      '',
      '?startHistoryId=-1',
      '?startHistoryId=abc',
      '?startHistoryId=1.5',
      '?startHistoryId=0&limit=0',
      '?startHistoryId=0&other=1',
    ]) {
      expectProblem(
        await request(app.service.server).get(`/users/uma/history${query}`),
        400,
        'VALIDATION_FAILED',
      );
    }
    for (const query of [
      '?limit=0',
      '?limit=1001',
      '?limit=x',
      '?since=3',
      '?afterHistoryId=-1',
      '?afterHistoryId=x',
    ]) {
      expectProblem(
        await request(app.service.server).get(`/users/uma/messages${query}`),
        400,
        'VALIDATION_FAILED',
      );
    }
    expectProblem(
      await request(app.service.server).get('/users/a%2F..%2Fb/history?startHistoryId=0'),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('POST /users/{userId}/history/trim refuses bad bodies', async () => {
    for (const body of [
      {},
      { keepLast: -1 },
      { keepLast: 'all' },
      { keepLast: 1.5 },
      { keepLast: 1, force: true },
    ]) {
      expectProblem(await post('/users/uma/history/trim').send(body), 400, 'VALIDATION_FAILED');
    }
  });

  it('POST /topics/{topic}/publish refuses bad topics and payloads', async () => {
    expectProblem(await post('/topics/Bad!/publish').send({ payload: {} }), 400, 'VALIDATION_FAILED');
    for (const body of [
      {},
      { payload: [] },
      { payload: 'text' },
      { payload: { big: 'x'.repeat(9_000) } },
      { payload: {}, extra: 1 },
    ]) {
      expectProblem(await post('/topics/news/publish').send(body), 400, 'VALIDATION_FAILED');
    }
    const ok = await post('/topics/news/publish').send({ payload: { subject: 'fine' } });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ topic: 'news', instancesReached: 0, localSockets: 0 });
  });

  it('PUT /backpressure refuses unknown policies and out-of-range bounds, and keeps the old settings', async () => {
    const before = (await request(app.service.server).get('/backpressure').expect(200)).body;
    for (const body of [
      { policy: 'drop-newest' },
      { policy: 'coalesce', capacity: 0 },
      { policy: 'coalesce', window: 5_000 },
      {},
    ]) {
      expectProblem(
        await request(app.service.server).put('/backpressure').send(body),
        400,
        'VALIDATION_FAILED',
      );
    }
    expect((await request(app.service.server).get('/backpressure')).body).toEqual(before);
  });

  it('read-only endpoints answer, and wrong methods are 405', async () => {
    for (const path of [
      '/topics',
      '/subscribers',
      '/stats',
      '/check',
      '/history',
      '/healthz',
      '/readyz',
      '/metrics',
      '/chaos',
    ]) {
      expect((await request(app.service.server).get(path)).status).toBe(200);
    }
    expectProblem(await request(app.service.server).delete('/stats'), 405, 'METHOD_NOT_ALLOWED');
    expectProblem(
      await request(app.service.server).get('/users/uma/history/trim'),
      405,
      'METHOD_NOT_ALLOWED',
    );
  });

  it('with an admin token configured, then every route the OpenAPI document marks admin answers 401 without it and changes nothing', async () => {
    const adminToken = 'gmail-admin-token';
    const guarded = await startInstance(redis, 'pubsub-guarded', {}, { adminToken });
    try {
      const anonymous = request(guarded.service.server);
      const doc = (await anonymous.get('/openapi.json')).body as {
        paths: Record<string, Record<string, { security?: unknown[] }>>;
      };
      const adminRoutes = Object.entries(doc.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(([, operation]) => (operation.security ?? []).length > 0)
          .map(([method]) => `${method} ${path}`),
      );
      // The settings and the evidence are guarded (the kit adds /chaos and DELETE /history)...
      expect(adminRoutes).toEqual(
        expect.arrayContaining([
          'put /backpressure',
          'post /users/{userId}/history/trim',
          'delete /history',
          'post /chaos/faults/kill-subscriber',
        ]),
      );
      // ...the data plane is not.
      expect(adminRoutes.filter((route) => /messages|publish|get \/users/.test(route))).toEqual([]);
      await publishMails(guarded, 'gina', 3);
      const samples: Record<string, unknown> = {
        'put /backpressure': { policy: 'disconnect' },
        'post /users/{userId}/history/trim': { keepLast: 0 },
      };
      for (const route of adminRoutes) {
        const [method, path] = route.split(' ') as [string, string];
        const call = anonymous[method as 'post' | 'put' | 'delete' | 'get'](path.replace('{userId}', 'gina'))
          .set('content-type', 'application/json')
          .send(JSON.stringify(samples[route] ?? {}));
        expectProblem(await call, 401, 'ADMIN_TOKEN_REQUIRED');
      }
      expect((await anonymous.get('/backpressure')).body.policy).toBe('drop-oldest');
      const history = await anonymous.get('/users/gina/history?startHistoryId=0').expect(200);
      expect(history.body.events).toHaveLength(3);
      expect((await anonymous.get('/stats')).body.subscriber.resubscribes).toBe(0);
      // The token, in any case of the scheme, opens them.
      await anonymous
        .put('/backpressure')
        .set('authorization', `bearer ${adminToken}`)
        .send({ policy: 'coalesce' })
        .expect(200);
      expect((await anonymous.get('/backpressure')).body.policy).toBe('coalesce');
    } finally {
      await guarded.service.close();
    }
  });

  it('the OpenAPI document lists every route with its success and error responses', async () => {
    const doc = (await request(app.service.server).get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    const expected: [string, string, string[]][] = [
      ['/users/{userId}/messages', 'post', ['201', '400', '413', '415', '503', '504']],
      ['/users/{userId}/messages', 'get', ['200', '400', '503', '504']],
      ['/users/{userId}/history', 'get', ['200', '400', '404', '503', '504']],
      ['/users/{userId}/history/trim', 'post', ['200', '400', '503', '504']],
      ['/topics/{topic}/publish', 'post', ['202', '400', '503', '504']],
      ['/topics', 'get', ['200']],
      ['/subscribers', 'get', ['200']],
      ['/backpressure', 'get', ['200']],
      ['/backpressure', 'put', ['200', '400']],
      ['/stats', 'get', ['200']],
      ['/check', 'get', ['200']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      for (const status of statuses)
        expect(Object.keys(operation?.responses ?? {}), `${method} ${path}`).toContain(status);
    }
    expect(doc.paths['/users/{userId}/messages']?.post?.requestBody).toBeDefined();
  });
});
