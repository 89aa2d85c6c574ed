import { z } from '@kvs-lab/shared/service';
import type { Service } from '@kvs-lab/shared/service';
import type { Autoscaler } from '../autoscaler.ts';
import type { ShardingService } from '../sharding-service.ts';
import { balanceView, statsView } from '../sharding-views.ts';
import {
  autoscaleBody,
  autoscaleResult,
  balanceQuery,
  balanceResult,
  consistencyQuery,
  deleteResult,
  durabilityQuery,
  failoverEvent,
  getResult,
  hotKeysResult,
  itemDeleted,
  itemParams,
  itemResult,
  itemWritten,
  keyParams,
  locateResult,
  mitigationBody,
  pageQuery,
  pageResult,
  partitionParams,
  putResult,
  rebalanceView,
  ringResult,
  shardParams,
  shardStatus,
  statsResult,
  valueBody,
} from './schemas.ts';

const redisErrors = ['REDIS_UNAVAILABLE', 'REDIS_TIMEOUT'] as const;

/** The HTTP surface: parse (the schemas), call the service, answer. */
export function mountRoutes(
  service: Service,
  { sharding, autoscaler }: { sharding: ShardingService; autoscaler: Autoscaler },
  options: { maxValueBytes: number },
): void {
  const body = valueBody(options.maxValueBytes);

  service.route({
    method: 'put',
    path: '/kv/{key}',
    summary: "Write a key on its shard's master",
    description:
      'With `durability=replica` the router sends `WAIT 1 <WAIT_TIMEOUT_MS>` on the same connection and reports in `isReplicated` whether the replica acknowledged. WAIT is not a transaction: a write that timed out is still on the master.',
    tags: ['kv'],
    params: keyParams,
    query: durabilityQuery,
    body,
    bodyExample: { value: 'hello' },
    errors: [...redisErrors],
    responses: { 200: { description: 'Written on the master', schema: putResult } },
    handler: async ({ params, query, body: { value }, requestId }) => {
      return { status: 200, body: await sharding.put(params.key, value, query.durability, requestId) };
    },
  });

  service.route({
    method: 'get',
    path: '/kv/{key}',
    summary: 'Read a key from its replica (eventual) or master (strong)',
    tags: ['kv'],
    params: keyParams,
    query: consistencyQuery,
    errors: ['KEY_NOT_FOUND', ...redisErrors],
    responses: { 200: { description: 'The value and who served it', schema: getResult } },
    handler: async ({ params, query, requestId }) => {
      return { status: 200, body: await sharding.get(params.key, query.consistency, requestId) };
    },
  });

  service.route({
    method: 'delete',
    path: '/kv/{key}',
    summary: 'Delete a key on its master',
    tags: ['kv'],
    params: keyParams,
    errors: [...redisErrors],
    responses: { 200: { description: 'Deleted (or was absent)', schema: deleteResult } },
    handler: async ({ params, requestId }) => {
      return { status: 200, body: await sharding.delete(params.key, requestId) };
    },
  });

  service.route({
    method: 'get',
    path: '/locate/{key}',
    summary: "Where a key lives: its hash, the virtual node that owns it, the shard's master and replica",
    tags: ['ring'],
    params: keyParams,
    responses: { 200: { description: 'The key on the ring', schema: locateResult } },
    handler: ({ params }) => ({ status: 200, body: sharding.locateKey(params.key) }),
  });

  service.route({
    method: 'get',
    path: '/ring',
    summary: 'The ring: shards, their virtual nodes and share of the key space',
    tags: ['ring'],
    responses: { 200: { description: 'The ring', schema: ringResult } },
    handler: () => ({ status: 200, body: sharding.store.ring() }),
  });

  service.route({
    method: 'get',
    path: '/ring/balance',
    summary: 'What-if: balance with N virtual nodes, and keys moved by adding a shard (ring vs modulo)',
    description: 'Computed on synthetic keys `key-0..key-(sampleKeys-1)`; the live ring is not changed.',
    tags: ['ring'],
    query: balanceQuery,
    responses: { 200: { description: 'Balance figures', schema: balanceResult } },
    handler: ({ query }) => ({
      status: 200,
      body: balanceView(sharding.store, query.virtualNodes, query.sampleKeys),
    }),
  });

  service.route({
    method: 'get',
    path: '/shards',
    summary: "Each shard's roles, key count, ops/s, replication offsets and lag, health; failovers so far",
    tags: ['shards'],
    responses: {
      200: {
        description: 'Shards',
        schema: z.object({
          shards: z.array(shardStatus),
          failovers: z.array(failoverEvent),
          autoscale: autoscaleResult,
          authority: z.record(z.string(), z.unknown()).openapi({
            description:
              "Who decides failover and what it says now: `router` (this process), `cluster` (CLUSTER INFO: state, current epoch, slots), `sentinel` (each sentinel's view of each master: address, flags, config epoch).",
          }),
        }),
      },
    },
    handler: async () => ({
      status: 200,
      body: {
        shards: sharding.store.shards(),
        failovers: sharding.store.failovers(),
        autoscale: autoscaler.view(),
        authority: await sharding.store.authority(),
      },
    }),
  });

  service.route({
    method: 'post',
    path: '/shards',
    summary: 'Add the standby shard: a rebalance moves only the keys whose owner changes',
    admin: true,
    tags: ['shards'],
    errors: ['NO_STANDBY_SHARD', 'REBALANCE_IN_PROGRESS'],
    responses: {
      202: { description: 'Rebalance started; follow it at GET /rebalance', schema: rebalanceView },
    },
    handler: () => ({ status: 202, body: sharding.addShard() }),
  });

  service.route({
    method: 'delete',
    path: '/shards/{id}',
    summary: 'Drain a shard: its keys move to their owners on the ring without it',
    admin: true,
    tags: ['shards'],
    params: shardParams,
    errors: [
      'SHARD_NOT_FOUND',
      'SHARD_NOT_ACTIVE',
      'LAST_SHARD',
      'REBALANCE_IN_PROGRESS',
      'ENGINE_UNSUPPORTED',
    ],
    responses: { 202: { description: 'Rebalance started', schema: rebalanceView } },
    handler: ({ params }) => ({ status: 202, body: sharding.drainShard(params.id) }),
  });

  service.route({
    method: 'get',
    path: '/rebalance',
    summary: 'The running or last rebalance: progress, keys moved, errors',
    tags: ['shards'],
    responses: {
      200: { description: 'Rebalance state', schema: z.object({ rebalance: rebalanceView.nullable() }) },
    },
    handler: () => ({ status: 200, body: { rebalance: sharding.store.rebalance() ?? null } }),
  });

  service.route({
    method: 'get',
    path: '/hotkeys',
    summary: 'The top keys by access (count-min sketch) and the mitigation in force',
    tags: ['hot keys'],
    responses: { 200: { description: 'Hot keys', schema: hotKeysResult } },
    handler: () => ({ status: 200, body: sharding.hotKeys.report() }),
  });

  service.route({
    method: 'put',
    path: '/hotkeys/mitigation',
    summary: 'Switch the hot-key mitigation',
    admin: true,
    tags: ['hot keys'],
    body: mitigationBody,
    bodyExample: { mode: 'router-cache' },
    responses: { 200: { description: 'Hot keys with the new mitigation', schema: hotKeysResult } },
    handler: ({ body: { mode } }) => {
      sharding.setMitigation(mode);
      return { status: 200, body: sharding.hotKeys.report() };
    },
  });

  service.route({
    method: 'get',
    path: '/autoscale',
    summary: 'The autoscaling policy and its last decision',
    tags: ['shards'],
    responses: { 200: { description: 'Policy', schema: autoscaleResult } },
    handler: () => ({ status: 200, body: autoscaler.view() }),
  });

  service.route({
    method: 'put',
    path: '/autoscale',
    summary: 'Switch autoscaling on or off and set its thresholds',
    admin: true,
    tags: ['shards'],
    body: autoscaleBody,
    bodyExample: { isEnabled: true, maxKeysPerShard: 500 },
    responses: { 200: { description: 'Policy', schema: autoscaleResult } },
    handler: ({ body: settings }) => {
      autoscaler.set(Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)));
      return { status: 200, body: autoscaler.view() };
    },
  });

  service.route({
    method: 'put',
    path: '/items/{pk}/{sk}',
    summary: "Write an item; all items of a partition key live on that key's shard, sorted by sort key",
    tags: ['items'],
    params: itemParams,
    body,
    bodyExample: { value: '{"total": 42}' },
    errors: [...redisErrors, 'CROSS_SLOT'],
    responses: { 200: { description: 'Written', schema: itemWritten } },
    handler: async ({ params, body: { value } }) => ({
      status: 200,
      body: await sharding.putItem(params.pk, params.sk, value),
    }),
  });

  service.route({
    method: 'get',
    path: '/items/{pk}/{sk}',
    summary: 'Read one item',
    tags: ['items'],
    params: itemParams,
    errors: ['ITEM_NOT_FOUND', ...redisErrors],
    responses: { 200: { description: 'The item', schema: itemResult } },
    handler: async ({ params }) => ({
      status: 200,
      body: await sharding.getItem(params.pk, params.sk),
    }),
  });

  service.route({
    method: 'delete',
    path: '/items/{pk}/{sk}',
    summary: 'Delete one item',
    tags: ['items'],
    params: itemParams,
    errors: [...redisErrors],
    responses: { 200: { description: 'Deleted (or was absent)', schema: itemDeleted } },
    handler: async ({ params }) => ({
      status: 200,
      body: await sharding.deleteItem(params.pk, params.sk),
    }),
  });

  service.route({
    method: 'get',
    path: '/items/{pk}',
    summary: 'Query a partition: sort keys in order, optionally by prefix, one page at a time',
    description: "Pass the previous page's `nextStartAfter` as `startAfter`; `null` means the last page.",
    tags: ['items'],
    params: partitionParams,
    query: pageQuery,
    errors: [...redisErrors],
    responses: { 200: { description: 'One page', schema: pageResult } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await sharding.queryItems(params.pk, {
        prefix: query.prefix,
        startAfter: query.startAfter,
        limit: query.limit,
        order: query.order,
      }),
    }),
  });

  service.route({
    method: 'get',
    path: '/stats',
    summary: "This pattern's figures: shards, failovers, rejoins, rebalance, hot keys, autoscaling",
    tags: ['stats'],
    responses: { 200: { description: 'Figures', schema: statsResult } },
    handler: () => ({ status: 200, body: statsView(sharding, autoscaler) }),
  });
}
