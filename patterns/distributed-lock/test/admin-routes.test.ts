import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { startInstance, startLockCluster } from './support/distributed-lock-lab.ts';
import type { LockCluster, LockInstance } from './support/distributed-lock-lab.ts';

// With LAB_ADMIN_TOKEN set, every route that changes the lab's settings or erases its evidence
// (fault toggles such as fencing-check-off, node-amnesia, DELETE /history) needs it; the data plane does not.
afterAll(stopAllRedis);

const adminToken = 'lock-admin-secret';
type Operation = { security?: unknown[] };

describe('admin routes', () => {
  let cluster: LockCluster;
  let guarded: LockInstance;
  let document: { paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    cluster = await startLockCluster({ instances: 1 });
    process.env.LAB_ADMIN_TOKEN = adminToken;
    try {
      guarded = await startInstance('lock-guarded', cluster.lockRedis, cluster.storeRedis);
    } finally {
      delete process.env.LAB_ADMIN_TOKEN;
    }
    document = (await (await fetch(`${guarded.url}/openapi.json`)).json()) as typeof document;
  });
  afterAll(async () => {
    await guarded.app.close();
    await cluster.close();
  });

  const adminOperations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.security?.length ?? 0) > 0)
        .map(([method, _op]) => `${method.toUpperCase()} ${path}`),
    );

  it('the OpenAPI document marks the fault toggles and DELETE /history as admin, and no lock or resource route', () => {
    const admin = adminOperations();
    for (const expected of [
      'POST /chaos/faults/fencing-check-off',
      'DELETE /chaos/faults/fencing-check-off',
      'POST /chaos/faults/node-amnesia',
      'DELETE /history',
    ]) {
      expect(admin).toContain(expected);
    }
    expect(admin.filter((op) => /\/(locks|resources|stats|check)\b/.test(op))).toEqual([]);
  });

  it('every admin route answers 401 without the token and changes nothing', async () => {
    for (const op of adminOperations()) {
      const [method = 'GET', template = '/'] = op.split(' ');
      const path = template.replace(/\{[^}]+\}/g, 'lock-1');
      const res = await fetch(`${guarded.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : JSON.stringify({ node: 'lock-1' }),
      });
      expect(res.status, op).toBe(401);
      expect(((await res.json()) as { code: string }).code).toBe('ADMIN_TOKEN_REQUIRED');
    }
    const stats = (await (await fetch(`${guarded.url}/stats`)).json()) as { isFencingCheckOn: boolean };
    expect(stats.isFencingCheckOn).toBe(true);
  });

  it('with the token (Bearer in any case) the toggle works; the data plane needs none', async () => {
    const res = await fetch(`${guarded.url}/chaos/faults/fencing-check-off`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `bearer ${adminToken}` },
      body: '{}',
    });
    expect(res.status).toBe(200);
    const lease = await fetch(`${guarded.url}/locks/admin-free`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ttlMs: 1_000 }),
    });
    expect(lease.status).toBe(201);
  });
});
