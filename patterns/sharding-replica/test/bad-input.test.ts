import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';

function expectProblem(res: request.Response, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers['content-type']).toContain('application/problem+json');
  if (code) expect(res.body.code).toBe(code);
}

describe('bad input: every endpoint answers 4xx problem+json and writes nothing', () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof request.agent>;
  let anonymous: ReturnType<typeof request>;
  const adminToken = 'bad-input-admin-token';

  beforeAll(async () => {
    // No failover in this file: a cut link must stay a cut link for the readiness test.
    cluster = await startCluster(
      { MAX_VALUE_BYTES: '64', FAILOVER_MISSED_PINGS: '100', PING_INTERVAL_MS: '10000' },
      2,
      { adminToken },
    );
    // The lab's own calls carry the admin token; `anonymous` is anyone else who reaches the port.
    api = request.agent(cluster.service.server).set('authorization', `Bearer ${adminToken}`);
    anonymous = request(cluster.service.server);
  });

  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  async function keysStored(): Promise<number> {
    let total = 0;
    for (const shard of cluster.router.state.map.shards) {
      total += await cluster.router.state.node(shard.master).client.dbsize();
    }
    return total;
  }

  it('PUT /kv/{key}: bad key, bad durability, missing/extra/wrong-typed/oversized value, malformed JSON', async () => {
    expectProblem(await api.put('/kv/a%20b').send({ value: 'x' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put(`/kv/${'k'.repeat(201)}`).send({ value: 'x' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a?durability=quorum').send({ value: 'x' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a?extra=1').send({ value: 'x' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a').send({}), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a').send({ value: 42 }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a').send({ value: 'x', ttl: 5 }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/kv/a').send({ value: 'é'.repeat(40) }), 400, 'VALIDATION_FAILED');
    expectProblem(
      await api.put('/kv/a').set('content-type', 'application/json').send('{"value":'),
      400,
      'MALFORMED_JSON',
    );
    expectProblem(await api.put('/kv/a').set('content-type', 'text/plain').send('value'), 415);
    expectProblem(
      await api
        .put('/kv/a')
        .set('content-type', 'application/json')
        .send('{"__proto__":{"x":1},"value":"v"}'),
      400,
    );
    expect(await keysStored()).toBe(0);
  });

  it('GET and DELETE /kv/{key}, GET /locate/{key}: bad key or consistency', async () => {
    expectProblem(await api.get('/kv/a*b'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/kv/a?consistency=linearizable'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.delete('/kv/a%2Fb'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/locate/a%20b'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.post('/kv/a').send({ value: 'x' }), 405, 'METHOD_NOT_ALLOWED');
  });

  it('items: bad pk or sk, bad page parameters', async () => {
    expectProblem(await api.put('/items/a%20b/x').send({ value: 'v' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/items/a/x%20y').send({ value: 'v' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/items/a/x').send({ value: ['v'] }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a/x%24'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.delete('/items/a/x%24'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?limit=0'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?limit=1001'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?limit=ten'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?order=up'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?prefix=%20'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/items/a?startAfter='), 400, 'VALIDATION_FAILED');
    expect(await keysStored()).toBe(0);
  });

  it('ring, shards, hot keys, autoscale: out-of-range numbers, unknown modes and fields', async () => {
    expectProblem(await api.get('/ring/balance?virtualNodes=0'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/ring/balance?sampleKeys=10'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.get('/ring/balance?virtualNodes=1.5'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.delete('/shards/shard-x'), 400, 'VALIDATION_FAILED');
    expectProblem(await api.delete('/shards/shard-7'), 404, 'SHARD_NOT_FOUND');
    expectProblem(await api.post('/shards'), 409, 'NO_STANDBY_SHARD');
    expectProblem(await api.put('/hotkeys/mitigation').send({ mode: 'magic' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/hotkeys/mitigation').send({}), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/autoscale').send({ isEnabled: 'yes' }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/autoscale').send({ maxKeysPerShard: -1 }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.put('/autoscale').send({ cooldown: 1 }), 400, 'VALIDATION_FAILED');
    expectProblem(await api.post('/chaos/faults/replication-pause').send({ shard: 'shard-99' }), 404);
    expectProblem(await api.post('/chaos/faults/replication-pause').send({ shard: 'x' }), 400);
    expectProblem(await api.get('/history?limit=0'), 400, 'VALIDATION_FAILED');
    expect((await api.get('/autoscale')).body.isEnabled).toBe(false);
  });

  it('the process is still up and serving after all of it', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    expect((await api.put('/kv/ok').send({ value: 'fine' })).status).toBe(200);
  });

  it('/readyz is 503 naming the shard while its master is unreachable, and writes to that shard are 503 not_applied', async () => {
    expect((await api.get('/readyz')).status).toBe(200);
    const key = cluster.sharding.locateKey('ready-probe');
    await api.put(`/chaos/links/${key.master}`).send({ mode: 'cut' });
    const ready = await api.get('/readyz');
    expect(ready.status).toBe(503);
    expect(JSON.stringify(ready.body)).toContain(`master:${key.shard}`);
    expectProblem(await api.put('/kv/ready-probe').send({ value: 'v' }), 503, 'REDIS_UNAVAILABLE');
    await api.delete('/chaos');
    expect((await api.get('/readyz')).status).toBe(200);
    expect((await api.put('/kv/ready-probe').send({ value: 'v' })).status).toBe(200);
  });

  it('when the replica is unreachable, then the replication-pause fault is 503 not_applied and leaves no shard marked paused', async () => {
    await api.put('/chaos/links/shard-1-replica').send({ mode: 'cut' });
    try {
      expectProblem(
        await api.post('/chaos/faults/replication-pause').send({ shard: 'shard-1' }),
        503,
        'REDIS_UNAVAILABLE',
      );
      expect([...cluster.router.state.pausedReplication]).toEqual([]);
    } finally {
      await api.delete('/chaos');
    }
  });

  it('with an admin token configured, then every route the OpenAPI document marks admin answers 401 without it and changes nothing', async () => {
    const doc = (await anonymous.get('/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const adminRoutes = Object.entries(doc.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => (op.security ?? []).length > 0)
        .map(([method]) => `${method} ${path}`),
    );
    // The routes that reshape the cluster or change the lab's settings (the kit adds /chaos and /history).
    expect(adminRoutes).toEqual(
      expect.arrayContaining([
        'post /shards',
        'delete /shards/{id}',
        'put /autoscale',
        'put /hotkeys/mitigation',
        'post /chaos/faults/replication-pause',
      ]),
    );
    // The data plane stays open.
    expect(adminRoutes.filter((r) => /\/(kv|items|locate)\//.test(r))).toEqual([]);
    const samples: Record<string, unknown> = {
      'put /autoscale': { isEnabled: true },
      'put /hotkeys/mitigation': { mode: 'router-cache' },
      'post /chaos/faults/replication-pause': { shard: 'shard-1' },
    };
    for (const route of adminRoutes) {
      const [method, path] = route.split(' ') as [string, string];
      const url = path.replace('{id}', 'shard-2').replace(/\{[^}]+\}/g, 'x');
      const call = anonymous[method as 'post' | 'put' | 'delete' | 'get'](url).set(
        'content-type',
        'application/json',
      );
      expectProblem(await call.send(JSON.stringify(samples[route] ?? {})), 401, 'ADMIN_TOKEN_REQUIRED');
    }
    expect((await api.get('/autoscale')).body.isEnabled).toBe(false);
    expect((await api.get('/hotkeys')).body.mitigation).toBe('off');
    expect((await api.get('/rebalance')).body.rebalance).toBeNull();
    expect([...cluster.router.state.pausedReplication]).toEqual([]);
  });

  it('/openapi.json documents every route with its request schemas and the errors it can return', async () => {
    const doc = (await api.get('/openapi.json')).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    const expected: [string, string, string[]][] = [
      ['/kv/{key}', 'put', ['200', '400', '503', '504']],
      ['/kv/{key}', 'get', ['200', '400', '404', '503', '504']],
      ['/kv/{key}', 'delete', ['200', '400']],
      ['/locate/{key}', 'get', ['200', '400']],
      ['/ring', 'get', ['200']],
      ['/ring/balance', 'get', ['200', '400']],
      ['/shards', 'get', ['200']],
      ['/shards', 'post', ['202', '409']],
      ['/shards/{id}', 'delete', ['202', '400', '404', '409']],
      ['/rebalance', 'get', ['200']],
      ['/hotkeys', 'get', ['200']],
      ['/hotkeys/mitigation', 'put', ['200', '400']],
      ['/autoscale', 'get', ['200']],
      ['/autoscale', 'put', ['200', '400']],
      ['/items/{pk}/{sk}', 'put', ['200', '400', '503']],
      ['/items/{pk}/{sk}', 'get', ['200', '404']],
      ['/items/{pk}/{sk}', 'delete', ['200']],
      ['/items/{pk}', 'get', ['200', '400']],
      ['/stats', 'get', ['200']],
      ['/check', 'get', ['200']],
      ['/chaos/faults/replication-pause', 'post', ['200', '400', '404', '503', '504']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      for (const status of statuses)
        expect(operation?.responses, `${method} ${path} ${status}`).toHaveProperty(status);
    }
    expect(doc.paths['/kv/{key}']?.put?.requestBody).toBeDefined();
  });
});
