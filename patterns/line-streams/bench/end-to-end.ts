import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { LoadResult } from '@kvs-lab/shared/bench';
import { keys } from '../src/store/keys.ts';
import type { StoredMessage } from '../src/store/stream-entry.ts';
import { percentile, sendLoad } from './bench-setup.ts';

/**
 * HTTP sends at full speed, then wait for every inbox effect; latency = deliveredAt - sentAt. The rate is
 * effects over the load's own duration plus the tail (load end to last effect): autocannon's start-up is
 * not counted, as it is not in the send row it is compared with, and a tail near 0 means the workers kept up.
 */
export async function endToEnd(
  apiUrl: string,
  redis: Redis,
  durationSeconds: number,
  progress: (message: string) => void,
): Promise<LoadResult> {
  await redis.hset(keys.counters, 'applied', 0);
  const load = await sendLoad(apiUrl, durationSeconds);
  const loadEnded = performance.now();
  const sent = load.total - load.non2xx - load.errors;
  for (let i = 0; i < 1200; i += 1) {
    if (Number(await redis.hget(keys.counters, 'applied')) >= sent) break;
    await sleep(50);
  }
  const tailSeconds = (performance.now() - loadEnded) / 1000;
  const elapsedSeconds = durationSeconds + tailSeconds;
  const applied = Number(await redis.hget(keys.counters, 'applied'));
  // bob receives every message: his inbox holds the latencies of this round.
  const inbox = (await redis.lrange(keys.inbox('bob'), 0, -1)).map((j) => JSON.parse(j) as StoredMessage);
  await redis.del(keys.inbox('bob'), keys.inbox('carol'));
  progress(
    `end to end: ${sent} sends acknowledged, ${applied} effects applied, the last ${tailSeconds.toFixed(2)} s after the load ended`,
  );
  const latencies = inbox.map((m) => (m.deliveredAt ?? m.sentAt) - m.sentAt).sort((a, b) => a - b);
  return {
    requestsPerSecond: applied / elapsedSeconds,
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    total: applied,
    errors: Math.max(0, sent - applied),
    non2xx: load.non2xx,
  };
}
