import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis, startRedisClusterMode, startSentinels } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../src/app.ts';
import type { ShardingApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';

const probeKey = 'failover-probe';

/** Polls until `condition` holds; false after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await condition()) return true;
    await sleep(50);
  }
  return false;
}

/**
 * Kills the probe key's master `kills` times and measures, each time, how long the key refused writes:
 * from the SIGKILL to the first acknowledged write. Before each kill the shard's other node must be a
 * linked replica again (the killed node restarts and rejoins between kills).
 */
async function measure(
  app: ShardingApp,
  handleOf: (name: string) => RedisHandle,
  kills: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let k = 0; k < kills; k++) {
    const { shard, master } = app.store.locate(probeKey);
    const isLinked = await until(() => {
      const status = app.store.shards().find((s) => s.id === shard);
      return status?.replica?.linkStatus === 'up' && status.master.name === master;
    }, 60_000);
    if (!isLinked) break;
    const victim = handleOf(master);
    const killedAt = performance.now();
    await victim.kill();
    const isBack = await until(async () => {
      try {
        await app.sharding.put(probeKey, String(k), 'async', 'bench');
        return true;
      } catch {
        return false;
      }
    }, 30_000);
    if (!isBack) break;
    times.push(performance.now() - killedAt);
    await victim.restart();
  }
  return times;
}

async function pairs(prefix: string): Promise<Map<string, RedisHandle>> {
  const handles = new Map<string, RedisHandle>();
  for (const n of [1, 2, 3]) {
    const master = await startRedis({ name: `${prefix}shard-${n}-master` });
    const replica = await startRedis({
      name: `${prefix}shard-${n}-replica`,
      replicaOf: { host: master.host, port: master.port },
    });
    handles.set(master.name, master).set(replica.name, replica);
  }
  return handles;
}

async function appOn(env: Record<string, string>): Promise<ShardingApp> {
  const config = loadConfig(env);
  const app = await createApp({ config, nodes: await connectRedisNodes(config.redisNodes) });
  await app.sharding.start();
  return app;
}

/** Failover times per engine over `kills` kills of the same key's master (ms). */
export async function failoverTimesPerEngine(kills: number): Promise<Record<string, number[]>> {
  const results: Record<string, number[]> = {};

  const routerNodes = await pairs('');
  const router = await appOn({
    REDIS_NODES: [...routerNodes.values()].map((h) => `${h.name}=${h.url}`).join(','),
  });
  try {
    results.router = await measure(router, (name) => routerNodes.get(name) as RedisHandle, kills);
  } finally {
    await router.service.close();
    await Promise.all([...routerNodes.values()].map((h) => h.stop()));
  }

  const sentinelNodes = await pairs('sentinel-');
  const sentinels = await startSentinels({
    masters: [...sentinelNodes.values()]
      .filter((h) => h.name.endsWith('-master'))
      .map((h) => ({ name: h.name, host: h.host, port: h.port })),
    quorum: 2,
    downAfterMs: 1000,
    failoverTimeoutMs: 3000,
  });
  const sentinel = await appOn({
    ENGINE: 'sentinel',
    SENTINELS: sentinels.addresses.map((a) => `${a.host}:${a.port}`).join(','),
    REDIS_NODES: [...sentinelNodes.values()].map((h) => `${h.name}=${h.url}`).join(','),
  });
  try {
    results.sentinel = await measure(sentinel, (name) => sentinelNodes.get(name) as RedisHandle, kills);
  } finally {
    await sentinel.service.close();
    await sentinels.stop();
    await Promise.all([...sentinelNodes.values()].map((h) => h.stop()));
  }

  const cluster = await startRedisClusterMode({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2000 });
  const names = new Map<string, string>();
  cluster.masters.forEach((m, i) => {
    names.set(m.name, `cluster-shard-${i + 1}-master`);
    const r = cluster.replicas.find((x) => x.masterName === m.name);
    if (r) names.set(r.name, `cluster-shard-${i + 1}-replica`);
  });
  const clusterApp = await appOn({
    ENGINE: 'cluster',
    REDIS_NODES: cluster.nodes.map((n) => `${names.get(n.name)}=${n.url}`).join(','),
  });
  try {
    results.cluster = await measure(
      clusterApp,
      (name) => cluster.nodes.find((n) => names.get(n.name) === name) as RedisHandle,
      kills,
    );
  } finally {
    await clusterApp.service.close();
    await cluster.stop();
  }
  return results;
}

/** `router: median 612 ms, max 740 ms over 5 kills`. */
export function describeTimes(engine: string, times: readonly number[]): string {
  if (times.length === 0) return `${engine}: no failover measured`;
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] as number;
  const max = sorted.at(-1) as number;
  return `${engine}: median ${Math.round(median)} ms, max ${Math.round(max)} ms over ${times.length} kills`;
}
