import { pino } from 'pino';
import { interleave, runLoad, startBaselineServer } from '../src/bench/index.ts';
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
  async run({ durationSeconds, rounds, progress }) {
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
      const results = await interleave(
        rounds,
        [
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds }),
          },
          {
            name: 'kit GET /counters/{name}',
            run: () => runLoad({ url: `${demoUrl}/counters/visits`, durationSeconds }),
          },
          {
            name: 'Express + 1 Redis SET',
            run: () =>
              runLoad({
                url: `${baseline.url}/baseline/set`,
                method: 'PUT',
                body: { by: 1 },
                durationSeconds,
              }),
          },
          {
            name: 'kit POST .../increments',
            run: () =>
              runLoad({
                url: `${demoUrl}/counters/visits/increments`,
                method: 'POST',
                body: { by: 1 },
                durationSeconds,
              }),
          },
        ],
        progress,
      );
      const result = (name: string) => results.require(name);
      return {
        rows: [
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'kit GET /counters/{name}',
            result: result('kit GET /counters/{name}'),
            baseline: 'Express + 1 Redis GET',
            // Issue #16's goal for the kit: it costs almost nothing.
            goalRatio: 0.9,
          },
          { name: 'Express + 1 Redis SET', result: result('Express + 1 Redis SET') },
          {
            name: 'kit POST .../increments',
            result: result('kit POST .../increments'),
            baseline: 'Express + 1 Redis SET',
          },
        ],
        notes: [
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s each; autocannon in a worker thread, 50 connections, on the same cores as the services: compare ratios, not absolutes.`,
        ],
      };
    } finally {
      await baseline.close();
      await app.close();
      await redis.stop();
    }
  },
};
