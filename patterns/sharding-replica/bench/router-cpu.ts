/**
 * CPU time per request of the router's GET and PUT beside the bare Express baseline: in this process (the
 * router and the baseline; autocannon runs as a child) and in the redis-servers behind each row. A figure
 * that holds on a busy machine better than requests per second, and says where the time of a row goes.
 *
 *   pnpm --filter @kvs-lab/sharding-replica exec tsx bench/router-cpu.ts [seconds] [rounds] [profile dir]
 *
 * With a profile dir, each measured run also writes a V8 CPU profile there (open it in Chrome DevTools).
 * With COMPARE_DIR=<another copy of this folder> (say, `git archive` of an older commit with this folder's
 * node_modules links), that copy's router runs beside this one on the same redis-servers, its rows marked
 * `before:` and measured in the same rounds: a before/after that both see the same machine.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startBaselineServer } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const [seconds = 5, rounds = 3] = process.argv.slice(2, 4).map(Number);
const profileDir = process.argv[4];
// autocannon is the kit's dependency: resolved from the kit's package.
const autocannon = createRequire(
  new URL('../node_modules/@kvs-lab/shared/package.json', import.meta.url),
).resolve('autocannon');
process.env.LOG_LEVEL ??= 'warn';

interface Target {
  readonly method: 'GET' | 'PUT';
  readonly paths: readonly string[];
  readonly redis: readonly RedisHandle[];
}

/** Runs autocannon in a child (its CPU is not this process's), rotating over `paths`; resolves the total. */
function load(base: string, target: Target): Promise<number> {
  const requests = target.paths.map((p) => ({
    method: target.method,
    path: p,
    ...(target.method === 'PUT' ? { body: '{"value":"v"}' } : {}),
  }));
  const script = `const a = require(${JSON.stringify(autocannon)});
a({ url: ${JSON.stringify(base)}, connections: 50, duration: ${seconds},
  headers: { 'content-type': 'application/json' }, requests: ${JSON.stringify(requests)} },
  (e, r) => { if (e) throw e; process.stdout.write(JSON.stringify({ total: r.requests.total, non2xx: r.non2xx })); });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script], { maxBuffer: 1 << 24 }, (error, stdout) => {
      if (error) reject(new Error(`autocannon failed: ${error.message}`));
      else {
        const { total, non2xx } = JSON.parse(stdout) as { total: number; non2xx: number };
        // Shown, not hidden: a loaded machine can push a few commands past their timeout.
        if (non2xx > 0) console.warn(`${non2xx} of ${total} answers were not 2xx`);
        resolve(total);
      }
    });
  });
}

/** utime + stime of a process in microseconds (Linux /proc; clock ticks of 10 ms). */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;

const shards: RedisHandle[] = [];
for (let n = 1; n <= 3; n++) {
  const master = await startRedis({ name: `shard-${n}-master` });
  const replica = await startRedis({ name: `shard-${n}-replica`, replicaOf: master });
  shards.push(master, replica);
}
const single = await startRedis({ name: 'cpu-baseline' });
const redisNodes = shards.map((h) => `${h.name}=${h.url}`).join(',');

/** A router from `dir` (this folder, or the COMPARE_DIR copy) over the shards above, listening. */
async function startRouter(dir: string | undefined) {
  const modules = dir
    ? {
        app: (await import(path.resolve(dir, 'src/app.ts'))) as { createApp: typeof createApp },
        config: (await import(path.resolve(dir, 'src/config.ts'))) as { loadConfig: typeof loadConfig },
      }
    : { app: { createApp }, config: { loadConfig } };
  const config = modules.config.loadConfig({
    REDIS_NODES: redisNodes,
    // A shared, loaded machine: the 200 ms default would turn its stalls into 504s that cost less than answers.
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  });
  const nodes = await connectRedisNodes(config.redisNodes, {
    commandTimeoutMs: config.redisCommandTimeoutMs,
    // As main.ts; AUTO_PIPELINING=0 measures without it.
    autoPipelining: process.env.AUTO_PIPELINING !== '0',
  });
  const { service, sharding } = await modules.app.createApp({ config, nodes });
  await sharding.start();
  return { service, url: `http://127.0.0.1:${(await service.listen(0, '127.0.0.1')).port}` };
}

