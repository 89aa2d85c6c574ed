import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { interleave, runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition, LoadResult } from '@kvs-lab/shared/bench';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { findFreePort, startRedis } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { keys } from '../src/store/keys.ts';
import type { StoredMessage } from '../src/store/stream-entry.ts';
import { StreamStore } from '../src/store/stream-store.ts';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rooms = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
const members = ['alice', 'bob', 'carol'];

const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Two worker processes, as `pnpm lab up` runs them; none is left running if one fails to start. */
async function startWorkers(redisUrl: string): Promise<ServiceProcess[]> {
  const workers: ServiceProcess[] = [];
  try {
    for (const name of ['worker-1', 'worker-2']) {
      const port = await findFreePort();
      const worker = new ServiceProcess({
        name,
        port,
        cwd: packageDir,
        entry: path.join(packageDir, 'src/main.ts'),
        env: {
          SERVICE_NAME: name,
          ROLE: 'worker',
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_NODES: `streams-redis=${redisUrl}`,
          LOG_LEVEL: 'warn',
          INBOX_MAX_LEN: '1000000',
          LAB_PARENT_PID: String(process.pid),
        },
        readyTimeoutMs: 30_000,
      });
      workers.push(worker);
      await worker.start();
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.kill()));
    throw error;
  }
  return workers;
}

/**
 * XADD by 50 concurrent producers, XREADGROUP + XACK by two consumers, plain
 * ioredis: what Redis Streams give without HTTP, validation, dedup or effect.
 */
async function rawStreams(redisUrl: string, durationSeconds: number, round: number): Promise<LoadResult> {
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

/**
 * HTTP sends at full speed, then wait for every inbox effect; latency = deliveredAt - sentAt. The rate is
 * effects over the load's own duration plus the tail (load end to last effect): autocannon's start-up is
 * not counted, as it is not in the send row it is compared with, and a tail near 0 means the workers kept up.
 */
async function endToEnd(
  apiUrl: string,
  redis: Redis,
  durationSeconds: number,
  progress: (message: string) => void,
): Promise<LoadResult> {
  await redis.hset(keys.counters, 'applied', 0);
  const load = await runLoad({
    url: apiUrl,
    durationSeconds,
    requests: rooms.map((room) => ({
      method: 'POST',
      path: `/rooms/${room}/messages`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ senderId: 'alice', text: 'bench message' }),
    })),
  });
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

const backlogSize = 20_000;

/**
 * The workers' capacity: a backlog of 20,000 messages (3 members per room, so 2 inbox pushes each) waits in
 * the streams; two workers start and apply it. Messages per second from the first effect to the last.
 */
