import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { defaultSettings, startLab, valuesOn } from './support/quorum-consistency-lab.ts';
import type { Lab } from './support/quorum-consistency-lab.ts';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab?.close();
  await stopAllRedis();
});

const app = () => lab.a.server;

async function expectProblem(response: request.Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(response.body.code).toBe(code);
  expect(response.body.outcome).toBe('not_applied');
  // The process is still serving.
  expect((await request(app()).get('/healthz')).status).toBe(200);
}

describe('bad input is refused with problem+json and leaves nothing behind', () => {
  it.each([
    ['a number as value', { value: 5 }],
    ['no value', {}],
    ['an unknown field', { value: 'x', extra: true }],
    ['a context that is not a string', { value: 'x', context: { a: 1 } }],
    ['a value over 16 KiB', { value: 'x'.repeat(16 * 1024 + 1) }],
  ])('PUT /kv/{key} with %s is 400 VALIDATION_FAILED', async (_what, body) => {
    await expectProblem(await request(app()).put('/kv/bad-put').send(body), 400, 'VALIDATION_FAILED');
    expect(await valuesOn(lab.a, 'bad-put')).toEqual({ 'replica-1': [], 'replica-2': [], 'replica-3': [] });
  });

  it.each([
    ['not base64url', 'not base64!'],
    ['base64 of something that is not a clock', 'eyJhIjozfQ'],
    ['base64 of garbage', 'AAAA'],
  ])('PUT /kv/{key} with a context that is %s is 400 INVALID_CONTEXT', async (_what, context) => {
    await expectProblem(
      await request(app()).put('/kv/bad-context').send({ value: 'x', context }),
      400,
      'INVALID_CONTEXT',
    );
    expect(await valuesOn(lab.a, 'bad-context')).toEqual({
      'replica-1': [],
      'replica-2': [],
      'replica-3': [],
    });
  });

  it('malformed JSON, a missing content type and a body over the limit are refused before the handler', async () => {
    await expectProblem(
      await request(app()).put('/kv/k').set('content-type', 'application/json').send('{"value": '),
      400,
      'MALFORMED_JSON',
    );
    await expectProblem(
      await request(app()).put('/kv/k').set('content-type', 'text/plain').send('v'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await expectProblem(
      await request(app())
        .put('/kv/k')
        .send({ value: 'x'.repeat(70_000) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it.each([
    ['a space', 'has%20space'],
    ['a key over 200 characters', 'k'.repeat(201)],
    ['an encoded slash', '..%2F..%2Fetc'],
  ])('a key with %s is 400 on every /kv route', async (_what, key) => {
    await expectProblem(
      await request(app()).put(`/kv/${key}`).send({ value: 'x' }),
      400,
      'VALIDATION_FAILED',
    );
    await expectProblem(await request(app()).get(`/kv/${key}`), 400, 'VALIDATION_FAILED');
    await expectProblem(await request(app()).delete(`/kv/${key}`), 400, 'VALIDATION_FAILED');
    await expectProblem(await request(app()).get(`/kv/${key}/replicas`), 400, 'VALIDATION_FAILED');
  });

  it.each([
    ['?w=0', 'VALIDATION_FAILED'],
    ['?w=two', 'VALIDATION_FAILED'],
    ['?w=1.5', 'VALIDATION_FAILED'],
    ['?w=4', 'INVALID_QUORUM'],
    ['?x=1', 'VALIDATION_FAILED'],
  ])('PUT /kv/{key}%s is 400 %s', async (query, code) => {
    await expectProblem(await request(app()).put(`/kv/bad-w${query}`).send({ value: 'x' }), 400, code);
    expect(await valuesOn(lab.a, 'bad-w')).toEqual({ 'replica-1': [], 'replica-2': [], 'replica-3': [] });
  });

  it.each([
    ['?r=0', 'VALIDATION_FAILED'],
    ['?r=abc', 'VALIDATION_FAILED'],
    ['?r=4', 'INVALID_QUORUM'],
  ])('GET /kv/{key}%s is 400 %s', async (query, code) => {
    await expectProblem(await request(app()).get(`/kv/k${query}`), 400, code);
  });

  it('DELETE /kv/{key} with an unknown field, a bad context or ?w=9 is refused and writes no tombstone', async () => {
    await expectProblem(
      await request(app()).delete('/kv/bad-delete').send({ force: true }),
      400,
      'VALIDATION_FAILED',
    );
    await expectProblem(
      await request(app()).delete('/kv/bad-delete').send({ context: '!!' }),
      400,
      'INVALID_CONTEXT',
    );
    await expectProblem(await request(app()).delete('/kv/bad-delete?w=9'), 400, 'INVALID_QUORUM');
    expect(await valuesOn(lab.a, 'bad-delete')).toEqual({
      'replica-1': [],
      'replica-2': [],
      'replica-3': [],
    });
  });

  it.each([
    ['W above N', { w: 4 }, 'INVALID_QUORUM'],
    ['R above N', { r: 5 }, 'INVALID_QUORUM'],
    ['W of zero', { w: 0 }, 'VALIDATION_FAILED'],
    ['a fractional R', { r: 1.5 }, 'VALIDATION_FAILED'],
    ['W as a string', { w: '2' }, 'VALIDATION_FAILED'],
    ['an unknown policy', { conflictPolicy: 'first-write-wins' }, 'VALIDATION_FAILED'],
    ['a switch that is not a boolean', { sloppyQuorum: 'yes' }, 'VALIDATION_FAILED'],
    ['an unknown field', { n: 5 }, 'VALIDATION_FAILED'],
    ['a good W beside a bad R', { w: 1, r: 9 }, 'INVALID_QUORUM'],
  ])('PUT /config with %s is 400 %s and changes nothing', async (_what, body, code) => {
    const before = (await request(app()).get('/config')).body;
    await expectProblem(await request(app()).put('/config').send(body), 400, code);
    expect((await request(app()).get('/config')).body).toEqual(before);
  });

  it('GET /merkle/{node} for an unknown replica is 404 UNKNOWN_REPLICA, and a depth over 12 is 400', async () => {
    await expectProblem(await request(app()).get('/merkle/replica-9'), 404, 'UNKNOWN_REPLICA');
    await expectProblem(await request(app()).get('/merkle/replica-1?depth=13'), 400, 'VALIDATION_FAILED');
    await expectProblem(await request(app()).get('/merkle/replica-1?depth=-1'), 400, 'VALIDATION_FAILED');
  });

  it('POST /anti-entropy, POST /hints/replay and GET /hints refuse malformed bodies and unknown methods', async () => {
    for (const path of ['/anti-entropy', '/hints/replay']) {
      await expectProblem(
        await request(app()).post(path).set('content-type', 'application/json').send('{'),
        400,
        'MALFORMED_JSON',
      );
    }
    await expectProblem(await request(app()).delete('/hints'), 405, 'METHOD_NOT_ALLOWED');
  });

  it('the flush-replica fault refuses a replica that does not exist', async () => {
    await expectProblem(
      await request(app()).post('/chaos/faults/flush-replica').send({ node: 'replica-7' }),
      400,
      'VALIDATION_FAILED',
    );
  });
});

describe('OpenAPI', () => {
  it('documents every route with its request schema and every error it can return', async () => {
    const document = (await request(app()).get('/openapi.json')).body;
    const operations: Record<string, string[]> = {
      '/kv/{key}': ['put', 'get', 'delete'],
      '/kv/{key}/replicas': ['get'],
      '/config': ['get', 'put'],
      '/hints': ['get'],
      '/hints/replay': ['post'],
      '/merkle/{node}': ['get'],
      '/anti-entropy': ['post'],
      '/stats': ['get'],
      '/check': ['get'],
    };
    for (const [path, methods] of Object.entries(operations)) {
      for (const method of methods) expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const putKv = document.paths['/kv/{key}'].put;
    expect(Object.keys(putKv.responses)).toEqual(expect.arrayContaining(['200', '400', '503']));
    expect(putKv.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(document.paths['/kv/{key}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '404', '503']),
    );
    expect(Object.keys(document.paths['/merkle/{node}'].get.responses)).toEqual(
      expect.arrayContaining(['200', '404']),
    );
    expect(Object.keys(document.paths['/config'].put.responses)).toEqual(
      expect.arrayContaining(['200', '400']),
    );
  });

  it('serves /docs, /readyz, /metrics and /stats', async () => {
    expect((await request(app()).get('/docs/')).status).toBe(200);
    expect((await request(app()).get('/readyz')).body.status).toBe('ready');
    expect((await request(app()).get('/metrics')).text).toMatch(/http_request/);
    expect((await request(app()).get('/stats')).body).toMatchObject({ instance: 'quorum-a', n: 3 });
  });
});

describe('admin routes', () => {
  it('with an admin token configured, every route OpenAPI marks as admin is 401 without it, PUT /config among them, and data routes stay open', async () => {
    const { service: guarded } = await createApp({
      nodes: await connectRedisNodes(
        lab.redis.map((handle, i) => ({
          name: `replica-${i + 1}`,
          url: handle.url,
          host: handle.host,
          port: handle.port,
        })),
      ),
      instance: 'quorum-guarded',
      settings: defaultSettings,
      adminToken: 'lab-secret',
    });
    try {
      const document = (await request(guarded.server).get('/openapi.json')).body as {
        paths: Record<string, Record<string, { security?: unknown[] }>>;
      };
      const admin = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.entries(methods)
          .filter(([, operation]) => (operation.security ?? []).length > 0)
          .map(([method]) => `${method} ${path}`),
      );
      expect(admin).toEqual(expect.arrayContaining(['put /config', 'delete /history', 'delete /chaos']));
      for (const route of admin) {
        const [method, path] = route.split(' ') as [string, string];
        const url = path.replace('{node}', 'replica-1');
        const agent = request(guarded.server);
        const call =
          method === 'put'
            ? agent.put(url)
            : method === 'post'
              ? agent.post(url)
              : method === 'delete'
                ? agent.delete(url)
                : agent.get(url);
        const response = await call
          .set('content-type', 'application/json')
          .send(method === 'put' || method === 'post' ? {} : undefined);
        expect(response.status, route).toBe(401);
        expect(response.body.code, route).toBe('ADMIN_TOKEN_REQUIRED');
      }
      // Refused before anything changed; the token, in any case of the scheme, is let through.
      expect((await request(guarded.server).get('/config')).body.w).toBe(2);
      const allowed = await request(guarded.server)
        .put('/config')
        .set('authorization', 'bearer lab-secret')
        .send({ w: 1 });
      expect(allowed.status).toBe(200);
      expect(allowed.body.w).toBe(1);
      // Data-plane routes need no token.
      expect((await request(guarded.server).put('/kv/open').send({ value: 'x' })).status).toBe(200);
      expect(
        (await request(guarded.server).post('/anti-entropy').set('content-type', 'application/json')).status,
      ).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});