const routers = [{ label: '', ...(await startRouter(undefined)) }];
const compareDir = process.env.COMPARE_DIR;
if (compareDir) routers.push({ label: 'before: ', ...(await startRouter(compareDir)) });
const baseline = await startBaselineServer(single.url);
const keys = Array.from({ length: 100 }, (_, i) => `/kv/bench-${i}`);
for (const key of keys) {
  await fetch(`${routers[0]?.url ?? ''}${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":"v"}',
  });
}
const targets: Record<string, [string, Target]> = {
  'baseline GET': [baseline.url, { method: 'GET', paths: ['/baseline/get'], redis: [single] }],
  'baseline SET': [baseline.url, { method: 'PUT', paths: ['/baseline/set'], redis: [single] }],
};
for (const { label, url } of routers) {
  targets[`${label}router GET strong`] = [
    url,
    { method: 'GET', paths: keys.map((k) => `${k}?consistency=strong`), redis: shards },
  ];
  targets[`${label}router GET eventual`] = [url, { method: 'GET', paths: keys, redis: shards }];
  targets[`${label}router PUT async`] = [url, { method: 'PUT', paths: keys, redis: shards }];
}
const session = new Session();
session.connect();
await session.post('Profiler.enable');
if (profileDir) mkdirSync(profileDir, { recursive: true });

const perRequest = new Map<string, { node: number[]; redis: number[]; rate: number[] }>();
try {
  for (let round = 0; round < rounds; round += 1) {
    // Every other round in reverse, so no row always runs after the same neighbour.
    const order = Object.entries(targets);
    if (round % 2 === 1) order.reverse();
    for (const [name, [base, target]] of order) {
      if (round === 0) await load(base, target); // warm-up: JIT and connection pools
      if (profileDir) await session.post('Profiler.start');
      const redisBefore = target.redis.reduce((sum, h) => sum + cpuOf(h.pid), 0);
      const before = process.cpuUsage();
      const started = performance.now();
      const requests = await load(base, target);
      const used = process.cpuUsage(before);
      const redisUsed = target.redis.reduce((sum, h) => sum + cpuOf(h.pid), 0) - redisBefore;
      if (profileDir) {
        const { profile } = await session.post('Profiler.stop');
        const file = `${name.replaceAll(':', '').replaceAll(' ', '-')}-${round}.cpuprofile`;
        writeFileSync(path.join(profileDir, file), JSON.stringify(profile));
      }
      const row = perRequest.get(name) ?? { node: [], redis: [], rate: [] };
      row.node.push((used.user + used.system) / requests);
      row.redis.push(redisUsed / requests);
      row.rate.push(requests / ((performance.now() - started) / 1000));
      perRequest.set(name, row);
    }
  }
  console.log(`CPU per request, median of ${rounds} rounds of ${seconds} s:`);
  console.log(`  ${'row'.padEnd(30)} node µs  redis µs  req/s`);
  for (const [name, row] of perRequest) {
    const cells = [median(row.node), median(row.redis), median(row.rate)].map((v) =>
      v.toFixed(0).padStart(8),
    );
    // Each round's node figure too: on a shared machine a median hides how far the rounds spread.
    console.log(
      `  ${name.padEnd(30)} ${cells.join(' ')}   (${row.node.map((v) => v.toFixed(0)).join(', ')})`,
    );
  }
} finally {
  session.disconnect();
  await baseline.close();
  for (const { service } of routers) await service.close();
  await Promise.all([...shards, single].map((h) => h.stop()));
}
