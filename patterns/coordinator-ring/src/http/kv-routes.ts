import type { Request } from 'express';

import type { Service } from '@kvs-lab/shared/service';
import { forwardedHeader } from '../ring-service.ts';
import type { RingService } from '../ring-service.ts';
import { keyParams, putBody, readQuery, readResult, writeResult } from './schemas.ts';
import { AppError } from '../errors.ts';

const tags = ['kv'];
const writeErrors = ['NO_QUORUM', 'COMMIT_UNKNOWN', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'];

const forwardedBy = (req: Request): string | undefined => req.get(forwardedHeader) ?? undefined;

/** The client API: any node takes any request; followers forward to the leader. */
export function kvRoutes(service: Service, ring: RingService): void {
  service.route({
    method: 'put',
    path: '/kv/{key}',
    summary: 'Write a key through the leader (acknowledged once a majority stores it)',
    description:
      'A follower forwards the request to the leader and passes its answer back. 503 `NO_QUORUM`: no leader, ' +
      'or the leader cannot hear a majority: nothing was written. 504 `COMMIT_UNKNOWN`: the entry was ' +
      'replicated to some nodes but no majority answered in time: it may still commit.',
    tags,
    params: keyParams,
    body: putBody,
    bodyExample: { value: 'hello' },
    errors: writeErrors,
    responses: { 200: { description: 'Committed on a majority', schema: writeResult } },
    handler: async ({ params, body, requestId, req }) => ({
      status: 200,
      body: await ring.put(params.key, body.value, requestId, forwardedBy(req)),
    }),
  });

  service.route({
    method: 'delete',
    path: '/kv/{key}',
    summary: 'Delete a key through the leader (a tombstone that continues the clock chain)',
    tags,
    params: keyParams,
    errors: writeErrors,
    responses: { 200: { description: 'The tombstone is committed on a majority', schema: writeResult } },
    handler: async ({ params, requestId, req }) => ({
      status: 200,
      body: await ring.remove(params.key, requestId, forwardedBy(req)),
    }),
  });

  service.route({
    method: 'get',
    path: '/kv/{key}',
    summary: 'Read a key: linearizable from the leader, or `?stale=true` from this replica',
    description:
      'By default the leader first confirms with a majority that it still leads (ReadIndex), so the answer ' +
      'includes every acknowledged write. `stale=true` answers at once from this node, possibly behind.',
    tags,
    params: keyParams,
    query: readQuery,
    errors: ['KEY_NOT_FOUND', 'NO_QUORUM', 'REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'The value with its vector clock', schema: readResult } },
    handler: async ({ params, query, requestId, req }) => {
      const result = await ring.get(params.key, query.stale, requestId, forwardedBy(req));
      if (result.value === null) {
        throw new AppError('KEY_NOT_FOUND', `No value for "${params.key}".`, {
          extras: {
            key: params.key,
            servedBy: result.servedBy,
            ...(result.clock ? { clock: result.clock } : {}),
          },
        });
      }
      return { status: 200, body: result };
    },
  });
}
