/**
 * Instructions per request of the router's process (every thread: the event loop, V8's compiler and
 * garbage collector, libuv), counted by valgrind's callgrind, for the same rows as `router-cpu.ts`. A shared
 * machine under load stretches CPU time per request by 2x from one round to the next; it does not change
 * the instructions a request executes, so this is the figure a before/after can trust there. It is not a
 * time: an instruction that misses the cache costs more than one that hits.
 *
 *   valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
 *     --callgrind-out-file=/tmp/router-cg/cg.out \
 *     node --import tsx bench/router-instructions.ts [requests per row] [out dir]
 *
 * (run from this folder; the out dir must be the one given to --callgrind-out-file). Each row is warmed up
 * with the same number of requests uninstrumented, then instrumented and dumped alone. With
 * COMPARE_DIR=<another copy of this folder> its router's rows are counted too, marked `before:`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { startBaselineServer } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const requestsPerRow = Number(process.argv[2] ?? 2000);
const outDir = process.argv[3] ?? '/tmp/router-cg';
const autocannon = createRequire(
  new URL('../node_modules/@kvs-lab/shared/package.json', import.meta.url),
).resolve('autocannon');
process.env.LOG_LEVEL ??= 'warn';

interface Row {
  readonly name: string;
  readonly base: string;
  readonly method: 'GET' | 'PUT';
  readonly paths: readonly string[];
}

/** Exactly `amount` requests from a child process (not counted: valgrind does not follow children here). */
function load(row: Row, amount: number): Promise<void> {
  const requests = row.paths.map((p) => ({
    method: row.method,
    path: p,
    ...(row.method === 'PUT' ? { body: '{"value":"v"}' } : {}),
  }));
  const script = `const a = require(${JSON.stringify(autocannon)});
a({ url: ${JSON.stringify(row.base)}, connections: 10, amount: ${amount},
  headers: { 'content-type': 'application/json' }, requests: ${JSON.stringify(requests)} },
  (e, r) => { if (e) throw e; if (r.non2xx > 0) console.error(r.non2xx + ' answers were not 2xx'); });`;
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/node', ['-e', script], (error, _stdout, stderr) => {
      if (stderr) console.warn(stderr.trim());
      if (error) reject(new Error(`autocannon failed: ${error.message}`));
      else resolve();
    });
  });
}

/** The instruction count of the newest dump in `outDir` (its `totals:` line). */
function lastDumpInstructions(): number {
  const dumps = readdirSync(outDir)
    .filter((f) => /\.\d+$/.test(f))
    .sort((a, b) => Number(a.slice(a.lastIndexOf('.') + 1)) - Number(b.slice(b.lastIndexOf('.') + 1)));
  const newest = dumps.at(-1);
  if (!newest) throw new Error(`no callgrind dump in ${outDir}: run this under valgrind (see the header)`);
  const text = readFileSync(path.join(outDir, newest), 'utf8');
  const line = /^totals:\s+(\d+)/m.exec(text);
  return Number(line?.[1] ?? Number.NaN);
}

const shards: RedisHandle[] = [];
for (let n = 1; n <= 3; n++) {
  const master = await startRedis({ name: `shard-${n}-master` });
  const replica = await startRedis({ name: `shard-${n}-replica`, replicaOf: master });
  shards.push(master, replica);
}
const single = await startRedis({ name: 'instructions-baseline' });
const redisNodes = shards.map((h) => `${h.name}=${h.url}`).join(',');

async function startRouter(dir: string | undefined) {
  const modules = dir
    ? {
        app: (await import(path.resolve(dir, 'src/app.ts'))) as { createApp: typeof createApp },
        config: (await import(path.resolve(dir, 'src/config.ts'))) as { loadConfig: typeof loadConfig },
      }
    : { app: { createApp }, config: { loadConfig } };
  // Valgrind runs the process tens of times slower: commands get the time that takes, and the timers
  // (pings, probes, INFO samples, a fixed cost per second) run at their slowest, or a request would be
  // charged for the dozens of timer rounds that fall into its stretched time. The staleness bound is
  // widened to match, so eventual reads still go to the replica between the rare probes.
  const config = modules.config.loadConfig({
    REDIS_NODES: redisNodes,
    REDIS_COMMAND_TIMEOUT_MS: '30000',
    PING_INTERVAL_MS: '10000',
    MONITOR_INTERVAL_MS: '60000',
    REPLICA_PROBE_MS: '10000',
    REPLICA_MAX_STALENESS_MS: '3600000',
  });
  const nodes = await connectRedisNodes(config.redisNodes, {
    commandTimeoutMs: config.redisCommandTimeoutMs,
    autoPipelining: true,
    readyTimeoutMs: 30_000,
  });
  const { service, sharding } = await modules.app.createApp({ config, nodes });
  await sharding.start();
  return { service, url: `http://127.0.0.1:${(await service.listen(0, '127.0.0.1')).port}` };
}

const routers = [{ label: '', ...(await startRouter(undefined)) }];
if (process.env.COMPARE_DIR)
  routers.push({ label: 'before: ', ...(await startRouter(process.env.COMPARE_DIR)) });
const baseline = await startBaselineServer(single.url);
const keys = Array.from({ length: 100 }, (_, i) => `/kv/bench-${i}`);
for (const key of keys) {
  await fetch(`${routers[0]?.url ?? ''}${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":"v"}',
  });
}
const rows: Row[] = [
  { name: 'baseline GET', base: baseline.url, method: 'GET', paths: ['/baseline/get'] },
  { name: 'baseline SET', base: baseline.url, method: 'PUT', paths: ['/baseline/set'] },
];
for (const { label, url } of routers) {
  rows.push(
    {
      name: `${label}router GET strong`,
      base: url,
      method: 'GET',
      paths: keys.map((k) => `${k}?consistency=strong`),
    },
    { name: `${label}router GET eventual`, base: url, method: 'GET', paths: keys },
    { name: `${label}router PUT async`, base: url, method: 'PUT', paths: keys },
  );
}

const pid = String(process.pid);
console.log(`instructions per request (callgrind, ${requestsPerRow} requests per row, every thread):`);
for (const row of rows) {
  await load(row, requestsPerRow);
  execFileSync('callgrind_control', ['-z', pid]);
  execFileSync('callgrind_control', ['-i', 'on', pid]);
  await load(row, requestsPerRow);
  execFileSync('callgrind_control', ['-i', 'off', pid]);
  execFileSync('callgrind_control', ['-d', row.name.replaceAll(' ', '-'), pid]);
  const perRequest = lastDumpInstructions() / requestsPerRow;
  console.log(`  ${row.name.padEnd(30)} ${Math.round(perRequest).toLocaleString('en-US').padStart(10)}`);
}
await baseline.close();
for (const { service } of routers) await service.close();
await Promise.all([...shards, single].map((h) => h.stop()));