async function drainBacklog(
  store: StreamStore,
  redisUrl: string,
  redis: Redis,
  progress: (message: string) => void,
) {
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
  for (const room of rooms) await store.send(room, message(), limits);
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

/**
 * line-streams' benchmark: the send route beside the kit baseline (Express +
 * one Redis SET), and the whole path HTTP send -> stream -> group -> worker ->
 * inbox beside raw Streams through ioredis, all in the same run.
 */
export const bench: BenchDefinition = {
  pattern: 'line-streams',
  async run({ durationSeconds, rounds, progress }) {
    // Request logs would measure the terminal, not the pattern.
    process.env.LOG_LEVEL ??= 'warn';
    const redis = await startRedis({ name: 'bench-line-streams' });
    const raw = new Redis(redis.url);
    const [node] = await connectRedisNodes([
      { name: 'streams-redis', url: redis.url, host: redis.host, port: redis.port },
    ]);
    if (!node) throw new Error('no Redis node');
    const store = new StreamStore(node);
    const settings = {
      ...configSchema.parse({}),
      RATE_LIMIT: 0,
      ROOM_MAX_LEN: 100_000,
      INBOX_MAX_LEN: 1_000_000,
    };
    const { service } = createApp({ node, settings });
    const address = await service.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${address.port}`;
    for (const room of rooms) {
      await fetch(`${apiUrl}/rooms/${room}/members`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ members }),
      });
    }
    const baseline = await startBaselineServer(redis.url);
    let workers: ServiceProcess[] = [];
    let round = 0;
    try {
      const results = await interleave(
        rounds,
        [
          {
            name: 'Express + 1 Redis SET',
            run: () =>
              runLoad({
                url: `${baseline.url}/baseline/set`,
                method: 'PUT',
                body: { v: 1 },
                durationSeconds,
              }),
          },
          {
            name: 'POST /rooms/{room}/messages (no workers)',
            run: async () => {
              // Start from empty streams: what the previous rows left would only slow XADD down.
              for (const room of rooms) await raw.xtrim(keys.stream(room), 'MAXLEN', 0);
              return runLoad({
                url: apiUrl,
                durationSeconds,
                requests: rooms.map((room) => ({
                  method: 'POST',
                  path: `/rooms/${room}/messages`,
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ senderId: 'alice', text: 'bench message' }),
                })),
              });
            },
          },
          {
            name: 'workers drain a backlog (2 workers)',
            run: () => drainBacklog(store, redis.url, raw, progress),
          },
          {
            name: 'raw XADD -> XREADGROUP -> XACK (ioredis)',
            run: () => rawStreams(redis.url, durationSeconds, (round += 1)),
          },
          {
            name: 'end to end: HTTP send -> inbox (2 workers)',
            run: async () => {
              // Drop the backlog the send-only row left, so this row measures its own messages.
              for (const room of rooms) await raw.xtrim(keys.stream(room), 'MAXLEN', 0);
              await raw.del(keys.inbox('bob'), keys.inbox('carol'));
              workers = await startWorkers(redis.url);
              try {
                return await endToEnd(apiUrl, raw, durationSeconds, progress);
              } finally {
                // The send-only row measures the API alone: no workers competing for the cores.
                await Promise.all(workers.map((w) => w.kill()));
                workers = [];
              }
            },
          },
        ],
        progress,
      );
      const result = (name: string) => results.require(name);
      return {
        rows: [
          { name: 'Express + 1 Redis SET', result: result('Express + 1 Redis SET') },
          {
            name: 'POST /rooms/{room}/messages (no workers)',
            result: result('POST /rooms/{room}/messages (no workers)'),
            baseline: 'Express + 1 Redis SET',
            goalRatio: 0.5,
          },
          {
            // The workers' capacity beside the API's: at or above 100 %, workers are not the bottleneck.
            name: 'workers drain a backlog (2 workers)',
            result: result('workers drain a backlog (2 workers)'),
            baseline: 'POST /rooms/{room}/messages (no workers)',
            goalRatio: 1,
          },
          {
            name: 'raw XADD -> XREADGROUP -> XACK (ioredis)',
            result: result('raw XADD -> XREADGROUP -> XACK (ioredis)'),
          },
          {
            // Workers must never be the bottleneck: end to end should run at the send route's pace.
            name: 'end to end: HTTP send -> inbox (2 workers)',
            result: result('end to end: HTTP send -> inbox (2 workers)'),
            baseline: 'POST /rooms/{room}/messages (no workers)',
            goalRatio: 0.9,
          },
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; autocannon (50 connections) in a worker thread, the API in this process, two worker processes, Redis: all on the same cores.`,
          'end to end: messages applied to inboxes per second over the load (as autocannon times it) plus the tail until the last effect; p50/p99 are send-to-inbox latencies (deliveredAt - sentAt) under saturation, so they include queueing.',
          'drain: 20,000 messages wait in 20 rooms (3 members each: 2 inbox pushes per message); two worker processes (started one after the other, as the lab does) apply them; msgs/s from the first effect to the last.',
          'raw: 50 concurrent XADD loops and 2 consumers (XREADGROUP COUNT 100 + XACK), no HTTP, no dedup, no effect; its latency is XADD-to-ack.',
        ],
      };
    } finally {
      await Promise.all(workers.map((w) => w.kill()));
      raw.disconnect();
      await baseline.close();
      await service.close();
      await redis.stop();
    }
  },
};
