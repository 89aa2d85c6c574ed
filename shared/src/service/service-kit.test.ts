import { Writable } from 'node:stream';
import { pino } from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError, defineErrorCodes } from './app-error.ts';
import type { ErrorCodeOf } from './app-error.ts';
import { createService } from './create-service.ts';
import type { Service } from './create-service.ts';
import { z } from './zod.ts';

const codes = defineErrorCodes({
  WIDGET_JAMMED: { status: 409, title: 'Widget jammed', outcome: 'not_applied' },
});

/** What a pattern's `src/errors.ts` declares: its AppError, typed by its codes and the kit's. */
class WidgetError extends AppError<ErrorCodeOf<typeof codes>> {
  static override readonly codes = codes;
}

function testService(options: { adminToken?: string; requestTimeoutMs?: number } = {}): Service {
  const service = createService({ name: 'kit-test', errors: codes, bodyLimitBytes: 1024, ...options });
  service.route({
    method: 'put',
    path: '/widgets/{id}',
    summary: 'Store a widget',
    params: z.object({ id: z.string().regex(/^[a-z]+$/) }),
    query: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
    body: z.strictObject({ size: z.number().int().min(1).max(10), label: z.string().max(20) }),
    errors: ['WIDGET_JAMMED'],
    responses: { 200: { description: 'Stored', schema: z.object({ id: z.string(), size: z.number() }) } },
    handler: ({ params, body }) => {
      if (body.label === 'jam')
        throw new WidgetError('WIDGET_JAMMED', 'jammed', { extras: { id: params.id } });
      return { status: 200, body: { id: params.id, size: body.size } };
    },
  });
  service.route({
    method: 'get',
    path: '/widgets/{id}',
    summary: 'Read a widget',
    params: z.object({ id: z.string() }),
    responses: { 200: { description: 'The widget', schema: z.object({ id: z.string() }) } },
    handler: ({ params }) => ({ status: 200, body: { id: params.id } }),
  });
  service.route({
    method: 'get',
    path: '/crash',
    summary: 'Throws an unexpected error',
    responses: { 200: { description: 'never' } },
    handler: () => {
      throw new Error('secret internal detail');
    },
  });
  service.route({
    method: 'get',
    path: '/redis-timeout',
    summary: 'Throws what ioredis throws on a command timeout',
    responses: { 200: { description: 'never' } },
    handler: () => {
      throw new Error('Command timed out');
    },
  });
  service.route({
    method: 'get',
    path: '/redis-offline',
    summary: 'Throws what ioredis throws when the node is unreachable',
    responses: { 200: { description: 'never' } },
    handler: () => {
      throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    },
  });
  service.route({
    method: 'get',
    path: '/slow',
    summary: 'Never answers in time',
    responses: { 200: { description: 'never' } },
    handler: () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: {} }), 1_000)),
  });
  return service;
}

function expectProblem(res: request.Response, status: number, code: string, outcome = 'not_applied'): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    code,
    outcome,
    type: expect.stringContaining('kvs-lab.dev/errors/'),
  });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
}

