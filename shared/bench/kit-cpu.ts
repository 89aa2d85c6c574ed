/**
 * CPU time per request of the kit's GET beside the bare Express baseline, in this process only
 * (autocannon runs as a child): a figure that holds on a busy machine better than requests per second,
 * since it counts what one request costs rather than what the machine had left to give.
 *
 *   pnpm --filter @kvs-lab/shared exec tsx bench/kit-cpu.ts [seconds] [rounds] [profile dir]
 *
 * With a profile dir, each measured run also writes a V8 CPU profile there (open it in Chrome DevTools).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { pino } from 'pino';
import { startBaselineServer } from '../src/bench/index.ts';
import { createDemoApp } from '../src/demo/demo-app.ts';
import { connectRedisNodes } from '../src/redis/index.ts';
import { startRedis } from '../src/testing/index.ts';

const [seconds = 5, rounds = 3] = process.argv.slice(2, 4).map(Number);
const profileDir = process.argv[4];
const autocannon = createRequire(import.meta.url).resolve('autocannon/autocannon.js');

function load(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [autocannon, '-j', '-c', '50', '-d', String(seconds), url],
      { maxBuffer: 1 << 24 },
      (error, stdout) => {
        if (error) reject(new Error(`autocannon failed: ${error.message}`));
        else resolve((JSON.parse(stdout) as { requests: { total: number } }).requests.total);
      },
    );
  });
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

const redis = await startRedis({ name: 'kit-cpu' });
const [node] = await connectRedisNodes([
  { name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port },
]);
if (!node) throw new Error('no Redis node');
const app = createDemoApp({ redis: node, logger: pino({ level: 'warn' }) });
const address = await app.listen(0, '127.0.0.1');
const baseline = await startBaselineServer(redis.url);
const targets = {
  baseline: `${baseline.url}/baseline/get`,
  kit: `http://127.0.0.1:${address.port}/counters/visits`,
};
const session = new Session();
session.connect();
await session.post('Profiler.enable');
if (profileDir) mkdirSync(profileDir, { recursive: true });

const perRequest: Record<keyof typeof targets, number[]> = { baseline: [], kit: [] };
try {
  for (let round = 0; round < rounds; round += 1) {
    for (const name of ['baseline', 'kit'] as const) {
      if (round === 0) await load(targets[name]); // warm-up: JIT and connection pools
      if (profileDir) await session.post('Profiler.start');
      const before = process.cpuUsage();
      const requests = await load(targets[name]);
      const used = process.cpuUsage(before);
      if (profileDir) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(path.join(profileDir, `${name}-${round}.cpuprofile`), JSON.stringify(profile));
      }
      perRequest[name].push((used.user + used.system) / requests);
    }
  }
  const kit = median(perRequest.kit);
  const base = median(perRequest.baseline);
  console.log(`CPU per request, median of ${rounds} rounds of ${seconds} s (this process only):`);
  console.log(`  Express + 1 Redis GET    ${base.toFixed(1)} µs`);
  console.log(
    `  kit GET /counters/{name} ${kit.toFixed(1)} µs  (${(kit - base).toFixed(1)} µs more, ${(kit / base).toFixed(2)}x)`,
  );
  console.log(
    `  a CPU-bound kit serves at most ${((100 * base) / kit).toFixed(0)} % of the baseline's requests`,
  );
} finally {
  session.disconnect();
  await baseline.close();
  await app.close();
  await redis.stop();
}
