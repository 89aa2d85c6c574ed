import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOn, replicasInSync, startCluster, waitFor } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';
import { statsResult } from '../src/http/schemas.ts';
import { keys } from '../src/store/keys.ts';

describe('shard router API (real Redis: 4 shards of master + replica)', () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    cluster = await startCluster();
    api = request(cluster.service.server);
  });

  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it('a write lands on the master of the shard the ring names, and a strong read returns it from that master', async () => {
    const put = await api.put('/kv/user:1').send({ value: 'alice' });
    expect(put.status).toBe(200);
    const location = await api.get('/locate/user:1');
    expect(put.body).toMatchObject({
      key: 'user:1',
      shard: location.body.shard,
      master: location.body.master,
    });
    const read = await api.get('/kv/user:1?consistency=strong');
    expect(read.body).toMatchObject({
      value: 'alice',
      servedBy: location.body.master,
      consistency: 'strong',
    });
    const direct = await cluster.router.state
      .node(location.body.master)
      .client.get('lab:sharding-replica:kv:user:1');
    expect(direct).toBe('alice');
  });

  it('an eventual read is served by the replica once replication caught up', async () => {
    await api.put('/kv/user:2').send({ value: 'bob' });
    const location = await api.get('/locate/user:2');
    expect(await replicasInSync(cluster)).toBe(true);
    const read = await api.get('/kv/user:2');
    expect(read.body).toMatchObject({
      value: 'bob',
      servedBy: location.body.replica,
      consistency: 'eventual',
    });
    expect(read.body.replicationLag.bytes).toBe(0);
  });

  it('a write with durability=replica reports that the replica acknowledged it (WAIT 1)', async () => {
    const put = await api.put('/kv/user:3?durability=replica').send({ value: 'carol' });
    expect(put.body).toMatchObject({ durability: 'replica', replicasAcked: 1, isReplicated: true });
    const async = await api.put('/kv/user:3').send({ value: 'carol2' });
    expect(async.body).toMatchObject({ durability: 'async', replicasAcked: null, isReplicated: false });
  });

  it('a deleted key reads as 404 KEY_NOT_FOUND problem+json', async () => {
    await api.put('/kv/gone').send({ value: 'x' });
    expect((await api.delete('/kv/gone')).body).toMatchObject({ isDeleted: true });
    const read = await api.get('/kv/gone?consistency=strong');
    expect(read.status).toBe(404);
    expect(read.headers['content-type']).toContain('application/problem+json');
    expect(read.body).toMatchObject({ code: 'KEY_NOT_FOUND', outcome: 'not_applied' });
  });

  it('/ring lists 3 active shards with 160 virtual nodes each and shares summing to 1; /locate names hash and virtual node', async () => {
    const ring = await api.get('/ring');
    const shards = ring.body.shards as { id: string; share: number; virtualNodes: unknown[] }[];
    expect(shards.map((s) => s.id)).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(shards.every((s) => s.virtualNodes.length === 160)).toBe(true);
    const total = shards.reduce((sum, s) => sum + s.share, 0);
    expect(total).toBeCloseTo(1, 9);
    const located = await api.get('/locate/user:1');
    expect(located.body.virtualNode.shard).toBe(located.body.shard);
    expect(located.body.virtualNode.position).toBeGreaterThanOrEqual(located.body.hash);
  });

  it('/shards reports roles, health, key counts and lag for each shard, with shard-4 on standby', async () => {
    await cluster.router.monitor.sample();
    const shards = await api.get('/shards');
    expect(shards.status).toBe(200);
    expect(shards.body.shards).toHaveLength(4);
    expect(shards.body.shards[3]).toMatchObject({ id: 'shard-4', state: 'standby' });
    for (const shard of shards.body.shards) {
      expect(shard.master).toMatchObject({ role: 'master', isAlive: true });
      expect(shard.replica).toMatchObject({ role: 'replica', isAlive: true, linkStatus: 'up' });
      expect(typeof shard.keys).toBe('number');
    }
  });

  it('items of one partition live on its shard and pages return every item exactly once, in order, with a prefix', async () => {
    const pk = 'customer-7';
    const sortKeys = [
      ...Array.from({ length: 23 }, (_, i) => `order#${String(i).padStart(3, '0')}`),
      'profile',
      'address#home',
    ];
    for (const sk of sortKeys)
      expect((await api.put(`/items/${pk}/${sk.replace('#', '%23')}`).send({ value: sk })).status).toBe(200);
    const shard = cluster.sharding.locateKey(pk).shard;
    const collect = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const after: string = cursor === null ? '' : `&startAfter=${encodeURIComponent(cursor)}`;
        const page = await api.get(`/items/${pk}?limit=5${query}${after}`);
        expect(page.status).toBe(200);
        expect(page.body.shard).toBe(shard);
        seen.push(...(page.body.items as { sk: string }[]).map((item) => item.sk));
        cursor = page.body.nextStartAfter;
      } while (cursor !== null);
      return seen;
    };
    const orders = sortKeys.filter((sk) => sk.startsWith('order#')).sort();
    expect(await collect('&prefix=order%23')).toEqual(orders);
    expect(await collect('&prefix=order%23&order=desc')).toEqual([...orders].reverse());
    expect(await collect('')).toEqual([...sortKeys].sort());
    const one = await api.get(`/items/${pk}/profile`);
    expect(one.body).toMatchObject({ value: 'profile', shard });
    expect((await api.get(`/items/${pk}/nothing`)).status).toBe(404);
  });

  it('an item write to a partition whose value hash was rewritten from outside is an error, not a 200, and writes nothing (not even the sort key)', async () => {
    const pk = 'rewritten-outside';
    expect((await api.put(`/items/${pk}/a`).send({ value: 'one' })).status).toBe(200);
    const master = cluster.router.state.node(cluster.sharding.locateKey(pk).master);
    // Redis rolls back neither a MULTI nor a script when one command fails with WRONGTYPE at run time.
    await master.client.set(keys.itemValues(pk), 'not a hash');
    const put = await api.put(`/items/${pk}/b`).send({ value: 'two' });
    expect(put.status).toBe(500);
    expect(put.headers['content-type']).toMatch(/json/);
    const removed = await api.delete(`/items/${pk}/a`);
    expect(removed.status).toBe(500);
    expect(await master.client.zrange(keys.itemIndex(pk), '0', '-1')).toEqual(['a']);
  });

  it('a page is one atomic read: an item deleted while the query is in flight is wholly in the page or wholly out, never an empty value', async () => {
    const pk = 'atomic-page';
    for (const sk of ['a', 'b', 'c']) await api.put(`/items/${pk}/${sk}`).send({ value: `value-${sk}` });
    const master = cluster.sharding.locateKey(pk).master;
    // Each command to the master now waits 300 ms before it is sent: a two-step read (sort keys, then
    // values) would leave a 300 ms window between its steps, and the delete below lands in it.
    await api.put(`/chaos/links/${master}`).send({ mode: 'slow', delayMs: 300 });
    try {
      const query = api.get(`/items/${pk}?limit=10`);
      const pending = query.then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 450));
      // Straight to Redis, not through the slowed link: another client deleting the item.
      await cluster.router.state
        .node(master)
        .client.multi()
        .zrem(`lab:sharding-replica:items:${pk}`, 'b')
        .hdel(`lab:sharding-replica:item-values:${pk}`, 'b')
        .exec();
      const page = await pending;
      expect(page.status).toBe(200);
      const items = page.body.items as { sk: string; value: string }[];
      expect(
        items.every((item) => item.value === `value-${item.sk}`),
        JSON.stringify(items),
      ).toBe(true);
    } finally {
      await api.delete('/chaos');
    }
  });

  it('the hot-key sketch names the most read key, and router-cache answers its eventual reads from memory', async () => {
    const hot = keyOn(cluster, 'shard-2', 'hot');
    // WAIT 1: the replica holds the value before the eventual reads below. With an async write a loaded
    // machine can leave the replica behind, so the read that fills the cache would find (and cache) nothing.
    const put = await api.put(`/kv/${hot}?durability=replica`).send({ value: 'v' });
    expect(put.body.isReplicated).toBe(true);
    for (let i = 0; i < 80; i++) await api.get(`/kv/${hot}`);
    const report = await api.get('/hotkeys');
    expect(report.body.top[0]).toMatchObject({ key: hot, isHot: true });
    await api.put('/hotkeys/mitigation').send({ mode: 'router-cache' });
    const filling = await api.get(`/kv/${hot}`);
    expect(filling.body).toMatchObject({ value: 'v', servedBy: 'shard-2-replica' });
    const cached = await api.get(`/kv/${hot}`);
    expect(cached.body).toMatchObject({ value: 'v', servedBy: 'router-cache' });
    expect((await api.get(`/kv/${hot}?consistency=strong`)).body.servedBy).toMatch(/master/);

    // spread-reads: the hot key's eventual reads alternate between the master and the replica.
    await api.put('/hotkeys/mitigation').send({ mode: 'spread-reads' });
    const servedBy = new Set<string>();
    for (let i = 0; i < 6; i++) servedBy.add((await api.get(`/kv/${hot}`)).body.servedBy as string);
    expect(servedBy).toEqual(new Set(['shard-2-master', 'shard-2-replica']));
    await api.put('/hotkeys/mitigation').send({ mode: 'off' });
  });

  it('/check says the promise held over the recorded history, and /stats reports the figures', async () => {
    const check = await api.get('/check');
    expect(check.status).toBe(200);
    expect(check.body.valid).toBe(true);
    expect(check.body.summary).toMatch(/replica-acknowledged writes are readable/);
    const stats = await api.get('/stats');
    expect(stats.body.ring.shards).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(stats.body.failovers).toEqual([]);
    // The OpenAPI document's schema describes what /stats really returns.
    expect(statsResult.safeParse(stats.body).error).toBeUndefined();
  });

  // Last: it grows the ring.
  it('when autoscaling is on and a shard stays above its key limit for the sustain ticks, then the router adds the standby shard by itself', async () => {
    expect((await api.get('/autoscale')).body).toMatchObject({ isEnabled: false, standby: 'shard-4' });
    const set = await api.put('/autoscale').send({ isEnabled: true, maxKeysPerShard: 1, sustainTicks: 2 });
    expect(set.body).toMatchObject({ isEnabled: true, maxKeysPerShard: 1, sustainTicks: 2 });
    const scaled = await waitFor(async () => {
      const rebalance = (await api.get('/rebalance')).body.rebalance;
      return rebalance?.trigger === 'autoscale' && rebalance.status === 'done';
    });
    expect(scaled).toBe(true);
    const shards = (await api.get('/shards')).body.shards as { id: string; state: string }[];
    expect(shards.find((s) => s.id === 'shard-4')?.state).toBe('active');
    expect((await api.get('/autoscale')).body.standby).toBeNull();
  });
});
