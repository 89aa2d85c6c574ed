/**
 * What one lock node spends on each script of a cycle, beside `redlock`'s own scripts: the five nodes
 * share the machine's two cores with the service, so a node's CPU per cycle counts in every ratio.
 *
 *   pnpm --filter @kvs-lab/distributed-lock exec tsx bench/lua-cost.ts [cycles] [rounds]
 *
 * One redis-server; each scenario runs `cycles` cycles (acquire+release, or a waiter's ticket, vote and
 * release) on distinct resources, sent in batches of 64 cycles (so the socket costs little beside the
 * scripts), and reports the median over `rounds` of: µs inside the scripts per cycle (INFO
 * commandstats, EVALSHA; wall time, so a busy machine inflates it) and the server's whole CPU per cycle
 * (used_cpu_user + used_cpu_sys, which adds reading and answering the commands).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedisCluster } from '@kvs-lab/shared/testing';
import type { LuaScript } from '@kvs-lab/shared/redis';
import { keys } from '../src/store/keys.ts';
import { acquireKeys, lockScripts, releaseKeys } from '../src/engines/redlock/lock-scripts.ts';

const [cycleCount = 20_000, rounds = 3] = process.argv.slice(2, 4).map(Number);
const batch = 64;

// redlock 5's scripts, as the library sends them for one resource (bench/cycles.ts' direct rows).
const redlockAcquire = `
  for i, key in ipairs(KEYS) do
    if redis.call("exists", key) == 1 then return 0 end
  end
  for i, key in ipairs(KEYS) do redis.call("set", key, ARGV[1], "PX", ARGV[2]) end
  return #KEYS`;
const redlockRelease = `
  local count = 0
  for i, key in ipairs(KEYS) do
    if redis.call("get", key) == ARGV[1] then redis.pcall("del", key); count = count + 1 end
  end
  return count`;

/** release.lua as the service sends it for `token`, announcing the release. */
const release = (c: Redis, resource: string, token: string) =>
  lockScripts.release.run(c, releaseKeys(resource), [
    token,
    keys.releasedChannel,
    resource,
    'lock-a',
    Date.now(),
    '1',
  ]);

/** One cycle's scripts on `resource`, all sent on `client` without waiting. */
type Cycle = (client: Redis, resource: string) => Promise<unknown>[];

async function scenarios(client: Redis): Promise<Record<string, Cycle>> {
  const acquireSha = String(await client.script('LOAD', redlockAcquire));
  const releaseSha = String(await client.script('LOAD', redlockRelease));
  await client.set(keys.nodeMarker, '1');
  const run = <T>(script: LuaScript<T>, c: Redis, k: string[], a: (string | number)[]) => script.run(c, k, a);
  return {
    'redlock: acquire + release': (c, resource) => {
      const token = randomUUID();
      return [
        c.evalsha(acquireSha, 1, `redlock:${resource}`, token, 5_000),
        c.evalsha(releaseSha, 1, `redlock:${resource}`, token),
      ];
    },
    'ours: acquire.lua + release.lua': (c, resource) => {
      const token = randomUUID();
      return [
        run(lockScripts.acquire, c, acquireKeys(resource), [token, 5_000, 'bench', 'lock-a', 60_000, 1]),
        release(c, resource, token),
      ];
    },
    'ours, a waiter: take-ticket + acquire + release': (c, resource) => {
      const token = randomUUID();
      const member = `${token.slice(0, 8)}:lock-a:bench`;
      return [
        run(
          lockScripts.takeTicket,
          c,
          [keys.ticket(resource), keys.queue(resource), keys.queueLease(resource), keys.lock(resource)],
          [1, member, 2_000],
        ),
        run(lockScripts.acquire, c, acquireKeys(resource), [
          token,
          5_000,
          'bench',
          'lock-a',
          60_000,
          1,
          member,
          1,
          2_000,
        ]),
        release(c, resource, token),
      ];
    },
  };
}

/** Commandstats' EVALSHA time and the server's CPU, both in µs. */
async function serverCpu(client: Redis): Promise<{ scripts: number; cpu: number }> {
  const info = String(await client.info('all'));
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  const scripts = Number(/cmdstat_evalsha:calls=\d+,usec=(\d+)/.exec(info)?.[1] ?? 0);
  return { scripts, cpu: (field('used_cpu_user') + field('used_cpu_sys')) * 1e6 };
}

const [node] = await startRedisCluster(['lua-cost']);
if (!node) throw new Error('no redis-server');
const client = new Redis(node.url, { maxRetriesPerRequest: 0 });
try {
  const all = await scenarios(client);
  const results = new Map<string, { scripts: number[]; cpu: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, cycle] of Object.entries(all)) {
      // A first pass loads the script and warms the node.
      for (const pass of round === 0 ? [true, false] : [false]) {
        await client.flushall();
        await client.set(keys.nodeMarker, '1');
        const before = await serverCpu(client);
        for (let done = 0; done < cycleCount; done += batch) {
          await Promise.all(Array.from({ length: batch }, (_, i) => cycle(client, `r${done + i}`)).flat());
        }
        const after = await serverCpu(client);
        if (pass) continue;
        const entry = results.get(name) ?? { scripts: [], cpu: [] };
        entry.scripts.push((after.scripts - before.scripts) / cycleCount);
        entry.cpu.push((after.cpu - before.cpu) / cycleCount);
        results.set(name, entry);
      }
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? 0;
  console.log(`one node, ${cycleCount} cycles per round, medians of ${rounds} rounds (µs per cycle):`);
  console.log(`${'scenario'.padEnd(36)}  in scripts  server CPU`);
  for (const [name, r] of results) {
    console.log(
      `${name.padEnd(36)}${median(r.scripts).toFixed(1).padStart(12)}${median(r.cpu).toFixed(1).padStart(12)}`,
    );
  }
} finally {
  client.disconnect();
  await node.stop();
}
