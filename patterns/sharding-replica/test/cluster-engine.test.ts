import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { sendRedisCommand, startRedisClusterMode } from '@kvs-lab/shared/testing';
import type { RedisClusterModeHandle } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { ShardingApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { hashSlot } from '../src/domain/hash-slot.ts';
import { ClusterEngine } from '../src/engines/cluster/cluster-engine.ts';
import { keys } from '../src/store/keys.ts';
import { readStrong, waitFor } from './support/sharding-replica-lab.ts';

// One real Redis Cluster for the whole file: 3 masters with a replica each, plus a spare master
// (no slots) with its replica, cluster-node-timeout 2000 ms.
describe('cluster engine (real Redis Cluster, the same API)', () => {
  let redis: RedisClusterModeHandle;
  let app: ShardingApp;
  let engine: ClusterEngine;
  let api: ReturnType<typeof request>;
  const names = new Map<string, string>();
  /** REDIS_NODES for a service over this cluster, each node under its shard's name. */
  const redisNodesEnv = () => redis.nodes.map((n) => `${names.get(n.name)}=${n.url}`).join(',');

  beforeAll(async () => {
    redis = await startRedisClusterMode({
      masters: 3,
      replicasPerMaster: 1,
      spareMasters: 1,
      nodeTimeoutMs: 2000,
    });
    [...redis.masters, ...redis.spares].forEach((master, i) => {
      names.set(master.name, `cluster-shard-${i + 1}-master`);
      const replica = redis.replicas.find((r) => r.masterName === master.name);
      if (replica) names.set(replica.name, `cluster-shard-${i + 1}-replica`);
    });
    const config = loadConfig({
      ENGINE: 'cluster',
      REDIS_NODES: redisNodesEnv(),
      MONITOR_INTERVAL_MS: '250',
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      WAIT_TIMEOUT_MS: '2000',
    });
    const nodes = await connectRedisNodes(config.redisNodes, {
      commandTimeoutMs: config.redisCommandTimeoutMs,
    });
    app = await createApp({ config, nodes });
    if (!(app.store instanceof ClusterEngine))
      throw new Error('ENGINE=cluster must build the cluster engine');
    engine = app.store;
    await app.sharding.start();
    api = request(app.service.server);
    // CLUSTER SLOTS lists a replica once it has announced itself to the node asked.
    const hasReplicas = await waitFor(async () => {
      await engine.sample();
      return engine.router.ranges.length > 0 && engine.router.ranges.every((r) => r.replicas.length > 0);
    }, 20_000);
    if (!hasReplicas) throw new Error('the cluster did not list every replica');
  });

  afterAll(async () => {
    await app?.service.close();
    await redis?.stop();
  });

  const handle = (name: string) => {
    const found = redis.nodes.find((n) => names.get(n.name) === name);
    if (!found) throw new Error(`no node ${name}`);
    return found;
  };

  it('the cluster is formed: state ok, 16384 slots on three masters, 10k keys balanced within 1.10 of the mean', async () => {
    expect(String(await sendRedisCommand(redis.masters[0]!.port, ['CLUSTER', 'INFO']))).toContain(
      'cluster_state:ok',
    );
    const ring = (await api.get('/ring')).body as { shards: { id: string; share: number }[] };
    expect(ring.shards.map((s) => s.id)).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(ring.shards.reduce((a, s) => a + s.share, 0)).toBeCloseTo(1, 9);
    const perShard = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const { shard } = engine.locate(`key-${i}`);
      perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
    }
    const counts = [...perShard.values()];
    expect(counts).toHaveLength(3);
    expect(Math.max(...counts) / (10_000 / 3)).toBeLessThanOrEqual(1.1);
    const shards = (await api.get('/shards')).body.shards as { id: string; state: string }[];
    expect(shards.find((s) => s.id === 'shard-4')?.state).toBe('standby');
    const authority = (await api.get('/shards')).body.authority;
    expect(authority).toMatchObject({
      decidedBy: 'cluster',
      state: 'ok',
      slotsAssigned: 16384,
      slotsFail: 0,
    });
  });

  it('a write goes to the master of its hash slot; /locate gives the slot CLUSTER KEYSLOT gives, with master and replica', async () => {
    const put = await api.put('/kv/user:1?durability=replica').send({ value: 'alice' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ replicasAcked: 1, isReplicated: true });
    const location = (await api.get('/locate/user:1')).body;
    expect(location.slot).toBe(
      await sendRedisCommand(redis.masters[0]!.port, ['CLUSTER', 'KEYSLOT', keys.kv('user:1')]),
    );
    expect(location).toMatchObject({ master: put.body.master, shard: put.body.shard });
    expect(location.replica).toMatch(/replica$/);
    expect((await api.get('/kv/user:1?consistency=strong')).body).toMatchObject({
      value: 'alice',
      servedBy: location.master,
    });
    // Eventual reads go to the slot's replica (READONLY); WAIT said it has the write.
    expect((await api.get('/kv/user:1')).body).toMatchObject({ value: 'alice', servedBy: location.replica });
  });

  it('a partition carries the hash tag {pk}: both its keys sit in one slot, and a page is one script on one master', async () => {
    for (const sk of ['b', 'a', 'c'])
      expect((await api.put(`/items/cart-9/${sk}`).send({ value: sk })).status).toBe(200);
    expect(hashSlot(keys.clusterItemIndex('cart-9'))).toBe(hashSlot(keys.clusterItemValues('cart-9')));
    expect(hashSlot(keys.clusterItemIndex('cart-9'))).toBe(hashSlot('cart-9'));
    const page = (await api.get('/items/cart-9?limit=2')).body;
    expect(page.items).toEqual([
      { sk: 'a', value: 'a' },
      { sk: 'b', value: 'b' },
    ]);
    expect(page.nextStartAfter).toBe('b');
    expect((await api.delete('/items/cart-9/a')).body.isDeleted).toBe(true);
  });

  it('an item write to a partition whose value hash was rewritten from outside answers 500 and writes nothing', async () => {
    const pk = 'rewritten-9';
    expect((await api.put(`/items/${pk}/a`).send({ value: 'one' })).status).toBe(200);
    // Straight to the slot's master, as another client would: the other masters answer MOVED.
    const onOwner = async (command: string[]) => {
      for (const master of redis.masters) {
        const reply = await sendRedisCommand(master.port, command).catch((error: unknown) => error);
        if (!(reply instanceof Error)) return reply;
      }
      throw new Error(`no master took ${command.join(' ')}`);
    };
    await onOwner(['SET', keys.clusterItemValues(pk), 'not a hash']);
    const put = await api.put(`/items/${pk}/b`).send({ value: 'two' });
    expect(put.status).toBe(500);
    expect((await api.delete(`/items/${pk}/a`)).status).toBe(500);
    // A script is not rolled back either: only the check before any write keeps "b" out of the index.
    expect(await onOwner(['ZRANGE', keys.clusterItemIndex(pk), '0', '-1'])).toEqual(['a']);
  });

  it('without the hash tag a partition spans two slots: the write is refused as 409 CROSS_SLOT problem+json, not a crash', async () => {
    const config = loadConfig({
      ENGINE: 'cluster',
      ITEM_HASH_TAGS: 'false',
      REDIS_NODES: redisNodesEnv(),
    });
    const untagged = await createApp({ config, nodes: await connectRedisNodes(config.redisNodes) });
    try {
      await untagged.sharding.start();
      // This partition's two keys hash to different slots (checked, not assumed).
      expect(hashSlot(keys.untaggedItemIndex('cart-9'))).not.toBe(
        hashSlot(keys.untaggedItemValues('cart-9')),
      );
      const put = await request(untagged.service.server).put('/items/cart-9/a').send({ value: 'x' });
      expect(put.status).toBe(409);
      expect(put.headers['content-type']).toContain('application/problem+json');
      expect(put.body).toMatchObject({ code: 'CROSS_SLOT', outcome: 'not_applied' });
      expect((await request(untagged.service.server).get('/healthz')).status).toBe(200);
    } finally {
      await untagged.service.close();
    }
  });

  it('bad input is 4xx problem+json here too; draining is refused with a clear 409', async () => {
    expect((await api.put('/kv/a%20b').send({ value: 'x' })).status).toBe(400);
    const drain = await api.delete('/shards/shard-1');
    expect(drain.status).toBe(409);
    expect(drain.body.code).toBe('ENGINE_UNSUPPORTED');
  });

  it('scale-out under 4 writer/reader loops: a quarter of the slots move to the spare, keys with them, no acknowledged write lost, errors below 1 %; a client with the old slot map meets MOVED', async () => {
    const acknowledged = new Map<string, string>();
    let requests = 0;
    let failures = 0;
    let isRunning = true;
    const loops = Array.from({ length: 4 }, async (_, loop) => {
      for (let i = 0; isRunning; i++) {
        const key = `load-${loop}-${i % 300}`;
        const value = `${loop}-${i}`;
        requests += 2;
        const put = await api.put(`/kv/${key}`).send({ value });
        if (put.status === 200) acknowledged.set(key, value);
        else failures += 1;
        const get = await api.get(`/kv/${key}?consistency=strong`);
        if (get.status !== 200) failures += 1;
      }
    });
    await waitFor(() => requests > 400);
    // A second client whose slot map is taken now and never refreshed on a timer: after the handover it
    // must meet MOVED for every slot that left, whatever the timing of the loops above.
    const staleConfig = loadConfig({
      ENGINE: 'cluster',
      REDIS_NODES: redisNodesEnv(),
      MONITOR_INTERVAL_MS: '60000',
    });
    const stale = await createApp({
      config: staleConfig,
      nodes: await connectRedisNodes(staleConfig.redisNodes),
    });
    try {
      await stale.sharding.start();
      const started = await api.post('/shards');
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ shard: 'shard-4', slotsPlanned: 4096 });
      const isDone = await waitFor(
        async () => (await api.get('/rebalance')).body.rebalance.status === 'done',
        120_000,
      );
      isRunning = false;
      await Promise.all(loops);
      expect(isDone).toBe(true);
      const rebalance = (await api.get('/rebalance')).body.rebalance;
      expect(rebalance).toMatchObject({ slotsMoved: 4096, errors: 0 });
      expect(rebalance.keysMoved).toBeGreaterThan(0);
      expect(failures / requests).toBeLessThan(0.01);
      const staleApi = request(stale.service.server);
      for (const [key, value] of acknowledged)
        expect(await readStrong(staleApi, key)).toEqual({ status: 200, value });
      const authority = (await staleApi.get('/shards')).body.authority;
      expect(authority.redirections.moved).toBeGreaterThan(0);
    } finally {
      // A failed step above must not leave the loops running against a closed lab.
      isRunning = false;
      await stale.service.close();
    }
    const shares = (await api.get('/ring')).body.shards as { id: string; share: number }[];
    expect(shares.find((s) => s.id === 'shard-4')?.share).toBeCloseTo(0.25, 2);
    const check = (await api.get('/check')).body;
    expect(check.valid, check.summary).toBe(true);
  }, 180_000);

  it('kill a master: Redis Cluster promotes its replica; its slots take writes again within node-timeout + 5 s, other slots never fail, and the failover is reported', async () => {
    const victim = 'cluster-shard-2-master';
    const keyOn = (shard: string, prefix: string) => {
      for (let i = 0; ; i++) if (engine.locate(`${prefix}-${i}`).shard === shard) return `${prefix}-${i}`;
    };
    const durable = keyOn('shard-2', 'kept');
    expect(
      (await api.put(`/kv/${durable}?durability=replica`).send({ value: 'kept' })).body.isReplicated,
    ).toBe(true);
    const other = keyOn('shard-1', 'other');
    const victimKey = keyOn('shard-2', 'victim');
    const otherFailures: number[] = [];
    const victimStatuses: number[] = [];
    let isRunning = true;
    const loop = (async () => {
      for (let i = 0; isRunning; i++) {
        const res = await api.put(`/kv/${other}`).send({ value: String(i) });
        if (res.status !== 200) otherFailures.push(res.status);
        victimStatuses.push((await api.put(`/kv/${victimKey}`).send({ value: String(i) })).status);
      }
    })();
    await waitFor(() => victimStatuses.length > 5);
    const killedAt = Date.now();
    await handle(victim).kill();
    const isBack = await waitFor(
      async () => {
        const before = victimStatuses.length;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return victimStatuses.length > before && victimStatuses.at(-1) === 200 && Date.now() - killedAt > 500;
      },
      2_000 + 5_000 + 3_000,
    );
    const backAfterMs = Date.now() - killedAt;
    isRunning = false;
    await loop;
    expect(isBack, `writes came back after ${backAfterMs} ms`).toBe(true);
    expect(backAfterMs).toBeLessThanOrEqual(2_000 + 5_000 + 3_000);
    expect(otherFailures.slice(0, 5)).toEqual([]);
    expect(victimStatuses.filter((s) => s !== 200 && s !== 503 && s !== 504)).toEqual([]);
    expect(await readStrong(api, durable)).toEqual({ status: 200, value: 'kept' });
    expect(await waitFor(() => engine.failovers().length > 0, 5_000)).toBe(true);
    expect((await api.get('/shards')).body.failovers[0]).toMatchObject({
      shard: 'shard-2',
      from: victim,
      to: 'cluster-shard-2-replica',
    });
  }, 60_000);

  it('a paused (SIGSTOP) master is failed over by the cluster like a dead one, and the failover is reported', async () => {
    const before = engine.failovers().length;
    const master = handle('cluster-shard-3-master');
    master.pause();
    try {
      expect(await waitFor(() => engine.failovers().length > before, 2_000 + 8_000)).toBe(true);
      expect(engine.failovers().at(-1)).toMatchObject({ shard: 'shard-3', to: 'cluster-shard-3-replica' });
      const key = (() => {
        for (let i = 0; ; i++) if (engine.locate(`thaw-${i}`).shard === 'shard-3') return `thaw-${i}`;
      })();
      expect((await api.put(`/kv/${key}`).send({ value: 'v' })).status).toBe(200);
    } finally {
      master.resume();
    }
  }, 30_000);
}, 120_000);
