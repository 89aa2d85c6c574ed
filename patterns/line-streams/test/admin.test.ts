import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import type { LineStreamsApp } from '../src/app.ts';
import { keys } from '../src/store/keys.ts';
import { nodeFor, testSettings } from './support/line-streams-lab.ts';

interface OpenApi {
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

/** Routes that change the lab or erase its evidence need LAB_ADMIN_TOKEN; the data plane stays open. */
describe('admin routes', () => {
  const token = 'line-admin';
  let redis: RedisHandle;
  let raw: Redis;
  let app: LineStreamsApp;

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-admin' });
    raw = new Redis(redis.port, redis.host);
    const node = nodeFor(redis);
    await node.ready();
    // A worker, so its own faults (poison, crash-before-ack) are listed too.
    app = await createApp({
      node,
      settings: testSettings({ ROLE: 'worker', SERVICE_NAME: 'worker-1' }),
      adminToken: token,
      onCrash: () => undefined,
    });
  });
  afterAll(async () => {
    await app.service.close();
    raw.disconnect();
    await stopAllRedis();
  });

  it('when a token is set, then every admin route in the OpenAPI document answers 401 without it, and group creation is one of them', async () => {
    const document = (await request(app.service.server).get('/openapi.json')).body as OpenApi;
    const admin = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => (op.security ?? []).length > 0)
        .map(([method, op]) => ({ method, path: path.replace(/\{[^}]+\}/g, 'x'), op })),
    );
    const names = admin.map((a) => `${a.method.toUpperCase()} ${a.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'PUT /groups/x',
        'DELETE /history',
        'POST /chaos/faults/poison',
        'POST /chaos/faults/crash-before-ack',
      ]),
    );
    for (const { method, path } of admin) {
      const call = (url: string) => {
        const agent = request(app.service.server);
        if (method === 'put') return agent.put(url);
        if (method === 'post') return agent.post(url);
        if (method === 'delete') return agent.delete(url);
        return agent.get(url);
      };
      const answer = await call(path)
        .set('content-type', 'application/json')
        .send(method === 'get' || method === 'delete' ? undefined : {});
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.code, `${method} ${path}`).toBe('ADMIN_TOKEN_REQUIRED');
    }
    // The data plane stays open.
    const sent = await request(app.service.server)
      .post('/rooms/open/messages')
      .send({ senderId: 'alice', text: 'hi' });
    expect(sent.status).toBe(201);
  });

  it('when PUT /groups/{group} comes without the token, then no group is created; with it, the group exists', async () => {
    const refused = await request(app.service.server).put('/groups/tour').send({ startId: '$' });
    expect(refused.status).toBe(401);
    expect(await raw.sismember(keys.groups, 'tour')).toBe(0);
    const allowed = await request(app.service.server)
      .put('/groups/tour')
      .set('authorization', `bearer ${token}`)
      .send({ startId: '$' });
    expect(allowed.status).toBe(200);
    expect(await raw.sismember(keys.groups, 'tour')).toBe(1);
  });
});
