import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { sendRedisCommand, startRedisClusterMode } from '@kvs-lab/shared/testing';
import type { RedisClusterModeHandle } from '@kvs-lab/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { ShardingApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { hashSlot } from '../src/domain/hash-slot.ts';
import { ClusterEngine } from '../src/engines/cluster/cluster-engine.ts';
import { keys } from '../src/store/keys.ts';

// Its own small cluster (3 masters, no replicas): the test leaves one slot half-migrated.
describe('cluster engine: a partition mid-migration', () => {
  let redis: RedisClusterModeHandle;
  let app: ShardingApp;
  let engine: ClusterEngine;

  beforeAll(async () => {
    redis = await startRedisClusterMode({ masters: 3, replicasPerMaster: 0, nodeTimeoutMs: 2000 });
    const config = loadConfig({
      ENGINE: 'cluster',
      REDIS_NODES: redis.masters.map((m, i) => `cluster-shard-${i + 1}-master=${m.url}`).join(','),
      REDIS_COMMAND_TIMEOUT_MS: '1000',
    });
    app = await createApp({ config, nodes: await connectRedisNodes(config.redisNodes) });
    if (!(app.store instanceof ClusterEngine))
      throw new Error('ENGINE=cluster must build the cluster engine');
    engine = app.store;
    await app.sharding.start();
  });

  afterAll(async () => {
    await app?.service.close();
    await redis?.stop();
  });

  it('whose keys moved to the importing node: writes, pages and deletes follow ASK there, and its scripts run though that node never saw them', async () => {
    const pk = 'cart-42';
    await engine.putItem(pk, 'a', 'A');
    await engine.putItem(pk, 'b', 'B');
    const [index, values] = [keys.clusterItemIndex(pk), keys.clusterItemValues(pk)];
    const slot = hashSlot(index);
    const ports = redis.masters.map((m) => m.port);
    const counts = await Promise.all(
      ports.map(async (port) =>
        Number(await sendRedisCommand(port, ['CLUSTER', 'COUNTKEYSINSLOT', String(slot)])),
      ),
    );
    const source = counts.findIndex((n) => n > 0);
    const target = (source + 1) % ports.length;
    const [sourcePort, targetPort] = [ports[source] ?? 0, ports[target] ?? 0];
    const idOf = async (port: number) => String(await sendRedisCommand(port, ['CLUSTER', 'MYID']));
    // The first steps of a slot migration, by hand: both keys of the partition are on the importing node.
    await sendRedisCommand(targetPort, [
      'CLUSTER',
      'SETSLOT',
      String(slot),
      'IMPORTING',
      await idOf(sourcePort),
    ]);
    await sendRedisCommand(sourcePort, [
      'CLUSTER',
      'SETSLOT',
      String(slot),
      'MIGRATING',
      await idOf(targetPort),
    ]);
    const host = redis.masters[target]?.host ?? '127.0.0.1';
    await sendRedisCommand(sourcePort, [
      'MIGRATE',
      host,
      String(targetPort),
      '',
      '0',
      '5000',
      'KEYS',
      index,
      values,
    ]);
    // As after a restart: the importing node has no script in its cache.
    await sendRedisCommand(targetPort, ['SCRIPT', 'FLUSH']);
    const asksBefore = engine.router.redirections.ask;

    await engine.putItem(pk, 'c', 'C');
    expect(await engine.deleteItem(pk, 'a')).toMatchObject({ isDeleted: true });
    const page = await engine.queryItems(pk, { prefix: '', startAfter: undefined, limit: 10, order: 'asc' });
    expect(page.items).toEqual([
      { sk: 'b', value: 'B' },
      { sk: 'c', value: 'C' },
    ]);
    expect(engine.router.redirections.ask - asksBefore).toBe(3);
    // Everything landed on the importing node; the source holds nothing of the slot.
    expect(Number(await sendRedisCommand(sourcePort, ['CLUSTER', 'COUNTKEYSINSLOT', String(slot)]))).toBe(0);
  });
}, 60_000);
