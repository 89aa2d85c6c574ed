import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { mountLiveView } from '../live-view/index.ts';
import type { RedisNode } from '../redis/index.ts';
import { redisReadinessChecks } from '../redis/index.ts';
import { createService, z } from '../service/index.ts';
import type { Service } from '../service/index.ts';
import { History, mountCheck, recorded } from '../history/index.ts';
import { checkCounterHistory } from './domain/counter-check.ts';
import type { CounterInput, CounterOutput } from './domain/counter-check.ts';
import { keys } from './keys.ts';

export interface DemoLiveEvents {
  'counter:changed': { name: string; value: number; by: number };
  [event: `${string}:${string}`]: unknown;
}

const counterName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and dashes, 1-63 characters')
  .openapi({ example: 'visits' });
const counter = z.object({ name: z.string(), value: z.number().int() }).openapi('Counter');

/**
 * The kit's demo: counters in one Redis hash with a live view. Small on
 * purpose; it shows what a pattern gets from the kit for free.
 */
export function createDemoApp(deps: { redis: RedisNode; instance?: string; logger?: Logger }): Service {
  const { redis } = deps;
  const service = createService({
    name: 'kit-demo',
    ...(deps.instance ? { instance: deps.instance } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    description: 'The service kit demo: counters in Redis, a live view at `/`, faults at `/chaos`.',
    readiness: redisReadinessChecks([redis]),
    links: [redis],
  });
  const live = mountLiveView<DemoLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    snapshot: async () => ({ counters: await readAll() }),
  });
  service.onClose(() => redis.close());
  const history = new History<CounterInput, CounterOutput>();
  mountCheck(service, { history, check: checkCounterHistory });

  async function readAll(): Promise<Record<string, number>> {
    const raw = await redis.run((c) => c.hgetall(keys.counters));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  service.route({
    method: 'get',
    path: '/counters',
    summary: 'All counters',
    tags: ['counters'],
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'Every counter', schema: z.array(counter) } },
    handler: async () => ({
      status: 200,
      body: Object.entries(await readAll()).map(([name, value]) => ({ name, value })),
    }),
  });

  service.route({
    method: 'get',
    path: '/counters/{name}',
    summary: 'One counter (0 when never incremented)',
    tags: ['counters'],
    params: z.object({ name: counterName }),
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'The counter', schema: counter } },
    handler: async ({ params, requestId }) => {
      const { value } = await recorded(history, requestId, 'read', { name: params.name }, async () => ({
        value: Number((await redis.run((c) => c.hget(keys.counters, params.name))) ?? 0),
      }));
      return { status: 200, body: { name: params.name, value } };
    },
  });

  service.route({
    method: 'post',
    path: '/counters/{name}/increments',
    summary: 'Add to a counter (HINCRBY) and tell every live view',
    tags: ['counters'],
    params: z.object({ name: counterName }),
    body: z.strictObject({ by: z.number().int().min(1).max(1000).default(1) }),
    bodyExample: { by: 1 },
    errors: ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'],
    responses: { 200: { description: 'The counter after the increment', schema: counter } },
    handler: async ({ params, body, requestId }) => {
      const { value } = await recorded(
        history,
        requestId,
        'increment',
        { name: params.name, by: body.by },
        async () => ({
          value: await redis.run((c) => c.hincrby(keys.counters, params.name, body.by)),
        }),
      );
      live.emit('counter:changed', { name: params.name, value, by: body.by });
      return { status: 200, body: { name: params.name, value } };
    },
  });

  return service;
}
