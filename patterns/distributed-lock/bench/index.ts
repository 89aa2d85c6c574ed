import { Agent, request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import Redlock from 'redlock';
import { interleave, runLoop, startBaselineServer } from '@kvs-lab/shared/bench';
import type { BenchDefinition } from '@kvs-lab/shared/bench';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort, startRedisCluster } from '@kvs-lab/shared/testing';

const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockNodeNames = ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5'];
const concurrency = 16;
const contenders = 10;

/** The real service (src/main.ts) in its own process, so the load generator does not share its event loop. */
async function startService(redisNodes: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await findFreePort();
  const child = new ServiceProcess({
    name: 'lock-a',
    port,
    cwd: patternDir,
    entry: path.join(patternDir, 'src', 'main.ts'),
    env: {
      LAB_PARENT_PID: String(process.pid),
      SERVICE_NAME: 'lock-a',
      PORT: String(port),
      REDIS_NODES: redisNodes,
      LOG_LEVEL: 'warn',
    },
    readyTimeoutMs: 30_000,
  });
  await child.start();
  return { url: `http://127.0.0.1:${port}`, stop: () => child.stop() };
}

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
    const service = await startService(redisNodes);
    const baseline = await startBaselineServer(store.url);
    const clients = locks.map((h) => new Redis(h.url, { maxRetriesPerRequest: 0 }));
    const redlock = new Redlock(clients, { retryCount: 0, driftFactor: 0.01 });
    const contendedRedlock = new Redlock(clients, { retryCount: 1_000, retryDelay: 10, retryJitter: 5 });
    // node:http with keep-alive: the load generator must cost less than the service it measures (fetch costs more).
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const call = (url: string, body?: unknown) =>
      new Promise<{ token: string }>((resolve, reject) => {
        const payload = body === undefined ? '' : JSON.stringify(body);
        const req = request(
          url,
          {
            method: body === undefined ? 'GET' : 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              if ((res.statusCode ?? 500) >= 300) reject(new Error(`${res.statusCode} ${text}`));
              else resolve(text ? (JSON.parse(text) as { token: string }) : { token: '' });
            });
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    let n = 0;
    const durationMs = durationSeconds * 1_000;
    try {
      const results = await interleave(
        rounds,
        [
          {
            name: 'redlock direct: acquire+release',
            run: () =>
              runLoop(
                async () => {
                  const lock = await redlock.acquire([`bench:direct:${n++ % 1_000}`], 5_000);
                  await lock.release();
                },
                { concurrency, durationMs },
              ),
          },
          {
            name: 'Express + 1 Redis GET',
            run: () => runLoop(() => call(`${baseline.url}/baseline/get`), { concurrency, durationMs }),
          },
          {
            name: 'HTTP: acquire+release',
            run: () =>
              runLoop(
                async () => {
                  const resource = `http-${n++ % 1_000}`;
                  const lease = await call(`${service.url}/locks/${resource}`, { ttlMs: 5_000 });
                  await call(`${service.url}/locks/${resource}/release`, { token: lease.token });
                },
                { concurrency, durationMs },
              ),
          },
          {
            name: 'redlock direct, 10 contenders, built-in retries',
            run: () =>
              runLoop(
                async () => {
                  const lock = await contendedRedlock.acquire(['bench:contended'], 5_000);
                  await lock.release();
                },
                { concurrency: contenders, durationMs },
              ),
          },
          {
            name: 'HTTP, 10 contenders, FIFO queue',
            run: () =>
              runLoop(
                async () => {
                  const lease = await call(`${service.url}/locks/contended`, {
                    ttlMs: 5_000,
                    waitMs: 10_000,
                  });
                  await call(`${service.url}/locks/contended/release`, { token: lease.token });
                },
                { concurrency: contenders, durationMs },
              ),
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
          { name: 'Express + 1 Redis GET', result: result('Express + 1 Redis GET') },
          {
            name: 'HTTP: acquire+release ',
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
        ],
        notes: [
          `req/s here is acquire+release cycles per second; ${concurrency} concurrent loops on distinct resources for the uncontended rows, ${contenders} on one resource for the contended ones.`,
          'The second "HTTP: acquire+release " row compares the same figures with a bare Express route doing one Redis GET (one request, in this process): a cycle is two requests, so about 50 % is the ceiling there.',
          'HTTP cycles: 2 requests to a separate service process and 2 Redis rounds on 5 nodes (vote with the fencing token raised in it, answered on a quorum; release), as redlock (acquire, release).',
          `medians of ${rounds} interleaved rounds of ${durationSeconds} s; everything shares the same cores: compare ratios, not absolutes.`,
        ],
      };
    } finally {
      await service.stop();
      await baseline.close();
      agent.destroy();
      for (const c of clients) c.disconnect();
      await Promise.all([store, ...locks].map((h) => h.stop()));
    }
  },
};
