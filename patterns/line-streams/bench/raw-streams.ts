import { Redis } from 'ioredis';
import type { LoadResult } from '@kvs-lab/shared/bench';
import { percentile } from './bench-setup.ts';

/**
 * XADD by 50 concurrent producers, XREADGROUP + XACK by two consumers, plain
 * ioredis: what Redis Streams give without HTTP, validation, dedup or effect.
 */
export async function rawStreams(
  redisUrl: string,
  durationSeconds: number,
  round: number,
): Promise<LoadResult> {
  const stream = `lab:bench:raw:${round}`;
  const producer = new Redis(redisUrl);
  await producer.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  const consumers = [new Redis(redisUrl), new Redis(redisUrl)];
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  let produced = 0;
  let lastAckAt = started;
  let isProducing = true;
  const produce = async () => {
    while (performance.now() < deadline) {
      await producer.xadd(stream, '*', 't', String(performance.now()));
      produced += 1;
    }
  };
  const consume = async (client: Redis, name: string) => {
    let acked = 0;
    while (isProducing || acked < produced) {
      const reply = (await client.xreadgroup(
        'GROUP',
        'g',
        name,
        'COUNT',
        100,
        'BLOCK',
        50,
        'STREAMS',
        stream,
        '>',
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        if (!isProducing) break;
        continue;
      }
      await client.xack(stream, 'g', ...entries.map(([id]) => id));
      const now = performance.now();
      for (const [, fields] of entries) latencies.push(now - Number(fields[1]));
      acked += entries.length;
      lastAckAt = now;
    }
  };
  const consuming = consumers.map((c, i) => consume(c, `c${i}`));
  await Promise.all(Array.from({ length: 50 }, produce));
  isProducing = false;
  await Promise.all(consuming);
  for (const c of [producer, ...consumers]) c.disconnect();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / ((lastAckAt - started) / 1000),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    total: latencies.length,
    errors: produced - latencies.length,
    non2xx: 0,
  };
}
