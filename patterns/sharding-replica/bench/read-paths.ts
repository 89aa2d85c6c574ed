/**
 * Where eventual reads lose against strong ones, with the order of the rows controlled. `pnpm bench` runs the
 * eventual row right after the bare baseline and the strong row after it, every round; here each round turns
 * the order of three rows by one: eventual (served by the replica), strong (master), and eventual with a
 * staleness bound of 0 ms (the eventual path's checks, then the master answers). Each round gives each
 * eventual row's rate over the strong row's in the same round, and each place after the baseline its rate,
 * which shows an order effect if there is one.
 *
 *   flock /tmp/bench.lock pnpm --filter @kvs-lab/sharding-replica exec tsx bench/read-paths.ts [seconds] [rounds]
 */
import { runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const [seconds = 3, rounds = 8] = process.argv.slice(2, 4).map(Number);
process.env.LOG_LEVEL ??= 'warn';

const shards: RedisHandle[] = [];
for (let n = 1; n <= 3; n++) {
  const master = await startRedis({ name: `shard-${n}-master` });
  const replica = await startRedis({ name: `shard-${n}-replica`, replicaOf: master });
  shards.push(master, replica);
}
const single = await startRedis({ name: 'read-paths-baseline' });
const config = loadConfig({ REDIS_NODES: shards.map((h) => `${h.name}=${h.url}`).join(',') });
const nodes = await connectRedisNodes(config.redisNodes, {
  commandTimeoutMs: config.redisCommandTimeoutMs,
  autoPipelining: true,
});
const { service, sharding } = await createApp({ config, nodes });
await sharding.start();
const router = `http://127.0.0.1:${(await service.listen(0, '127.0.0.1')).port}`;
// The same code with a staleness bound of 0 ms: eventual reads take the replica path's checks, then the
// master answers (no replica connection, no replica process).
const zeroConfig = loadConfig({
  REDIS_NODES: shards.map((h) => `${h.name}=${h.url}`).join(','),
  REPLICA_MAX_STALENESS_MS: '0',
});
const zero = await createApp({
  config: zeroConfig,
  nodes: await connectRedisNodes(zeroConfig.redisNodes, {
    commandTimeoutMs: zeroConfig.redisCommandTimeoutMs,
    autoPipelining: true,
  }),
});
await zero.sharding.start();
const masterOnly = `http://127.0.0.1:${(await zero.service.listen(0, '127.0.0.1')).port}`;
const baseline = await startBaselineServer(single.url);
const keys = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
for (const key of keys) {
  await fetch(`${router}/kv/${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":"v"}',
  });
}
const gets = (query: string) => keys.map((key) => ({ method: 'GET' as const, path: `/kv/${key}${query}` }));
const rowRate = async (url: string, query: string) =>
  (await runLoad({ url, requests: gets(query), durationSeconds: seconds })).requestsPerSecond;
const rows = {
  eventual: () => rowRate(router, ''),
  strong: () => rowRate(router, '?consistency=strong'),
  'eventual, bound 0': () => rowRate(masterOnly, ''),
};
type RowName = keyof typeof rows;
const names = Object.keys(rows) as RowName[];
await rows.eventual(); // warm-up: JIT and connection pools
await rows['eventual, bound 0']();

const overStrong: Record<'eventual' | 'eventual, bound 0', number[]> = {
  eventual: [],
  'eventual, bound 0': [],
};
const byPosition: number[][] = names.map(() => []);
for (let round = 0; round < rounds; round++) {
  // Each round turns the order by one: every row takes every place after the baseline.
  const order = names.map((_, i) => names[(i + round) % names.length] as RowName);
  const base = (await runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds: seconds }))
    .requestsPerSecond;
  const rate = new Map<RowName, number>();
  for (const [position, name] of order.entries()) {
    const value = await rows[name]();
    rate.set(name, value);
    byPosition[position]?.push(value / base);
  }
  const strong = rate.get('strong') ?? Number.NaN;
  overStrong.eventual.push((rate.get('eventual') ?? Number.NaN) / strong);
  overStrong['eventual, bound 0'].push((rate.get('eventual, bound 0') ?? Number.NaN) / strong);
  console.log(
    `round ${round + 1} (${order.join(' > ')}): baseline ${base.toFixed(0)}, ${names.map((n) => `${n} ${(((rate.get(n) ?? 0) / base) * 100).toFixed(0)} %`).join(', ')}`,
  );
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
for (const [name, ratios] of Object.entries(overStrong)) {
  console.log(
    `${name} / strong in the same round: median ${median(ratios).toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
}
byPosition.forEach((ratios, position) => {
  console.log(
    `place ${position + 1} after the baseline: median ${(median(ratios) * 100).toFixed(0)} % of it`,
  );
});
await baseline.close();
await service.close();
await zero.service.close();
await Promise.all([...shards, single].map((h) => h.stop()));
