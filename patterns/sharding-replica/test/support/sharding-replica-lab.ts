import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type request from 'supertest';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { ShardingApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { lagBytes } from '../../src/domain/replica-freshness.ts';
import { RouterEngine } from '../../src/engines/router/router-engine.ts';

export interface TestCluster extends ShardingApp {
  /** The hand-made engine these tests exercise, with its state, monitor and rebalancer. */
  readonly router: RouterEngine;
  /** By node name: shard-1-master, shard-1-replica, ... */
  readonly redis: ReadonlyMap<string, RedisHandle>;
  handle(name: string): RedisHandle;
  close(): Promise<void>;
}

/**
 * Four shards of real redis-servers, each replica started with `--replicaof`
 * its master (real replication), and a router on them with fast test timings.
 */
export async function startCluster(
  env: Record<string, string> = {},
  shards = 4,
  options: { adminToken?: string } = {},
): Promise<TestCluster> {
  const redis = new Map<string, RedisHandle>();
  await Promise.all(
    Array.from({ length: shards }, async (_, i) => {
      const master = await startRedis({ name: `shard-${i + 1}-master` });
      const replica = await startRedis({
        name: `shard-${i + 1}-replica`,
        replicaOf: { host: master.host, port: master.port },
      });
      redis.set(master.name, master);
      redis.set(replica.name, replica);
    }),
  );
  const config = loadConfig({
    REDIS_NODES: [...redis.values()].map((r) => `${r.name}=${r.url}`).join(','),
    PING_INTERVAL_MS: '100',
    MONITOR_INTERVAL_MS: '250',
    FAILOVER_MISSED_PINGS: '3',
    // The test machine is shared and often saturated: a 200 ms command timeout would turn load into 504s.
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    WAIT_TIMEOUT_MS: '2000',
    // Hot-key assertions count reads: a decay (halving) or a cache expiry landing mid-test on a slow machine
    // would change what they read, so neither happens within a test run.
    HOT_KEY_DECAY_MS: '3600000',
    HOT_KEY_CACHE_MS: '60000',
    // Tests of the read/write split expect a linked replica to answer eventual reads even when the loaded
    // machine stalls the probes for a second; the bound itself is tested with a short one (staleness-bound).
    REPLICA_MAX_STALENESS_MS: '600000',
    ...env,
  });
  const nodes = await connectRedisNodes(config.redisNodes, {
    commandTimeoutMs: config.redisCommandTimeoutMs,
    autoPipelining: true,
  });
  const app = await createApp({ config, nodes, ...options });
  if (!(app.store instanceof RouterEngine)) throw new Error('these tests run the router engine');
  const router = app.store;
  await app.sharding.start();
  // A replica still in its first full sync would make WAIT 1 answer 0: start tests on linked replicas.
  const isLinked = await waitFor(async () => {
    await router.monitor.sample();
    return router.shards().every((s) => s.replica?.linkStatus === 'up');
  }, 20_000);
  if (!isLinked) throw new Error('replicas did not finish their first sync');
  return {
    ...app,
    router,
    redis,
    handle: (name) => {
      const found = redis.get(name);
      if (!found) throw new Error(`no node ${name}`);
      return found;
    },
    close: () => app.service.close(),
  };
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A key that the ring puts on `shard`, from a family of candidate names. */
export function keyOn(cluster: TestCluster, shard: string, prefix = 'k', skip = 0): string {
  let found = 0;
  for (let i = 0; i < 100_000; i++) {
    const key = `${prefix}-${i}`;
    if (cluster.sharding.locateKey(key).shard === shard && found++ === skip) return key;
  }
  throw new Error(`no key on ${shard}`);
}

/**
 * Waits until every replica of the active shards has caught up with its master, as the monitor sees it
 * and as the replica probe sees it: an eventual read reports the probe's last figures, and a probe taken
 * while a write was on its way to the replica still shows that write's bytes until the next one.
 */
export async function replicasInSync(cluster: TestCluster): Promise<boolean> {
  return waitFor(async () => {
    await cluster.router.monitor.sample();
    await cluster.router.probe.probeAll();
    const active = cluster.router.shards().filter((s) => s.state === 'active');
    const activeIds = new Set(active.map((s) => s.id));
    const probed = cluster.router.state.map.shards.filter((shard) => activeIds.has(shard.id));
    return (
      active.every((s) => s.lagBytes === 0) &&
      probed.every((shard) => {
        if (shard.replica === undefined) return true;
        const freshness = cluster.router.probe.of(shard);
        return freshness !== undefined && lagBytes(freshness) === 0;
      })
    );
  });
}

/**
 * A strong read for verification: a 503/504 (the loaded test machine, a
 * command past its 200 ms timeout) is retried, since it says nothing about
 * the data; a 404 or a wrong value is returned as is.
 */
export async function readStrong(
  api: ReturnType<typeof request>,
  key: string,
): Promise<{ status: number; value: string | undefined }> {
  let last = { status: 0, value: undefined as string | undefined };
  for (let attempt = 0; attempt < 10; attempt++) {
    const res = await api.get(`/kv/${key}?consistency=strong`);
    last = { status: res.status, value: (res.body as { value?: string }).value };
    if (res.status !== 503 && res.status !== 504) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return last;
}
