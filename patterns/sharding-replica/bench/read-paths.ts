/**
 * Why eventual reads trailed strong ones in `pnpm bench`: the read paths side by side, with the order of the
 * rows rotated every round, so no row always follows the same neighbour (the bench runs eventual right
 * after the bare baseline, strong after eventual).
 *
 *   flock /tmp/bench.lock pnpm --filter @kvs-lab/sharding-replica exec tsx bench/read-paths.ts [seconds] [rounds]
 *
 * Rows: the bare Express + 1 GET; strong reads (master); eventual reads served by the replica; eventual reads
 * through the same freshness rule with a bound of 0 ms, so the master serves them (the rule is evaluated, the
 * replica's connection is not used). Prints each row's median req/s and its ratio to the baseline, and the
 * rows' medians by position in the round, which show an order effect if there is one.
 */
import { interleave, runLoad, startBaselineServer } from '@kvs-lab/shared/bench';
import type { Measurement } from '@kvs-lab/shared/bench';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const [seconds = 3, rounds = 4] = process.argv.slice(2, 4).map(Number);
process.env.LOG_LEVEL ??= 'warn';

const shards: RedisHandle[] = [];
for (let n = 1; n <= 3; n++) {
  const master = await startRedis({ name: `shard-${n}-master` });
  const replica = await startRedis({ name: `shard-${n}-replica`, replicaOf: master });
  shards.push(master, replica);
}
const single = await startRedis({ name: 'read-paths-baseline' });

async function router(env: Record<string, string>) {
  const config = loadConfig({ REDIS_NODES: shards.map((h) => `${h.name}=${h.url}`).join(','), ...env });
  const nodes = await connectRedisNodes(config.redisNodes, {
    commandTimeoutMs: config.redisCommandTimeoutMs,
    autoPipelining: true,
  });
  const app = await createApp({ config, nodes });
  await app.sharding.start();
  const url = `http://127.0.0.1:${(await app.service.listen(0, '127.0.0.1')).port}`;
  return { app, url };
}

const bounded = await router({});
const masterOnly = await router({ REPLICA_MAX_STALENESS_MS: '0' });
const baseline = await startBaselineServer(single.url);
const keys = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
for (const key of keys) {
  await fetch(`${bounded.url}/kv/${key}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"value":"v"}',
  });
}
const gets = (query: string) => keys.map((key) => ({ method: 'GET' as const, path: `/kv/${key}${query}` }));
const rows: Measurement[] = [
  {
    name: 'Express + 1 Redis GET',
    run: () => runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds: seconds }),
  },
  {
    name: 'router GET strong',
    run: () => runLoad({ url: bounded.url, requests: gets('?consistency=strong'), durationSeconds: seconds }),
  },
  {
    name: 'router GET eventual (replica)',
    run: () => runLoad({ url: bounded.url, requests: gets(''), durationSeconds: seconds }),
  },
  {
    name: 'router GET eventual, bound 0 (master)',
    run: () => runLoad({ url: masterOnly.url, requests: gets(''), durationSeconds: seconds }),
  },
];

// Warm-up: JIT and connection pools, not measured.
for (const url of [bounded.url, masterOnly.url])
  await runLoad({ url, requests: gets(''), durationSeconds: 1 });
await runLoad({ url: `${baseline.url}/baseline/get`, durationSeconds: 1 });

const byPosition = new Map<number, number[]>();
const byRow = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  // Round r starts at row r: every row takes every position once per rows.length rounds.
  const order = rows.map((_, i) => rows[(i + round) % rows.length] as Measurement);
  const results = await interleave(1, order);
  order.forEach((row, position) => {
    const rate = results.require(row.name).requestsPerSecond;
    byRow.set(row.name, [...(byRow.get(row.name) ?? []), rate]);
    const base = results.require('Express + 1 Redis GET').requestsPerSecond;
    if (row.name !== 'Express + 1 Redis GET') {
      byPosition.set(position, [...(byPosition.get(position) ?? []), rate / base]);
    }
  });
}
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0;
const base = median(byRow.get('Express + 1 Redis GET') ?? []);
console.log(`medians of ${rounds} rounds of ${seconds} s, row order rotated each round:`);
for (const [name, rates] of byRow) {
  const rate = median(rates);
  console.log(
    `  ${name.padEnd(40)} ${rate.toFixed(0).padStart(6)} req/s  ${((rate / base) * 100).toFixed(0).padStart(3)} %  (${rates.map((r) => r.toFixed(0)).join(', ')})`,
  );
}
console.log("router rows by position in the round (ratio to that round's baseline):");
for (const [position, ratios] of [...byPosition].sort((a, b) => a[0] - b[0])) {
  console.log(
    `  position ${position + 1}: median ${(median(ratios) * 100).toFixed(0)} % over ${ratios.length} runs`,
  );
}
await baseline.close();
await bounded.app.service.close();
await masterOnly.app.service.close();
await Promise.all([...shards, single].map((h) => h.stop()));
