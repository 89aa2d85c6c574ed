import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startBaselineServer } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startCoordinator } from './bench-replicas.ts';
import { startKitFanOutCeiling, startStoreFanOutCeiling } from './fan-out-ceiling.ts';
import { summariseProfile } from './profile-summary.ts';

/**
 * CPU time per request in this process (the coordinator, the baseline and the two kit ceilings all live here;
 * autocannon runs as a child process), and the replicas' Redis CPU per request: a figure that holds on a
 * busy machine better than requests per second, since it counts what one request costs, not what the
 * machine had left to give. Not a benchmark for the report; a tool to find and prove savings.
 *
 *   node --import tsx patterns/quorum-consistency/bench/cpu-per-request.ts [put|get|both] [seconds] [rounds] [profile dir]
 *
 * With a profile dir, each coordinator run writes a V8 CPU profile there and its summary is printed.
 */
const [kind = 'both', seconds = '4', rounds = '3', profileDir] = process.argv.slice(2);
process.env.LOG_LEVEL ??= 'warn';
const autocannon = createRequire(import.meta.resolve('@kvs-lab/shared/bench')).resolve(
  'autocannon/autocannon.js',
);

function load(url: string, method: 'GET' | 'PUT'): Promise<number> {
  const body =
    method === 'PUT' ? ['-m', 'PUT', '-H', 'content-type=application/json', '-b', '{"value":"value"}'] : [];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [autocannon, '-j', '-c', '50', '-d', seconds, ...body, url],
      { maxBuffer: 1 << 24 },
      (error, stdout) => {
        if (error) return reject(new Error(`autocannon failed: ${error.message}`));
        const report = JSON.parse(stdout) as { requests: { total: number }; non2xx: number; errors: number };
        // Some 503s from the 200 ms command timeout on a loaded machine are noise; many are a fault.
        const failed = report.non2xx + report.errors;
        if (failed > report.requests.total / 10)
          return reject(new Error(`${url}: ${report.non2xx} non-2xx, ${report.errors} errors`));
        if (failed > 0) console.log(`  (${url}: ${failed} failed of ${report.requests.total})`);
        resolve(report.requests.total);
      },
    );
  });
}

/** utime + stime of a process, in microseconds (clock ticks of 10 ms). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return 10_000 * (Number(fields[11]) + Number(fields[12]));
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

const { redis, addresses, service } = await startCoordinator();
const { port } = await service.listen(0, '127.0.0.1');
const coordinator = `http://127.0.0.1:${port}/kv/bench`;
const baseline = await startBaselineServer((redis[0] as RedisHandle).url);
const kit = await startKitFanOutCeiling(await connectRedisNodes(addresses), 2);
const store = await startStoreFanOutCeiling(await connectRedisNodes(addresses), 2);
const storeUrl = `${store.url}/kv/bench-store`;
const redisPids = redis.map((handle) => handle.pid ?? 0);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
if (profileDir) mkdirSync(profileDir, { recursive: true });

const targets = (method: 'GET' | 'PUT') => ({
  baseline: `${baseline.url}/baseline/${method === 'PUT' ? 'set' : 'get'}`,
  kit: `${kit.url}/kv/bench`,
  store: storeUrl,
  coordinator,
});
try {
  // Both data routes read a key that holds a version, also when only GET is measured.
  for (const url of [coordinator, storeUrl])
    await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"value":"value"}',
    });
  for (const method of kind === 'both'
    ? (['PUT', 'GET'] as const)
    : ([kind.toUpperCase()] as ['GET' | 'PUT'])) {
    const urls = targets(method);
    const mine: Record<string, number[]> = { baseline: [], kit: [], store: [], coordinator: [] };
    const theirs: Record<string, number[]> = { baseline: [], kit: [], store: [], coordinator: [] };
    for (let round = 0; round < Number(rounds); round++) {
      for (const [name, url] of Object.entries(urls)) {
        if (round === 0) await load(url, method); // warm-up: JIT and connection pools
        const isProfiled = profileDir !== undefined && name === 'coordinator';
        if (isProfiled) await session.post('Profiler.start');
        const before = process.cpuUsage();
        const redisBefore = redisPids.map(processCpuUs);
        const requests = await load(url, method);
        const used = process.cpuUsage(before);
        const redisUs = redisPids.reduce((sum, pid, i) => sum + processCpuUs(pid) - (redisBefore[i] ?? 0), 0);
        if (isProfiled) {
          const { profile } = await session.post('Profiler.stop');
          const file = path.join(profileDir, `${method.toLowerCase()}-${round}.cpuprofile`);
          writeFileSync(file, JSON.stringify(profile));
          if (round === Number(rounds) - 1) console.log(summariseProfile(profile));
        }
        mine[name]?.push((used.user + used.system) / requests);
        theirs[name]?.push(redisUs / requests);
      }
    }
    const base = median(mine.baseline ?? []);
    console.log(`${method}: CPU per request, median of ${rounds} rounds of ${seconds} s`);
    for (const name of Object.keys(urls)) {
      const us = median(mine[name] ?? []);
      const pairs = (mine[name] ?? []).map((value, i) => value / (mine.baseline?.[i] ?? value));
      console.log(
        `  ${name.padEnd(12)} ${us.toFixed(1).padStart(6)} µs here (${(us / base).toFixed(2)}x baseline, rounds' own ratios ${median(pairs).toFixed(2)}x), redis ${median(theirs[name] ?? []).toFixed(1)} µs`,
      );
    }
  }
} finally {
  session.disconnect();
  await kit.close();
  await store.close();
  await baseline.close();
  await service.close();
  await Promise.all(redis.map((handle) => handle.stop()));
}
