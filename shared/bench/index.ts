import { pino } from 'pino';
import { startBaselineServer, runLoad } from '../src/bench/index.ts';
import type { BenchDefinition } from '../src/bench/index.ts';
import { createDemoApp } from '../src/demo/demo-app.ts';
import { connectRedisNodes } from '../src/redis/index.ts';
import { startRedis } from '../src/testing/index.ts';

/**
 * The kit demo's benchmark: what the service kit costs per request (request
 * id, validation, problem errors, metrics, the link-fault wrapper) beside a
 * bare Express route doing the same single Redis call, in the same run.
 */
export const bench: BenchDefinition = {
  pattern: 'kit-demo',
  async run({ durationSeconds, progress }) {
    const redis = await startRedis({ name: 'bench-demo' });
    const [node] = await connectRedisNodes([
      { name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port },
    ]);
    if (!node) throw new Error('no Redis node');
    // Request logs would measure the terminal, not the kit.
    const app = createDemoApp({ redis: node, logger: pino({ level: 'warn' }) });
    const address = await app.listen(0, '127.0.0.1');
    const demoUrl = `http://127.0.0.1:${address.port}`;
    const baseline = await startBaselineServer(redis.url);
    try {
      progress(`baseline GET (${durationSeconds}s)`);
      const baseGet = await runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds });
      progress(`kit GET /counters/{name} (${durationSeconds}s)`);
      const kitGet = await runLoad({ url: `${demoUrl}/counters/visits`, durationSeconds });
      progress(`baseline SET (${durationSeconds}s)`);
      const baseSet = await runLoad({
        url: `${baseline.url}/baseline/set`,
        method: 'PUT',
        body: { by: 1 },
        durationSeconds,
      });
      progress(`kit POST /counters/{name}/increments (${durationSeconds}s)`);
      const kitIncr = await runLoad({
        url: `${demoUrl}/counters/visits/increments`,
        method: 'POST',
        body: { by: 1 },
        durationSeconds,
      });
      return {
        rows: [
          { name: 'Express + 1 Redis GET', result: baseGet },
          {
            name: 'kit GET /counters/{name}',
            result: kitGet,
            baseline: 'Express + 1 Redis GET',
            goalRatio: 0.6,
          },
          { name: 'Express + 1 Redis SET', result: baseSet },
          {
            name: 'kit POST .../increments',
            result: kitIncr,
            baseline: 'Express + 1 Redis SET',
            goalRatio: 0.5,
          },
        ],
        notes: [
          'autocannon in a worker thread, 50 connections, on the same 2 cores as the service: compare ratios, not absolutes.',
        ],
      };
    } finally {
      await baseline.close();
      await app.close();
      await redis.stop();
    }
  },
};
