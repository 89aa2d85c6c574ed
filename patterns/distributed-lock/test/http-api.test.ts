import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { get, post, startLockCluster, waitFor } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

describe('HTTP API: bad input, OpenAPI, /stats, /check, /chaos', () => {
  let cluster: LockCluster;
  let a: LockInstance;
  beforeAll(async () => {
    cluster = await startLockCluster({ instances: 1 });
    [a] = cluster.instances as [LockInstance];
  });
  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  const token = '0b5e7a9e-3f4c-4b8e-9a51-5b2b8d6f1c2a';
  const badRequests: [string, string, unknown][] = [
    ['POST', '/locks/UPPER', { ttlMs: 1_000 }],
    ['POST', `/locks/${'x'.repeat(65)}`, { ttlMs: 1_000 }],
    ['POST', '/locks/r', {}],
    ['POST', '/locks/r', { ttlMs: '1000' }],
    ['POST', '/locks/r', { ttlMs: 99 }],
    ['POST', '/locks/r', { ttlMs: 30_001 }],
    ['POST', '/locks/r', { ttlMs: 1_000.5 }],
    ['POST', '/locks/r', { ttlMs: 1_000, waitMs: -1 }],
    ['POST', '/locks/r', { ttlMs: 1_000, waitMs: 20_001 }],
    ['POST', '/locks/r', { ttlMs: 1_000, owner: 'has space' }],
    ['POST', '/locks/r', { ttlMs: 1_000, owner: 'x'.repeat(65) }],
    ['POST', '/locks/r', { ttlMs: 1_000, surprise: true }],
    ['POST', '/locks/r/extend', { ttlMs: 1_000 }],
    ['POST', '/locks/r/extend', { token: 'not-a-token', ttlMs: 1_000 }],
    ['POST', '/locks/r/extend', { token, ttlMs: 0 }],
    ['POST', '/locks/r/release', {}],
    ['POST', '/locks/r/release', { token: 42 }],
    ['POST', '/locks/r/release', { token, extra: 1 }],
    ['POST', '/locks', { resources: [], ttlMs: 1_000 }],
    ['POST', '/locks', { resources: ['a', 'a'], ttlMs: 1_000 }],
    ['POST', '/locks', { resources: Array.from({ length: 11 }, (_, i) => `r${i}`), ttlMs: 1_000 }],
    ['POST', '/locks', { resources: ['a', 'B'], ttlMs: 1_000 }],
    ['POST', '/locks', { resources: ['a'], ttlMs: 1_000, order: 'random' }],
    ['POST', '/locks', { resources: ['a'], ttlMs: 1_000, stepDelayMs: 5_001 }],
    ['GET', '/locks/bad%20name', undefined],
    ['POST', '/resources/r/writes', { data: 'x' }],
    ['POST', '/resources/r/writes', { fencingToken: -1, data: 'x' }],
    ['POST', '/resources/r/writes', { fencingToken: 1.5, data: 'x' }],
    ['POST', '/resources/r/writes', { fencingToken: '1', data: 'x' }],
    ['POST', '/resources/r/writes', { fencingToken: 1, data: 'x'.repeat(1_025) }],
    ['POST', '/resources/r/writes', { fencingToken: 1, data: 'x', admin: true }],
    ['GET', '/resources/r?limit=0', undefined],
    ['GET', '/resources/r?limit=abc', undefined],
    ['GET', '/resources/r?other=1', undefined],
    ['GET', '/resources/UPPER', undefined],
  ];

  it.each(badRequests)(
    'when %s %s gets bad input, then 400 VALIDATION_FAILED as problem+json',
    async (method, path, body) => {
      const res =
        method === 'GET'
          ? await request(a.url).get(path)
          : await request(a.url)
              .post(path)
              .send(body as object);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', outcome: 'not_applied' });
    },
  );

  it('when bodies are malformed JSON or not JSON, then 400 / 415 on every POST endpoint', async () => {
    for (const path of ['/locks/r', '/locks/r/extend', '/locks/r/release', '/locks', '/resources/r/writes']) {
      const malformed = await request(a.url)
        .post(path)
        .set('content-type', 'application/json')
        .send('{"ttlMs":');
      expect(malformed.status, path).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      const text = await request(a.url).post(path).set('content-type', 'text/plain').send('ttlMs=1');
      expect(text.status, path).toBe(415);
    }
  });

  it('after all the bad input, nothing was written: no lock key, no resource, and the process still serves', async () => {
    for (const node of cluster.lockRedis) {
      expect(await sendRedisCommand(node.port, ['KEYS', 'lab:distributed-lock:lock:*'])).toEqual([]);
    }
    expect(
      await sendRedisCommand(cluster.storeRedis.port, ['KEYS', 'lab:distributed-lock:resource*']),
    ).toEqual([]);
    expect((await get(`${a.url}/healthz`)).status).toBe(200);
  });

  it('the OpenAPI document lists every endpoint with its request schema and every error status it can return', async () => {
    const doc = (await get(`${a.url}/openapi.json`)).body as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    };
    const expected: [string, string, string[]][] = [
      ['/locks/{resource}', 'post', ['201', '400', '409', '503', '504']],
      ['/locks/{resource}', 'get', ['200', '400']],
      ['/locks/{resource}/extend', 'post', ['200', '400', '409', '503']],
      ['/locks/{resource}/release', 'post', ['204', '400', '409', '503']],
      ['/locks', 'post', ['201', '400', '409', '503']],
      ['/resources/{name}/writes', 'post', ['200', '400', '409', '503', '504']],
      ['/resources/{name}', 'get', ['200', '400', '503']],
      ['/stats', 'get', ['200']],
      ['/check', 'get', ['200']],
      ['/chaos/faults/fencing-check-off', 'post', ['200']],
      ['/chaos/faults/node-amnesia', 'post', ['200', '404', '503', '504']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation?.responses ?? {}), `${method} ${path}`).toEqual(
        expect.arrayContaining(statuses),
      );
      if (method === 'post' && !path.startsWith('/chaos/faults/fencing'))
        expect(operation?.requestBody, path).toBeDefined();
    }
    const acquire409 = JSON.stringify(doc.paths['/locks/{resource}']?.post?.responses['409']);
    expect(acquire409).toMatch(/LOCK_HELD/);
    expect(acquire409).toMatch(/LOCK_WAIT_TIMEOUT/);
  });

  it('/stats counts acquisitions, contention, releases and per-node calls; /check says the promises held', async () => {
    const lease = await post(`${a.url}/locks/counted`, { ttlMs: 5_000, owner: 'one' });
    expect((await post(`${a.url}/locks/counted`, { ttlMs: 5_000, owner: 'two' })).status).toBe(409);
    expect(
      (await post(`${a.url}/resources/counted/writes`, { fencingToken: lease.body.fencingToken, data: 'v' }))
        .status,
    ).toBe(200);
    expect((await post(`${a.url}/locks/counted/release`, { token: lease.body.token })).status).toBe(204);
    const stats = (await get(`${a.url}/stats`)).body;
    expect(stats).toMatchObject({
      lockNodes: 5,
      quorum: 3,
      acquisitions: 1,
      releases: 1,
      isFencingCheckOn: true,
    });
    expect(stats.contention).toBeGreaterThanOrEqual(1);
    const nodes = stats.nodes as { node: string; isUp: boolean; calls: number }[];
    expect(nodes.map((n) => n.node)).toEqual(['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5']);
    for (const n of nodes) expect(n.calls).toBeGreaterThan(0);
    const check = (await get(`${a.url}/check`)).body;
    expect(check.valid).toBe(true);
    expect(check.summary).toMatch(/no two overlapped/);
  });

  it('when /chaos cuts the links to three lock nodes, then acquires get 503 and readiness fails; healing restores both', async () => {
    for (const node of ['lock-1', 'lock-2', 'lock-3']) {
      expect((await request(a.url).put(`/chaos/links/${node}`).send({ mode: 'cut' })).status).toBe(200);
    }
    const refused = await post(`${a.url}/locks/cut`, { ttlMs: 5_000 });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'QUORUM_UNAVAILABLE', reachable: 2 });
    expect((await get(`${a.url}/readyz`)).status).toBe(503);
    expect((await request(a.url).delete('/chaos')).status).toBeLessThan(300);
    expect((await post(`${a.url}/locks/cut`, { ttlMs: 5_000 })).status).toBe(201);
    expect((await get(`${a.url}/readyz`)).status).toBe(200);
  });

  it('GET /trace shows the protocol: the acquire to each node and its vote, the fencing check, the release', async () => {
    type Message = { type: string; from: string; to: string; kind: string; detail?: { resource?: string } };
    const messages = async () =>
      ((await get(`${a.url}/trace`)).body.events as Message[]).filter(
        (e) => e.type === 'message' && e.detail?.resource === 'traced',
      );
    const lease = await post(`${a.url}/locks/traced`, { ttlMs: 5_000, owner: 'one' });
    expect(lease.status).toBe(201);
    const nodes = ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5'];
    // The acquire is answered once a quorum granted with the token raised: the last votes may come after.
    const granted = await waitFor('every vote in the trace', async () => {
      const all = await messages();
      return all.filter((m) => m.kind === 'vote-granted').length === nodes.length ? all : undefined;
    });
    for (const node of nodes) {
      expect(granted).toContainEqual(expect.objectContaining({ from: 'lock-a', to: node, kind: 'acquire' }));
      expect(granted).toContainEqual(
        expect.objectContaining({ from: node, to: 'lock-a', kind: 'vote-granted' }),
      );
    }
    expect((await post(`${a.url}/locks/traced`, { ttlMs: 5_000, owner: 'two' })).status).toBe(409);
    expect((await messages()).filter((m) => m.kind === 'vote-held').map((m) => m.from)).toEqual(nodes);

    const write = (fencingToken: unknown) =>
      post(`${a.url}/resources/traced/writes`, { fencingToken, data: 'v' });
    expect((await write(lease.body.fencingToken)).status).toBe(200);
    expect((await write(0)).status).toBe(409);
    const atResource = (await messages()).filter((m) => m.from === 'fenced-store').map((m) => m.kind);
    expect(atResource).toEqual(['write-accepted', 'write-stale']);

    expect((await post(`${a.url}/locks/traced/release`, { token: lease.body.token })).status).toBe(204);
    expect((await messages()).filter((m) => m.kind === 'released').map((m) => m.from)).toEqual(nodes);
  });

  it('when node-amnesia names an unknown node, then 404 and nothing is flushed', async () => {
    const res = await post(`${a.url}/chaos/faults/node-amnesia`, { node: 'lock-9' });
    expect(res.status).toBe(404);
  });
});
