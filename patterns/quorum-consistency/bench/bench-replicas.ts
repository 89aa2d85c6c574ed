import { connectRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisNodeAddress } from '@kvs-lab/shared/redis';
import { startRedisCluster } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { emptyClock, increment } from '@kvs-lab/shared/vector-clock';
import { createApp } from '../src/app.ts';
import type { StoredVersion } from '../src/domain/versioned-value.ts';
import { defaultSettingsFor } from '../src/settings.ts';

/** Three fresh redis-servers named as the lab names its replicas, and their addresses for connectRedisNodes. */
export async function startReplicas(): Promise<{ redis: RedisHandle[]; addresses: RedisNodeAddress[] }> {
  const redis = await startRedisCluster(['replica-1', 'replica-2', 'replica-3']);
  const addresses = redis.map((handle, i) => ({
    name: `replica-${i + 1}`,
    url: handle.url,
    host: handle.host,
    port: handle.port,
  }));
  return { redis, addresses };
}

/** Fresh replicas and the coordinator `quorum-a` over them (N=3, default settings), not yet listening. */
export async function startCoordinator() {
  const { redis, addresses } = await startReplicas();
  const app = await createApp({
    nodes: await connectRedisNodes(addresses),
    instance: 'quorum-a',
    settings: defaultSettingsFor(3),
  });
  return { redis, addresses, ...app };
}

/** Version `counter` of key `i`, as if written `counter` times through quorum-a: each one supersedes the last. */
export function benchVersion(i: number, counter: number): StoredVersion {
  let clock = emptyClock();
  for (let c = 0; c < counter; c++) clock = increment(clock, 'quorum-a');
  return {
    value: `value of key ${i}, version ${counter}`,
    isTombstone: false,
    clock,
    writtenAt: counter,
    writer: 'quorum-a',
  };
}
