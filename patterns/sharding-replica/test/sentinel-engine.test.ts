import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis, startSentinels, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle, SentinelsHandle } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import type { ShardingApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { SentinelEngine } from '../src/engines/sentinel/sentinel-engine.ts';
import { readStrong, waitFor } from './support/sharding-replica-lab.ts';

/** How long Sentinel may take to make a returning old master a replica: two INFO periods and some slack. */
const sentinelConversionMs = 30_000;

// Three shards of real master/replica pairs, watched by three sentinels (quorum 2, down-after 1000 ms).
describe('sentinel engine (real Redis Sentinel decides failover; the router follows)', () => {
  const redis = new Map<string, RedisHandle>();
  let sentinels: SentinelsHandle;
  let app: ShardingApp;
  let engine: SentinelEngine;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    for (const n of [1, 2, 3]) {
      const master = await startRedis({ name: `shard-${n}-master` });
      const replica = await startRedis({
        name: `shard-${n}-replica`,
        replicaOf: { host: master.host, port: master.port },
      });
      redis.set(master.name, master);
      redis.set(replica.name, replica);
    }
    sentinels = await startSentinels({
      masters: [1, 2, 3].map((n) => {
        const master = redis.get(`shard-${n}-master`) as RedisHandle;
        return { name: master.name, host: master.host, port: master.port };
      }),
      count: 3,
      quorum: 2,
      downAfterMs: 1000,
      failoverTimeoutMs: 3000,
    });
    const config = loadConfig({
      ENGINE: 'sentinel',
      SENTINELS: sentinels.addresses.map((a) => `${a.host}:${a.port}`).join(','),
      REDIS_NODES: [...redis.values()].map((r) => `${r.name}=${r.url}`).join(','),
      PING_INTERVAL_MS: '100',
      MONITOR_INTERVAL_MS: '250',
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      WAIT_TIMEOUT_MS: '2000',
    });
    const nodes = await connectRedisNodes(config.redisNodes, {
      commandTimeoutMs: config.redisCommandTimeoutMs,
    });
    app = await createApp({ config, nodes });
    if (!(app.store instanceof SentinelEngine))
      throw new Error('ENGINE=sentinel must build the sentinel engine');
    engine = app.store;
    await app.sharding.start();
    api = request(app.service.server);
    const isLinked = await waitFor(async () => {
      await engine.monitor.sample();
      return engine.shards().every((s) => s.state !== 'active' || s.replica?.linkStatus === 'up');
    }, 20_000);
    if (!isLinked) throw new Error('replicas did not finish their first sync');
  });

  afterAll(async () => {
    await app?.service.close();
    await sentinels?.stop();
    await stopAllRedis();
  });

  const keyOn = (shard: string, prefix: string) => {
    for (let i = 0; ; i++) if (engine.locate(`${prefix}-${i}`).shard === shard) return `${prefix}-${i}`;
  };

  it("cut only the router's link to a live master: the router cannot promote, Sentinel sees the master alive, so there is no second master (no split brain)", async () => {
    const key = keyOn('shard-3', 'island');
    expect((await api.put(`/kv/${key}`).send({ value: 'before' })).status).toBe(200);
    expect((await api.put('/chaos/links/shard-3-master').send({ mode: 'cut' })).status).toBe(200);
    try {
      // Well past the router's 3 missed pings (300 ms here) and Sentinel's down-after (1000 ms).
      expect(await waitFor(() => !engine.state.healthOf('shard-3-master').isAlive, 5_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await engine.monitor.sample();
      expect(engine.state.shard('shard-3').master).toBe('shard-3-master');
      expect(await engine.watch.masterOf(engine.state.shard('shard-3'))).toBe('shard-3-master');
      // The router refuses rather than write elsewhere: 503, nothing applied.
      const refused = await api.put(`/kv/${key}`).send({ value: 'during' });
      expect(refused.status).toBe(503);
      expect(refused.body.outcome).toBe('not_applied');
    } finally {
      await api.delete('/chaos');
    }
    expect(engine.failovers().filter((f) => f.shard === 'shard-3')).toEqual([]);
    expect(await readStrong(api, key)).toEqual({ status: 200, value: 'before' });
  }, 30_000);

  it('kill a master: Sentinel promotes its replica, the router follows; its keys take writes again within down-after + 5 s, other shards never fail, replica-acknowledged writes survive', async () => {
    const durable = Array.from({ length: 5 }, (_, i) => keyOn('shard-1', `kept-${i}`));
    for (const key of durable) {
      expect((await api.put(`/kv/${key}?durability=replica`).send({ value: 'kept' })).body.isReplicated).toBe(
        true,
      );
    }
    const other = keyOn('shard-2', 'other');
    const victim = keyOn('shard-1', 'victim');
    const otherFailures: number[] = [];
    const victimStatuses: number[] = [];
    let isRunning = true;
    const loop = (async () => {
      for (let i = 0; isRunning; i++) {
        const res = await api.put(`/kv/${other}`).send({ value: String(i) });
        if (res.status !== 200) otherFailures.push(res.status);
        victimStatuses.push((await api.put(`/kv/${victim}`).send({ value: String(i) })).status);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await waitFor(() => victimStatuses.length > 5);
    const killedAt = Date.now();
    await redis.get('shard-1-master')?.kill();
    // Nothing promotes before Sentinel does: the router's own detector is off.
    const isPromoted = await waitFor(
      () => engine.state.shard('shard-1').master === 'shard-1-replica',
      1_000 + 5_000 + 3_000,
    );
    const promotedAfterMs = Date.now() - killedAt;
    const isWritable = await waitFor(() => victimStatuses.at(-1) === 200 && victimStatuses.at(-2) === 200);
    isRunning = false;
    await loop;
    expect(isPromoted, `promotion seen after ${promotedAfterMs} ms`).toBe(true);
    expect(promotedAfterMs).toBeGreaterThanOrEqual(1_000);
    expect(isWritable).toBe(true);
    expect(otherFailures).toEqual([]);
    expect(victimStatuses.filter((s) => s !== 200 && s !== 503 && s !== 504)).toEqual([]);
    for (const key of durable) expect(await readStrong(api, key)).toEqual({ status: 200, value: 'kept' });
    const failover = (await api.get('/shards')).body.failovers[0];
    expect(failover).toMatchObject({ shard: 'shard-1', from: 'shard-1-master', to: 'shard-1-replica' });
    expect(failover.reason).toMatch(/Sentinel/);
    // /shards shows Sentinel's own view: every sentinel names the promoted node for shard-1, at a new epoch.
    const authority = (await api.get('/shards')).body.authority as {
      decidedBy: string;
      sentinels: { masters: { name: string; master: string; configEpoch: string }[] | null }[];
    };
    expect(authority.decidedBy).toBe('sentinel');
    expect(authority.sentinels).toHaveLength(3);
    expect(
      await waitFor(async () => {
        const views = ((await api.get('/shards')).body.authority as typeof authority).sentinels;
        return views.every(
          (v) => v.masters?.find((m) => m.name === 'shard-1-master')?.master === 'shard-1-replica',
        );
      }),
    ).toBe(true);
    expect((await api.get('/stats')).body.engine).toBe('sentinel');
    const check = (await api.get('/check')).body;
    expect(check.valid, check.summary).toBe(true);
  }, 60_000);

  it(
    'the old master, restarted, is made a replica by Sentinel, not by the router (no rejoin recorded)',
    async () => {
      const old = redis.get('shard-1-master') as RedisHandle;
      await old.restart();
      const key = keyOn('shard-1', 'after');
      await api.put(`/kv/${key}`).send({ value: 'fresh' });
      // Sentinel asks each instance INFO every 10 s and converts an old master only after seeing it report
      // itself master for a while: one or two INFO periods after the restart (11 s in five CI runs, over 20 s in one).
      const isReplica = await waitFor(async () => {
        await engine.monitor.sample();
        const report = engine.state.replication.get('shard-1-master')?.report;
        return report?.isReachable === true && report.role === 'replica';
      }, sentinelConversionMs);
      expect(isReplica).toBe(true);
      expect(engine.state.rejoins).toEqual([]);
    },
    sentinelConversionMs + 10_000,
  );

  it(
    'a paused (SIGSTOP) master is failed over by Sentinel like a dead one; resumed, Sentinel makes it a replica',
    async () => {
      const key = keyOn('shard-2', 'frozen');
      expect(
        (await api.put(`/kv/${key}?durability=replica`).send({ value: 'before' })).body.isReplicated,
      ).toBe(true);
      const master = redis.get('shard-2-master') as RedisHandle;
      master.pause();
      try {
        expect(await waitFor(() => engine.state.shard('shard-2').master === 'shard-2-replica', 10_000)).toBe(
          true,
        );
        expect(await readStrong(api, key)).toEqual({ status: 200, value: 'before' });
        expect((await api.put(`/kv/${key}`).send({ value: 'after' })).status).toBe(200);
      } finally {
        master.resume();
      }
      expect(
        await waitFor(async () => {
          await engine.monitor.sample();
          const report = engine.state.replication.get('shard-2-master')?.report;
          return report?.isReachable === true && report.role === 'replica';
        }, sentinelConversionMs),
      ).toBe(true);
    },
    sentinelConversionMs + 20_000,
  );
}, 90_000);
