import { addNode, ownerOf } from '@kvs-lab/shared/hashing';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStrong, startCluster, waitFor } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';

const seeded = Array.from({ length: 10_000 }, (_, i) => `seed-${i}`);
const partitions = Array.from({ length: 40 }, (_, i) => `tenant-${i}`);

describe('rebalance: adding and draining a shard under load (real Redis)', () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    cluster = await startCluster();
    api = request(cluster.service.server);
    // Seed straight into each owner's master (faster than 3000 HTTP calls); the router reads them like its own.
    const byMaster = new Map<string, string[]>();
    for (const key of seeded) {
      const { master } = cluster.sharding.locateKey(key);
      byMaster.set(master, [...(byMaster.get(master) ?? []), key]);
    }
    for (const [master, keys] of byMaster) {
      const pipeline = cluster.router.state.node(master).client.pipeline();
      for (const key of keys) pipeline.set(`lab:sharding-replica:kv:${key}`, `seed-${key}`);
      await pipeline.exec();
    }
    for (const pk of partitions) {
      for (const sk of ['a', 'b', 'c']) await api.put(`/items/${pk}/${sk}`).send({ value: `${pk}/${sk}` });
    }
  });

  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it('with 160 virtual nodes per shard, then the busiest master holds at most 1.10 x the mean of 10k keys', async () => {
    const counts: number[] = [];
    for (const shard of ['shard-1', 'shard-2', 'shard-3']) {
      counts.push(await cluster.router.state.node(`${shard}-master`).client.dbsize());
    }
    const total = counts.reduce((a, b) => a + b, 0);
    expect(total).toBe(seeded.length + 2 * partitions.length);
    expect(Math.max(...counts) / (total / 3)).toBeLessThanOrEqual(1.1);
  });

  it('when the standby shard joins under a write/read load, then only keys whose owner changed move (as the ring predicts), all onto it, and no acknowledged write is lost', async () => {
    const before = cluster.router.state.map.ring;
    const after = addNode(before, 'shard-4');
    const predicted =
      seeded.filter((k) => ownerOf(before, k) !== ownerOf(after, k)).length +
      partitions.filter((pk) => ownerOf(before, pk) !== ownerOf(after, pk)).length;

    const acknowledged = new Map<string, string>();
    const attempted = new Set<string>();
    let requests = 0;
    let failures = 0;
    let staleReads = 0;
    let isRunning = true;
    const loops = Array.from({ length: 4 }, async (_, worker) => {
      for (let round = 0; isRunning; round++) {
        const key = seeded[(round * 4 + worker) % seeded.length] as string;
        const value = `w${worker}-r${round}`;
        attempted.add(key);
        const put = await api.put(`/kv/${key}`).send({ value });
        requests += 1;
        if (put.status === 200) acknowledged.set(key, value);
        else failures += 1;
        const read = await api.get(`/kv/${key}?consistency=strong`);
        requests += 1;
        if (read.status !== 200) failures += 1;
        else if (put.status === 200 && read.body.value !== value) staleReads += 1;
      }
    });

    await waitFor(() => requests > 50);
    const started = await api.post('/shards');
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ kind: 'add', shard: 'shard-4', status: 'running' });
    expect((await api.post('/shards')).body.code).toBe('REBALANCE_IN_PROGRESS');
    const isDone = await waitFor(
      async () => (await api.get('/rebalance')).body.rebalance.status === 'done',
      30_000,
    );
    await waitFor(() => requests > 300);
    isRunning = false;
    await Promise.all(loops);

    expect(isDone).toBe(true);
    const rebalance = (await api.get('/rebalance')).body.rebalance;
    expect(rebalance.planned).toBe(predicted);
    expect(rebalance.keysMoved).toBe(predicted);
    expect(Object.keys(rebalance.movedTo)).toEqual(['shard-4']);
    const fraction = predicted / (seeded.length + partitions.length);
    expect(fraction).toBeGreaterThanOrEqual(0.2);
    expect(fraction).toBeLessThanOrEqual(0.3);

    expect(failures / requests).toBeLessThan(0.01);
    expect(staleReads).toBe(0);
    for (const [key, value] of acknowledged)
      expect(await readStrong(api, key)).toEqual({ status: 200, value });
    for (const key of seeded.filter((k) => !attempted.has(k)).slice(0, 500)) {
      expect(await readStrong(api, key)).toEqual({ status: 200, value: `seed-${key}` });
    }
    for (const pk of partitions) {
      const page = await api.get(`/items/${pk}`);
      expect((page.body.items as { sk: string }[]).map((i) => i.sk)).toEqual(['a', 'b', 'c']);
      expect(page.body.shard).toBe(ownerOf(after, pk));
    }
    // Every key sits on exactly one master, its owner on the new ring.
    const check = await api.get('/check');
    expect(check.body.details.keysMisplaced).toBe(0);
    expect(check.body.details.keysChecked).toBe(seeded.length + partitions.length);
    expect(check.body.valid).toBe(true);
  });

  it('when a shard is drained, then its keys move to the remaining shards and every key stays readable', async () => {
    const started = await api.delete('/shards/shard-4');
    expect(started.status).toBe(202);
    expect(
      await waitFor(async () => (await api.get('/rebalance')).body.rebalance.status === 'done', 30_000),
    ).toBe(true);
    expect(cluster.router.state.map.ring.nodes).toEqual(['shard-1', 'shard-2', 'shard-3']);
    expect(await cluster.router.state.node('shard-4-master').client.dbsize()).toBe(0);
    for (const key of seeded.slice(0, 300)) expect((await readStrong(api, key)).status).toBe(200);
    expect((await api.get('/check')).body.details.keysMisplaced).toBe(0);
  });

  it('refuses to drain a shard that is not on the ring, an unknown shard, or to add when nothing stands by', async () => {
    expect((await api.delete('/shards/shard-4')).body.code).toBe('SHARD_NOT_ACTIVE');
    expect((await api.delete('/shards/shard-9')).body.code).toBe('SHARD_NOT_FOUND');
    expect((await api.delete('/shards/nope')).status).toBe(400);
  });
}, 90_000); // per test: on a loaded CI machine the waits inside (deadlines up to 30 s) outlast the 30 s default
