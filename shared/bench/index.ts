import { interleave, runLoad } from '../src/bench/index.ts';
import type { BenchDefinition } from '../src/bench/index.ts';
import { startDemoUnderTest } from './demo-under-test.ts';

/**
 * The kit demo's benchmark: what the service kit costs per request (request
 * id, validation, problem errors, metrics, the link-fault wrapper) beside a
 * bare Express route doing the same single Redis call, in the same run.
 */
export const bench: BenchDefinition = {
  pattern: 'kit-demo',
  async run({ durationSeconds, rounds, progress }) {
    const { demoUrl, baselineUrl, close } = await startDemoUnderTest('bench-demo');
    try {
      const results = await interleave(
        rounds,
        [
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoad({ url: `${baselineUrl}/baseline/get`, durationSeconds }),
          },
          {
            name: 'kit GET /counters/{name}',
            run: () => runLoad({ url: `${demoUrl}/counters/visits`, durationSeconds }),
          },
          {
            name: 'Express + 1 Redis SET',
            run: () =>
              runLoad({
                url: `${baselineUrl}/baseline/set`,
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
      await close();
    }
  },
};
