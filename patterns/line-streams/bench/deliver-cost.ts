import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisNode } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import { keys } from '../src/store/keys.ts';
import type { DeliveryStore } from '../src/store/delivery-store.ts';
import { members, rooms } from './bench-setup.ts';

/**
 * Redis's CPU per message in deliver.lua and ack.lua, nothing else running against it: a backlog is read
 * into the PEL of one consumer, then applied in batches as a worker would (runs of `--batch` entries per
 * room, every room in one call, then one ack call). Redis's own used_cpu is the measure, so the figure holds
 * on a loaded machine. `--compare <delivery-store.ts>` runs another copy of the store (older code) in
 * alternate rounds on the same server.
 *
 *   pnpm exec tsx patterns/line-streams/bench/deliver-cost.ts [--batch 5] [--rounds 6] [--compare <file>]
 */

const argument = (name: string, fallback: string): string => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
};
const perRoom = Number(argument('batch', '5'));
const roundCount = Number(argument('rounds', '6'));
const compare = argument('compare', '');
const messagesPerRound = 10_000;

type Store = new (node: RedisNode) => DeliveryStore;
const variants: { name: string; Store: Store }[] = [
  { name: 'this code', Store: (await import('../src/store/delivery-store.ts')).DeliveryStore },
];
if (compare) {
  const module = (await import(path.resolve(compare))) as { DeliveryStore: Store };
  variants.unshift({ name: compare, Store: module.DeliveryStore });
}

const server = await startRedis({ name: 'bench-line-streams-deliver' });
const raw = new Redis(server.url);
const node = new RedisNode(
  { name: 'streams-redis', url: server.url, host: server.host, port: server.port },
  { commandTimeoutMs: 10_000 },
);
await node.ready();

async function redisCpuMs(): Promise<number> {
  const info = await raw.info('cpu');
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (value('used_cpu_sys') + value('used_cpu_user')) * 1000;
}

/** A backlog of messagesPerRound entries over the rooms, all read into the PEL of consumer `c`. */
async function fill(): Promise<Map<string, string[]>> {
  await raw.flushall();
  const pipeline = raw.pipeline();
  for (const room of rooms) {
    pipeline.sadd(keys.members(room), ...members);
    pipeline.xgroup('CREATE', keys.stream(room), 'delivery', '0', 'MKSTREAM');
  }
  for (let i = 0; i < messagesPerRound; i += 1) {
    const room = rooms[i % rooms.length] ?? 'bench-0';
    pipeline.xadd(
      keys.stream(room),
      '*',
      'senderId',
      'alice',
      'text',
      'bench message',
      'sentAt',
      String(Date.now()),
    );
  }
  await pipeline.exec();
  const held = new Map<string, string[]>();
  for (const room of rooms) {
    const reply = (await raw.xreadgroup('GROUP', 'delivery', 'c', 'STREAMS', keys.stream(room), '>')) as
      [string, [string, string[]][]][] | null;
    held.set(
      room,
      (reply?.[0]?.[1] ?? []).map(([id]) => id),
    );
  }
  return held;
}

async function drain(store: DeliveryStore, held: Map<string, string[]>): Promise<number> {
  let applied = 0;
  for (let offset = 0; ; offset += perRoom) {
    const runs = [...held]
      .map(([room, ids]) => ({
        room,
        entries: ids.slice(offset, offset + perRoom).map((id) => ({ id, handlerFailed: false })),
      }))
      .filter((run) => run.entries.length > 0);
    if (runs.length === 0) return applied;
    const reply = await store.applyBatch({
      group: 'delivery',
      runs,
      maxDeliveries: 5,
      inboxMaxLen: 1_000_000,
      deadLetterMaxLen: 10_000,
      maxApplied: 0,
      consumer: 'c',
      now: Date.now(),
    });
    applied += reply.runs.flat().filter((a) => a.outcome === 'APPLIED').length;
    const pipeline = raw.pipeline();
    for (const run of runs) pipeline.xack(keys.stream(run.room), 'delivery', ...run.entries.map((e) => e.id));
    await pipeline.exec();
  }
}

try {
  const results = new Map<string, number[]>();
  for (let round = 0; round < roundCount; round += 1) {
    for (const { name, Store } of variants) {
      const held = await fill();
      const before = await redisCpuMs();
      const applied = await drain(new Store(node), held);
      const usPerMessage = (((await redisCpuMs()) - before) * 1000) / applied;
      results.set(name, [...(results.get(name) ?? []), usPerMessage]);
      if (applied !== messagesPerRound) throw new Error(`${name} applied ${applied} of ${messagesPerRound}`);
    }
  }
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `${name}: Redis CPU per message, runs of ${perRoom} per room: median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} µs (${sorted.map((v) => v.toFixed(1)).join(' ')})`,
    );
  }
} finally {
  raw.disconnect();
  await node.close();
  await server.stop();
}
