import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { interleave, runLoop, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition } from '@kvs-lab/shared/bench';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort, startRedisCluster } from '@kvs-lab/shared/testing';
import { ceilingCycles, concurrency, contenders, cycles } from './cycles.ts';
import { jsonClient } from './http-client.ts';

const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockNodeNames = ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5'];

/**
 * A server in its own process, so the load generator does not share its event loop: the real service
 * (src/main.ts), or the ceiling (bench/ceiling-server.ts) started the same way.
 */
async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await findFreePort();
  const child = new ServiceProcess({
    name,
    port,
    cwd: patternDir,
    entry,
    env: { LAB_PARENT_PID: String(process.pid), PORT: String(port), LOG_LEVEL: 'warn', ...env },
    readyTimeoutMs: 30_000,
  });
  await child.start();
  return { url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}

const bare = 'ceiling: 2 bare Express requests per cycle (no Redis)';
const aroundRedlock = 'ceiling: Express routes around redlock (2 requests, same 5-node rounds)';
const aroundRedlockContended = 'ceiling: Express around redlock, 10 contenders, built-in retries';

/**
 * Acquire+release cycles through the HTTP service (Redlock on 5 nodes plus a
 * quorum-issued fencing token) beside the `redlock` library called directly on
 * the same five nodes, in the same run; then 10 clients contending for one resource.
 */
export const bench: BenchDefinition = {
  pattern: 'distributed-lock',
  async run({ durationSeconds, rounds, progress }) {
    const [store, ...locks] = await startRedisCluster(['fenced-store', ...lockNodeNames]);
    if (!store) throw new Error('no store');
    const redisNodes = [
      ...locks.map((h, i) => `${lockNodeNames[i]}=${h.url}`),
      `fenced-store=${store.url}`,
    ].join(',');
    const service = await startProcess('lock-a', path.join(patternDir, 'src', 'main.ts'), {
      SERVICE_NAME: 'lock-a',
      REDIS_NODES: redisNodes,
    });
    const ceiling = await startProcess('ceiling', path.join(patternDir, 'bench', 'ceiling-server.ts'), {
      LOCK_NODES: locks.map((h) => h.url).join(','),
    });
    const baseline = await startBaselineServer(store.url);
    const clients = locks.map((h) => new Redis(h.url, { maxRetriesPerRequest: 0 }));
    const http = jsonClient(64);
    const cycle = cycles(clients, http.call, service.url);
    const ceilingCycle = ceilingCycles(http.call, ceiling.url);
    const durationMs = durationSeconds * 1_000;
    try {
      const results = await interleave(
        rounds,
        [
          {
            name: 'redlock direct: acquire+release',
            run: () => runLoop(cycle.redlockDirect, { concurrency, durationMs }),
          },
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoop(() => http.call(`${baseline.url}/baseline/get`), { concurrency, durationMs }),
          },
          {
            name: bare,
            run: () => runLoop(ceilingCycle.bare, { concurrency, durationMs }),
          },
          {
            name: aroundRedlock,
            run: () => runLoop(ceilingCycle.redlock, { concurrency, durationMs }),
          },
          {
            name: 'HTTP: acquire+release',
            run: () => runLoop(cycle.http, { concurrency, durationMs }),
          },
          {
            name: 'redlock direct, 10 contenders, built-in retries',
            run: () => runLoop(cycle.redlockContended, { concurrency: contenders, durationMs }),
          },
          {
            name: aroundRedlockContended,
            run: () => runLoop(ceilingCycle.redlockContended, { concurrency: contenders, durationMs }),
          },
          {
            name: 'HTTP, 10 contenders, FIFO queue',
            run: () => runLoop(cycle.httpContended, { concurrency: contenders, durationMs }),
          },
        ],
        progress,
      );
      const result = (name: string) => results.require(name);
      return {
        rows: [
          { name: 'redlock direct: acquire+release', result: result('redlock direct: acquire+release') },
          {
            name: 'HTTP: acquire+release',
            result: result('HTTP: acquire+release'),
            baseline: 'redlock direct: acquire+release',
            goalRatio: 0.4,
          },
          { name: bare, result: result(bare), baseline: 'redlock direct: acquire+release' },
          {
            name: aroundRedlock,
            result: result(aroundRedlock),
            baseline: 'redlock direct: acquire+release',
          },
          { name: 'HTTP: acquire+release ', result: result('HTTP: acquire+release'), baseline: bare },
          {
            name: 'HTTP: acquire+release  ',
            result: result('HTTP: acquire+release'),
            baseline: aroundRedlock,
          },
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'HTTP: acquire+release   ',
            result: result('HTTP: acquire+release'),
            baseline: 'Express + 1 Redis GET',
          },
          {
            name: 'redlock direct, 10 contenders, built-in retries',
            result: result('redlock direct, 10 contenders, built-in retries'),
          },
          {
            name: 'HTTP, 10 contenders, FIFO queue',
            result: result('HTTP, 10 contenders, FIFO queue'),
            baseline: 'redlock direct, 10 contenders, built-in retries',
            goalRatio: 0.25,
          },
          {
            name: aroundRedlockContended,
            result: result(aroundRedlockContended),
            baseline: 'redlock direct, 10 contenders, built-in retries',
          },
          {
            name: 'HTTP, 10 contenders, FIFO queue ',
            result: result('HTTP, 10 contenders, FIFO queue'),
            baseline: aroundRedlockContended,
          },
        ],
        notes: [
          `req/s here is acquire+release cycles per second; ${concurrency} concurrent loops on distinct resources for the uncontended rows, ${contenders} on one resource for the contended ones.`,
          `The ceiling rows (bench/ceiling-server.ts) take the same two requests per cycle, from the same client with the same loops, to bare Express 5 in its own process as the service is: "${bare}" does no lock work (what any HTTP lock service can reach here), "${aroundRedlock}" calls redlock on the same five nodes inside the routes. The repeated "HTTP: ..." rows divide the service's figures by those ceilings.`,
          'The last "HTTP: acquire+release   " row compares the same figures with the kit\'s baseline, a bare Express route doing one Redis GET (one request, in this process, beside the load generator): a cycle is two requests, so about 50 % is the ceiling there.',
          'HTTP cycles: 2 requests to a separate service process and 2 Redis rounds on 5 nodes (vote with the fencing token raised in it, answered on a quorum; release), as redlock (acquire, release).',
          "Contended HTTP cycles: 3 rounds on 5 nodes per cycle against redlock's 2 plus retries: the newcomer's ticket (which also registers it in the queue; it sleeps without a vote while it cannot be granted), the hand-off (the holder's release with the woken head's vote right behind it on each connection), and the release; the ticket is what the FIFO order costs, and it serves waiters in arrival order where redlock's retries favour whoever just released.",
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s; everything shares the same cores: compare ratios, not absolutes.`,
        ],
      };
    } finally {
      await service.stop();
      await ceiling.stop();
      await baseline.close();
      http.close();
      for (const c of clients) c.disconnect();
      await Promise.all([store, ...locks].map((h) => h.stop()));
    }
  },
};
