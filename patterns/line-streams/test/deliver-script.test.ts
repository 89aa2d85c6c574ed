import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { DeliveryStore } from '../src/store/delivery-store.ts';
import { keys } from '../src/store/keys.ts';
import { nodeFor } from './support/line-streams-lab.ts';

/**
 * deliver.lua on its own: it reads a room's entries past the mark in one window (XRANGE + XPENDING) and
 * falls back to one command per question where the window cannot answer. These cases drive each path
 * with the stream laid out by hand, and check the outcomes the script's header promises.
 */
describe('deliver.lua: one window per room run, the same outcomes', () => {
  let redis: RedisHandle;
  let raw: Redis;
  let node: RedisNode;
  let store: DeliveryStore;
  const room = 'r';
  const stream = keys.stream(room);

  /** Appends `n` messages from alice; answers their ids, oldest first. */
  const append = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1)
      ids.push((await raw.xadd(stream, '*', 'senderId', 'alice', 'text', `m${i}`, 'sentAt', '1')) ?? '');
    return ids;
  };
  /** Hands the next `n` new entries to `consumer` (into the PEL). */
  const readAs = async (consumer: string, n: number) => {
    await raw.xreadgroup('GROUP', 'delivery', consumer, 'COUNT', n, 'STREAMS', stream, '>');
  };
  const apply = async (ids: readonly string[], consumer = 'w1', failed: readonly string[] = []) =>
    (
      await store.applyBatch({
        group: 'delivery',
        runs: [{ room, entries: ids.map((id) => ({ id, handlerFailed: failed.includes(id) })) }],
        maxDeliveries: 5,
        inboxMaxLen: 1_000,
        deadLetterMaxLen: 1_000,
        maxApplied: 0,
        consumer,
        now: 1,
      })
    ).runs[0];
  const inboxIds = async () =>
    (await raw.lrange(keys.inbox('bob'), 0, -1)).reverse().map((j) => (JSON.parse(j) as { id: string }).id);

  beforeAll(async () => {
    redis = await startRedis({ name: 'line-deliver-script' });
    raw = new Redis(redis.port, redis.host);
    node = nodeFor(redis);
    await node.ready();
    store = new DeliveryStore(node);
  });
  beforeEach(async () => {
    await raw.flushall();
    await raw.sadd(keys.members(room), 'alice', 'bob');
    await raw.xgroup('CREATE', stream, 'delivery', '0', 'MKSTREAM');
  });
  afterAll(async () => {
    raw.disconnect();
    await node.close();
    await stopAllRedis();
  });

  it('when a worker holds the entries right after the mark, then it applies them all in order, each with its delivery count', async () => {
    const ids = await append(6);
    await readAs('w1', 6);
    expect(await apply(ids)).toEqual(ids.map(() => ({ outcome: 'APPLIED', deliveries: 1 })));
    expect(await inboxIds()).toEqual(ids);
    expect(await raw.hget(keys.applied, room)).toBe(ids[5]);
  });

  it('when the older entries are pending at the other worker, then the held ones wait (NOT_YET) and nothing is applied', async () => {
    const ids = await append(8);
    await readAs('w2', 4);
    await readAs('w1', 4);
    expect(await apply(ids.slice(4))).toEqual([{ outcome: 'NOT_YET', deliveries: 1 }]);
    expect(await inboxIds()).toEqual([]);
    expect(await apply(ids.slice(0, 4), 'w2')).toHaveLength(4);
    expect(await apply(ids.slice(4))).toEqual(
      ids.slice(4).map(() => ({ outcome: 'APPLIED', deliveries: 1 })),
    );
    expect(await inboxIds()).toEqual(ids);
  });

  it('when a redelivery finds the mark past it, then it is a DUPLICATE and the entries after it are applied', async () => {
    const ids = await append(4);
    await readAs('w1', 4);
    await apply(ids.slice(0, 2));
    expect(await apply(ids)).toEqual([
      { outcome: 'DUPLICATE', deliveries: 1 },
      { outcome: 'DUPLICATE', deliveries: 1 },
      { outcome: 'APPLIED', deliveries: 1 },
      { outcome: 'APPLIED', deliveries: 1 },
    ]);
    expect(await inboxIds()).toEqual(ids);
  });

  it('when a held entry was trimmed away, then it is GONE and the next one is applied', async () => {
    const ids = await append(3);
    await readAs('w1', 3);
    await raw.xdel(stream, ids[1] ?? '');
    expect(await apply(ids)).toEqual([
      { outcome: 'APPLIED', deliveries: 1 },
      { outcome: 'GONE', deliveries: 0 },
      { outcome: 'APPLIED', deliveries: 1 },
    ]);
  });

  it('when more entries acked without their effect lie before the held one than the window holds, then the fallback reads past them, dead-letters them and applies it', async () => {
    const ids = await append(12);
    await readAs('w1', 12);
    // Ten acked by hand: the window (twice the run's length) ends before the held entry.
    await raw.xack(stream, 'delivery', ...ids.slice(0, 10));
    expect(await apply(ids.slice(10))).toEqual([
      { outcome: 'APPLIED', deliveries: 1 },
      { outcome: 'APPLIED', deliveries: 1 },
    ]);
    const dead = (await raw.xrange(keys.deadLetters, '-', '+')).map(
      ([, f]) => f[f.indexOf('originalId') + 1],
    );
    expect(dead).toEqual(ids.slice(0, 10));
    expect(await inboxIds()).toEqual(ids.slice(10));
  });

  it('when pending ids of deleted entries fill the PEL window, then delivery counts still come out right', async () => {
    const ids = await append(4);
    await readAs('w1', 4);
    // Claimed twice more: a delivery count of 3 on the third entry.
    await raw.xclaim(stream, 'delivery', 'w1', 0, ids[2] ?? '');
    await raw.xclaim(stream, 'delivery', 'w1', 0, ids[2] ?? '');
    await raw.xdel(stream, ids[1] ?? '');
    expect(await apply([ids[0] ?? '', ids[2] ?? '', ids[3] ?? ''])).toEqual([
      { outcome: 'APPLIED', deliveries: 1 },
      { outcome: 'APPLIED', deliveries: 3 },
      { outcome: 'APPLIED', deliveries: 1 },
    ]);
  });

  it('when the handler failed on the second held entry, then the first is applied and the run stops there (FAILED)', async () => {
    const ids = await append(3);
    await readAs('w1', 3);
    expect(await apply(ids, 'w1', [ids[1] ?? ''])).toEqual([
      { outcome: 'APPLIED', deliveries: 1 },
      { outcome: 'FAILED', deliveries: 1 },
    ]);
    expect(await inboxIds()).toEqual(ids.slice(0, 1));
  });
});
