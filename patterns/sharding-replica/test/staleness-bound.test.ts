import { stopAllRedis } from '@kvs-lab/shared/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyOn, replicasInSync, startCluster, waitFor } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';

const boundMs = 300;

describe(`eventual reads are stale by at most REPLICA_MAX_STALENESS_MS (${boundMs} ms here)`, () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    cluster = await startCluster({ REPLICA_MAX_STALENESS_MS: String(boundMs) }, 1);
    api = request(cluster.service.server);
  });

  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it('with replication cut, the replica answers only within the bound; past it every eventual read comes from the master', async () => {
    const key = keyOn(cluster, 'shard-1', 'bounded');
    expect((await api.put(`/kv/${key}?durability=replica`).send({ value: 'v1' })).body.isReplicated).toBe(
      true,
    );
    expect(await replicasInSync(cluster)).toBe(true);
    await api.post('/chaos/faults/replication-pause').send({ shard: 'shard-1' });
    expect((await api.put(`/kv/${key}`).send({ value: 'v2' })).status).toBe(200);
    const acknowledgedAt = Date.now();
    // Whatever the machine's pace: each eventual read is the replica's v1 with a staleness within the bound,
    // or the master's v2. No probe can cover the replica past the write it lacks, so once the bound has
    // passed since the write was acknowledged, only the master answers.
    const seen: { value: string; servedBy: string; stalenessMs: number | null }[] = [];
    while (Date.now() <= acknowledgedAt + boundMs + 50) {
      const read = (await api.get(`/kv/${key}`)).body;
      seen.push({ value: read.value, servedBy: read.servedBy, stalenessMs: read.replicationLag.stalenessMs });
      await sleep(20);
    }
    for (const read of seen) {
      expect([
        { value: 'v1', servedBy: 'shard-1-replica', isWithinBound: true },
        { value: 'v2', servedBy: 'shard-1-master', isWithinBound: true },
      ]).toContainEqual({
        value: read.value,
        servedBy: read.servedBy,
        isWithinBound: (read.stalenessMs ?? Infinity) <= boundMs,
      });
    }
    for (let i = 0; i < 5; i++) {
      expect((await api.get(`/kv/${key}`)).body).toMatchObject({
        value: 'v2',
        servedBy: 'shard-1-master',
        replicationLag: { stalenessMs: 0 },
      });
    }
    // Healed, the replica catches up and answers again, within the bound.
    await api.delete('/chaos/faults/replication-pause');
    expect(
      await waitFor(async () => {
        const read = (await api.get(`/kv/${key}`)).body;
        return read.servedBy === 'shard-1-replica' && read.value === 'v2';
      }),
    ).toBe(true);
  });
});

describe('a replica is read only on the connection its probe used (bound left long)', () => {
  let cluster: TestCluster;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    cluster = await startCluster({}, 1);
    api = request(cluster.service.server);
  });

  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it('a replica whose process restarted is not read until a probe on the new connection found it a linked replica', async () => {
    const key = keyOn(cluster, 'shard-1', 'restarted');
    expect((await api.put(`/kv/${key}?durability=replica`).send({ value: 'v1' })).body.isReplicated).toBe(
      true,
    );
    expect(await replicasInSync(cluster)).toBe(true);
    // No probe from here on: only the connection tells the router the node went away and came back.
    cluster.router.probe.stop();
    try {
      await cluster.router.probe.probeAll();
      expect((await api.get(`/kv/${key}`)).body.servedBy).toBe('shard-1-replica');
      const replica = cluster.handle('shard-1-replica');
      await replica.kill();
      await replica.restart();
      await cluster.router.state.node('shard-1-replica').ready(5_000);
      expect((await api.get(`/kv/${key}`)).body).toMatchObject({ value: 'v1', servedBy: 'shard-1-master' });
    } finally {
      await cluster.router.probe.start();
    }
    expect(await waitFor(async () => (await api.get(`/kv/${key}`)).body.servedBy === 'shard-1-replica')).toBe(
      true,
    );
  });
});