describe('service kit: one error shape', () => {
  const service = testService();
  const app = service.server;

  it('when the request is valid, then the handler answers', async () => {
    const res = await request(app).put('/widgets/abc').send({ size: 3, label: 'x' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'abc', size: 3 });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('when requests carry no id, then each gets its own; a well-formed incoming id is echoed, a malformed one replaced', async () => {
    const ids = await Promise.all(
      [1, 2, 3].map(
        async () => (await request(app).put('/widgets/abc').send({ size: 3 })).headers['x-request-id'],
      ),
    );
    expect(new Set(ids).size).toBe(3);
    const given = await request(app).put('/widgets/abc').set('X-Request-Id', 'trace-42').send({ size: 3 });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const bad = await request(app).put('/widgets/abc').set('X-Request-Id', 'no spaces<>').send({ size: 3 });
    expect(bad.headers['x-request-id']).not.toBe('no spaces<>');
  });

  it('when fields are invalid, then 400 VALIDATION_FAILED lists every offending field', async () => {
    const res = await request(app).put('/widgets/ABC?dryRun=maybe').send({ size: 99, extra: 1 });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['params.id', 'query.dryRun', 'body.size', 'body.label', 'body']),
    );
  });

  it('when a path parameter has a malformed percent-encoding, then 400 VALIDATION_FAILED, not 500', async () => {
    const res = await request(app).get('/widgets/%ZZ');
    expectProblem(res, 400, 'VALIDATION_FAILED');
    expect(res.body.errors).toEqual([{ path: 'path', message: expect.stringMatching(/percent-encoding/) }]);
  });

  it('when the JSON is malformed, then 400 MALFORMED_JSON', async () => {
    const res = await request(app)
      .put('/widgets/abc')
      .set('content-type', 'application/json')
      .send('{"size": 3,');
    expectProblem(res, 400, 'MALFORMED_JSON');
  });

  it('when the body carries __proto__, then 400 and nothing reaches the handler', async () => {
    const res = await request(app)
      .put('/widgets/abc')
      .set('content-type', 'application/json')
      .send('{"size":3,"label":"x","__proto__":{"polluted":true}}');
    expectProblem(res, 400, 'MALFORMED_JSON');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('when the content type is wrong or missing, then 415', async () => {
    expectProblem(
      await request(app).put('/widgets/abc').set('content-type', 'text/plain').send('size=3'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const noType = await request(app)
      .put('/widgets/abc')
      .set('content-type', '')
      .send(Buffer.from('{"size":3}'));
    expectProblem(noType, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('when the body is over the limit, then 413', async () => {
    const res = await request(app)
      .put('/widgets/abc')
      .send({ size: 3, label: 'x'.repeat(5_000) });
    expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('when no route matches, then 404', async () => {
    expectProblem(await request(app).get('/nowhere'), 404, 'NOT_FOUND');
  });

  it('when the path exists under other methods, then 405 with Allow', async () => {
    const res = await request(app).delete('/widgets/abc');
    expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'PUT']);
  });

  it('when a handler throws an AppError, then its code, status and extras are sent', async () => {
    const res = await request(app).put('/widgets/abc').send({ size: 3, label: 'jam' });
    expectProblem(res, 409, 'WIDGET_JAMMED');
    expect(res.body.id).toBe('abc');
  });

  it('typed codes: a misspelt code fails the typecheck, is INTERNAL at run time, and a route may not list it', () => {
    // @ts-expect-error WIDGET_JAMED is not a code of this table or the kit's.
    const misspelt = new WidgetError('WIDGET_JAMED');
    expect(misspelt.code).toBe('INTERNAL');
    expect(misspelt.status).toBe(500);
    expect(new WidgetError('KEY_NOT_FOUND').status).toBe(404);
    expect(() =>
      defineErrorCodes({ NOT_FOUND: { status: 404, title: 'again', outcome: 'not_applied' } }),
    ).toThrow(/kit's/);
    const service = createService({ name: 'kit-typo', errors: codes });
    expect(() =>
      service.route({
        method: 'get',
        path: '/typo',
        summary: 'Lists a code nobody declared',
        errors: ['WIDGET_JAMED'],
        responses: { 200: { description: 'never' } },
        handler: () => ({ status: 200 }),
      }),
    ).toThrow(/WIDGET_JAMED, not in the service's table/);
  });

  it('when a handler throws something unexpected, then 500 INTERNAL without its message or stack', async () => {
    const res = await request(app).get('/crash');
    expectProblem(res, 500, 'INTERNAL', 'indeterminate');
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
  });

  it('when Redis is unreachable, then 503 not_applied; when a command times out, then 504 indeterminate', async () => {
    expectProblem(await request(app).get('/redis-offline'), 503, 'REDIS_UNAVAILABLE', 'not_applied');
    expectProblem(await request(app).get('/redis-timeout'), 504, 'REDIS_TIMEOUT', 'indeterminate');
  });

  it('when a request outlives the request timeout, then 504 TIMEOUT', async () => {
    const slow = testService({ requestTimeoutMs: 100 });
    expectProblem(await request(slow.server).get('/slow'), 504, 'TIMEOUT', 'indeterminate');
  });

  it('serves the OpenAPI 3.1 document with every route, its problems and Swagger UI', async () => {
    const doc = (await request(app).get('/openapi.json')).body as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const put = doc.paths['/widgets/{id}']?.put;
    expect(Object.keys(put?.responses ?? {}).sort()).toEqual(['200', '400', '409', '413', '415', '500']);
    for (const kit of ['/healthz', '/readyz', '/metrics', '/chaos', '/chaos/pause', '/chaos/links/{node}']) {
      expect(doc.paths[kit]).toBeDefined();
    }
    const docs = await request(app).get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger-ui');
    const init = await request(app).get('/docs/swagger-ui-init.js');
    expect(init.text).toContain('"validatorUrl": null');
  });

  it('exposes Prometheus metrics labelled by route template, not raw URL', async () => {
    await request(app).get('/widgets/zzz');
    const text = (await request(app).get('/metrics')).text;
    expect(text).toContain('http_requests_total{method="GET",route="/widgets/:id",status="200"');
    expect(text).not.toContain('zzz');
  });
});

describe('service kit: /chaos admin token', () => {
  it('when LAB_ADMIN_TOKEN is set, then /chaos needs it (401) and accepts it', async () => {
    const service = testService({ adminToken: 's3cret' });
    expectProblem(await request(service.server).get('/chaos'), 401, 'ADMIN_TOKEN_REQUIRED');
    expectProblem(
      await request(service.server).get('/chaos').set('authorization', 'Bearer nope'),
      401,
      'ADMIN_TOKEN_REQUIRED',
    );
    const ok = await request(service.server).get('/chaos').set('authorization', 'Bearer s3cret');
    expect(ok.status).toBe(200);
  });

  it('when no token is configured, then /chaos is open (a local lab)', async () => {
    const res = await request(testService().server).get('/chaos');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ links: [], faults: [] });
  });
});

describe('service kit: a pattern fault in the OpenAPI document', () => {
  it('when a fault names the errors it can throw, then its inject and heal operations list them', async () => {
    const service = createService({
      name: 'kit-test-faults',
      faults: [
        {
          name: 'flush-node',
          description: 'erase one node',
          errors: ['REDIS_UNAVAILABLE'],
          inject: () => undefined,
          heal: () => undefined,
          state: () => ({ active: false }),
        },
      ],
    });
    const doc = (await request(service.server).get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const operations = doc.paths['/chaos/faults/flush-node'];
    expect(Object.keys(operations?.post?.responses ?? {})).toContain('503');
    expect(Object.keys(operations?.delete?.responses ?? {})).toContain('503');
  });
});

describe('service kit: request logs', () => {
  it('when a path prefix is quiet, then its requests are not logged and the others are', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const service = createService({
      name: 'kit-test-logs',
      logger: pino({ level: 'info' }, sink),
      quietPathPrefixes: ['/internal/'],
    });
    for (const path of ['/internal/heartbeat', '/healthz', '/widgets/loud']) {
      service.route({
        method: 'get',
        path,
        summary: path,
        responses: { 200: { description: 'ok' } },
        handler: () => ({ status: 200, body: {} }),
      });
    }
    for (const path of ['/internal/heartbeat', '/healthz', '/widgets/loud'])
      await request(service.server).get(path);
    const logged = lines.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url);
    expect(logged).toContain('/widgets/loud');
    expect(logged).not.toContain('/internal/heartbeat');
    expect(logged).not.toContain('/healthz');
  });
});
