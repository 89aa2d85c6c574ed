import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { LoadResult } from '@kvs-lab/shared/bench';
import { keys } from '../src/store/keys.ts';
import type { StreamStore } from '../src/store/stream-store.ts';
import { rooms, startWorkers } from './bench-setup.ts';

const backlogSize = 20_000;

/**
 * The workers' capacity: a backlog of 20,000 messages (3 members per room, so 2 inbox pushes each) waits in
 * the streams; two workers start and apply it. Messages per second from the first effect to the last.
 */
export async function drainBacklog(
  store: StreamStore,
  redisUrl: string,
  redis: Redis,
  progress: (message: string) => void,
): Promise<LoadResult> {
  for (const room of rooms) await redis.xtrim(keys.stream(room), 'MAXLEN', 0);
  // One send per room through the send script creates the room and its group; the rest is raw XADD in
  // pipelines (a plain client: under a loaded machine the kit's 200 ms command timeout would cut the fill).
  const limits = {
    maxLen: 1_000_000,
    maxAgeMs: 0,
    deadLetterMaxLen: 10_000,
    replaysMaxLen: 10_000,
    dedupTtlMs: 1_000,
    rateLimit: 0,
    rateWindowMs: 1_000,
    group: 'delivery',
  };
  const message = () => ({ senderId: 'alice', text: 'bench message', sentAt: Date.now() });
  for (const room of rooms) await store.rooms.send(room, message(), limits);
  for (let i = rooms.length; i < backlogSize; i += 1_000) {
    const pipeline = redis.pipeline();
    for (let j = i; j < Math.min(i + 1_000, backlogSize); j += 1) {
      const fields = message();
      pipeline.xadd(
        keys.stream(rooms[j % rooms.length] ?? 'bench-0'),
        '*',
        'senderId',
        fields.senderId,
        'text',
        fields.text,
        'sentAt',
        String(fields.sentAt),
      );
    }
    await pipeline.exec();
  }
  await redis.hset(keys.counters, 'applied', 0);
  // Watched from before the workers start: they begin applying before the runner sees them ready.
  let firstAt: number | undefined;
  let doneAt: number | undefined;
  const deadline = performance.now() + 120_000;
  const watching = (async () => {
    while (doneAt === undefined && performance.now() < deadline) {
      const applied = Number(await redis.hget(keys.counters, 'applied'));
      if (applied > 0) firstAt ??= performance.now();
      if (applied >= backlogSize) doneAt = performance.now();
      else await sleep(5);
    }
  })();
  const workers = await startWorkers(redisUrl);
  try {
    await watching;
  } finally {
    await Promise.all(workers.map((w) => w.kill()));
  }
  const applied = Number(await redis.hget(keys.counters, 'applied'));
  const seconds = ((doneAt ?? performance.now()) - (firstAt ?? performance.now())) / 1000;
  await redis.del(keys.inbox('bob'), keys.inbox('carol'));
  progress(`drain: ${applied} of ${backlogSize} applied in ${seconds.toFixed(2)} s from the first effect`);
  return {
    requestsPerSecond: seconds > 0 ? applied / seconds : 0,
    latencyP50Ms: 0,
    latencyP99Ms: 0,
    total: applied,
    errors: Math.max(0, backlogSize - applied),
    non2xx: 0,
  };
}
