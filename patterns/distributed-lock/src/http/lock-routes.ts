import type { History } from '@kvs-lab/shared/history';
import { recorded } from '@kvs-lab/shared/history';
import type { Service } from '@kvs-lab/shared/service';
import { z } from '@kvs-lab/shared/service';
import type { LockConfig } from '../config.ts';
import type { Lease, LockBackend } from '../lock-backend.ts';
import { extendedSchema, leaseSchema, lockViewSchema, requestSchemas, resourceParams } from './schemas.ts';

const lockFaults = ['QUORUM_UNAVAILABLE', 'LOCK_INDETERMINATE', 'TIMEOUT'];

const leaseBody = (lease: Lease) => ({
  resource: lease.resource,
  token: lease.token,
  fencingToken: lease.fencingToken,
  validityMs: lease.validityMs,
  expiresAt: new Date(lease.expiresAtMs).toISOString(),
  owner: lease.owner,
  instance: lease.instance,
  waitedMs: lease.waitedMs,
  nodes: lease.nodes,
});

/** The lock API: thin routes over LockService, each recorded in the history for /check. */
export function mountLockRoutes(
  service: Service,
  deps: { locks: LockBackend; history: History; config: LockConfig },
): void {
  const { locks, history } = deps;
  const schemas = requestSchemas(deps.config);
  const tags = ['locks'];

  service.route({
    method: 'post',
    path: '/locks/{resource}',
    summary: 'Acquire a lease (Redlock over the lock nodes) with a fencing token',
    description:
      'Granted when a majority of lock nodes agree. `waitMs` 0 fails at once with 409 when held; ' +
      '`waitMs` > 0 joins the FIFO queue, served in arrival order across every service instance. ' +
      'With fewer than a majority of nodes reachable: 503, and nothing is granted.',
    tags,
    params: resourceParams,
    body: schemas.acquire,
    bodyExample: { ttlMs: 10_000, waitMs: 0, owner: 'worker-1' },
    errors: ['LOCK_HELD', 'LOCK_WAIT_TIMEOUT', 'ACQUIRE_TOO_SLOW', ...lockFaults],
    responses: { 201: { description: 'Granted', schema: leaseSchema } },
    handler: async ({ params, body, requestId }) => {
      const lease = await recorded(
        history,
        requestId,
        'acquire',
        { resource: params.resource, owner: body.owner },
        () => locks.acquire({ resource: params.resource, ...body }),
        (granted) => ({ fencingToken: granted.fencingToken, expiresAtMs: granted.expiresAtMs }),
      );
      return { status: 201, body: leaseBody(lease) };
    },
  });

  service.route({
    method: 'post',
    path: '/locks/{resource}/extend',
    summary: "Extend a live holder's lease",
    tags,
    params: resourceParams,
    body: schemas.extend,
    bodyExample: { token: '0b5e7a9e-3f4c-4b8e-9a51-5b2b8d6f1c2a', ttlMs: 10_000 },
    errors: ['LOCK_LOST', ...lockFaults],
    responses: { 200: { description: 'Extended: the new expiry', schema: extendedSchema } },
    handler: async ({ params, body, requestId }) => {
      const input = { resource: params.resource, fencingToken: locks.fencingTokenOf(body.token) };
      const result = await recorded(
        history,
        requestId,
        'extend',
        input,
        () => locks.extend(params.resource, body.token, body.ttlMs),
        (extended) => ({ expiresAtMs: extended.expiresAtMs }),
      );
      return {
        status: 200,
        body: {
          resource: params.resource,
          validityMs: result.validityMs,
          expiresAt: new Date(result.expiresAtMs).toISOString(),
        },
      };
    },
  });

  service.route({
    method: 'post',
    path: '/locks/{resource}/release',
    summary: 'Release a lease; a non-holder changes nothing',
    tags,
    params: resourceParams,
    body: schemas.release,
    bodyExample: { token: '0b5e7a9e-3f4c-4b8e-9a51-5b2b8d6f1c2a' },
    errors: ['NOT_LOCK_HOLDER', ...lockFaults],
    responses: { 204: { description: 'Released' } },
    handler: async ({ params, body, requestId }) => {
      const input = { resource: params.resource, fencingToken: locks.fencingTokenOf(body.token) };
      await recorded(history, requestId, 'release', input, async () => {
        await locks.release(params.resource, body.token);
        return {};
      });
      return { status: 204 };
    },
  });

  service.route({
    method: 'post',
    path: '/locks',
    summary: 'Acquire several resources, all or nothing, in one canonical order',
    description:
      'Sorted order means two callers never hold-and-wait in a cycle. `order: "as-given"` takes them as listed: ' +
      'with `stepDelayMs` two opposite callers deadlock until `waitMs` runs out (exercise 5). ' +
      'Answered only if every lease is still valid when the last is granted; else all are released (503 ACQUIRE_TOO_SLOW).',
    tags,
    body: schemas.acquireMany,
    bodyExample: { resources: ['account-b', 'account-a'], ttlMs: 10_000, waitMs: 2_000, owner: 'transfer-1' },
    errors: ['LOCK_HELD', 'LOCK_WAIT_TIMEOUT', 'ACQUIRE_TOO_SLOW', ...lockFaults],
    responses: {
      201: {
        description:
          'Every resource granted, each still valid: `validityMs` is the smallest time left of any',
        schema: z.object({ validityMs: z.number().int(), locks: z.array(leaseSchema) }),
      },
    },
    handler: async ({ body, requestId }) => {
      const leases = await recorded(
        history,
        requestId,
        'acquire-many',
        { resources: body.resources, owner: body.owner },
        () => locks.acquireMany(body),
        () => ({}),
      );
      // Each lease also goes into the history as its own acquire, so /check sees it.
      for (const lease of leases) {
        const op = history.invoke(requestId, 'acquire', { resource: lease.resource, owner: lease.owner });
        op.ok({ fencingToken: lease.fencingToken, expiresAtMs: lease.expiresAtMs });
      }
      const validityMs = Math.min(...leases.map((l) => l.validityMs));
      return { status: 201, body: { validityMs, locks: leases.map(leaseBody) } };
    },
  });

  service.route({
    method: 'get',
    path: '/locks/{resource}',
    summary: 'Held or not, the holder, each node, and the wait queue',
    tags,
    params: resourceParams,
    responses: { 200: { description: 'The lock as the nodes see it', schema: lockViewSchema } },
    handler: async ({ params }) => ({
      status: 200,
      body: { resource: params.resource, ...(await locks.view(params.resource)) },
    }),
  });
}
