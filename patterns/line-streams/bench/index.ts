import { Redis } from 'ioredis';
import { interleave, runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition } from '@kvs-lab/shared/bench';
import type { ServiceProcess } from '@kvs-lab/shared/lab';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { configSchema } from '../src/config.ts';
import { keys } from '../src/store/keys.ts';
import { StreamStore } from '../src/store/stream-store.ts';
import { members, rooms, sendLoad, startWorkers } from './bench-setup.ts';
import { drainBacklog } from './drain-backlog.ts';
import { endToEnd } from './end-to-end.ts';
import { rawStreams } from './raw-streams.ts';

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
    const { service } = await createApp({ node, settings });
    const address = await service.listen(0, '127.0.0.1');
    const apiUrl = `http://127.0.0.1:${address.port}`;
    for (const room of rooms) {
      await fetch(`${apiUrl}/rooms/${room}/members`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ members }),
      });
    }
    const emptyStreams = async () => {
      for (const room of rooms) await raw.xtrim(keys.stream(room), 'MAXLEN', 0);
    };
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
              await emptyStreams();
              return sendLoad(apiUrl, durationSeconds);
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
              await emptyStreams();
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
