import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { keys } from '../src/engines/raft/keys.ts';
import { eventually } from './support/coordinator-ring-lab.ts';
import { startInProcessRing } from './support/in-process-ring.ts';
import type { InProcessRing } from './support/in-process-ring.ts';

// Small thresholds so that a few hundred writes compact the log several times.
const every = 40;
const keep = 10;
const names = ['ring-1', 'ring-2', 'ring-3'];
let ring: InProcessRing;
const closed = new Set<RingApp>();

beforeAll(async () => {
  ring = await startInProcessRing(names, { snapshotEveryEntries: every, snapshotKeepEntries: keep });
}, 60_000);

afterAll(async () => {
  await Promise.all(ring.apps.filter((a) => !closed.has(a)).map((app) => app.service.close()));
  await stopAllRedis();
});

const server = (app: RingApp) => app.service.server;
const live = () => ring.apps.filter((a) => !closed.has(a));

function leader(): Promise<RingApp> {
  return eventually(async () => {
    const found = live().find((a) => a.node.isLeader);
    const agreed = found && live().filter((a) => a.node.currentLeader === found.node.id).length >= 2;
    return Promise.resolve(agreed ? found : undefined);
  }, 'a leader followed by a majority');
}

/** Writes `count` keys with the prefix through the leader, 8 at a time; returns the acknowledged ones. */
async function writeKeys(
  prefix: string,
  count: number,
): Promise<Map<string, { value: string; index: number }>> {
  const acked = new Map<string, { value: string; index: number }>();
  for (let first = 0; first < count; first += 8) {
    const target = await leader();
    await Promise.all(
      Array.from({ length: Math.min(8, count - first) }, async (_, i) => {
        const key = `${prefix}-${first + i}`;
        const value = `v${first + i}`;
        const res = await request(server(target)).put(`/kv/${key}`).send({ value });
        if (res.status === 200) acked.set(key, { value, index: Number(res.body.index) });
      }),
    );
  }
  return acked;
}

function status(app: RingApp) {
  const s = app.node.status();
  return { ...s, snapshotIndex: s.snapshotIndex ?? 0 };
}

/** Every acknowledged write is what `app`'s own replica holds for its key (a stale read: no forwarding). */
async function expectServes(app: RingApp, acked: Map<string, { value: string }>): Promise<void> {
  for (const [key, { value }] of acked) {
    const res = await request(server(app)).get(`/kv/${key}?stale=true`);
    expect({ key, status: res.status, value: res.body.value }).toEqual({ key, status: 200, value });
  }
}

describe('coordinator-ring snapshots and log compaction', () => {
  it('when writes go on, then every node compacts and its log (in memory and in Redis) stays bounded', async () => {
    const acked = await writeKeys('load', 400);
    // A loaded machine may refuse a few writes in an election; the lesson needs many more than the log keeps.
    expect(acked.size).toBeGreaterThan(4 * (every + keep));
    const maxIndex = Math.max(...[...acked.values()].map((a) => a.index));
    await eventually(
      () => Promise.resolve(live().every((a) => status(a).lastApplied >= maxIndex) || undefined),
      'every node applied the load',
    );
    for (const [i, app] of ring.apps.entries()) {
      const handle = ring.redises[i];
      if (!handle) throw new Error('no redis');
      // Status and LLEN are read apart: a write that timed out may still commit and compact in between.
      const { s, length } = await eventually(async () => {
        const before = status(app);
        const llen = Number(await sendRedisCommand(handle.port, ['LLEN', keys.log(app.node.id)]));
        const after = status(app);
        const isSteady =
          before.lastLogIndex === after.lastLogIndex && before.snapshotIndex === after.snapshotIndex;
        return isSteady && after.lastApplied - after.snapshotIndex < every + keep
          ? { s: after, length: llen }
          : undefined;
      }, `${app.node.id} compacted up to its applied index`);
      expect(s.snapshotIndex).toBeGreaterThan(0);
      expect(app.node.counters().compactions ?? 0).toBeGreaterThan(1);
      // The tail is all the log holds: bounded by the policy, not by the 400 writes.
      expect(s.lastLogIndex - s.snapshotIndex).toBeLessThan(every + keep + 8);
      // Redis holds the same tail as memory.
      expect(length).toBe(s.lastLogIndex - s.snapshotIndex);
    }
    await expectServes(await leader(), acked);
  }, 120_000);

  it('when a follower is cut off while the leader compacts past it, then it gets InstallSnapshot on heal and converges with no acknowledged write lost', async () => {
    const first = await leader();
    const lagging = live().find((a) => a !== first);
    if (!lagging) throw new Error('no follower');
    const before = status(lagging).lastLogIndex;
    for (const peer of lagging.node.peers) {
      await request(server(lagging)).put(`/chaos/links/${peer.name}`).send({ mode: 'cut' }).expect(200);
    }
    let acked = new Map<string, { value: string; index: number }>();
    try {
      acked = await writeKeys('lag', 200);
      expect(acked.size).toBeGreaterThan(2 * (every + keep));
      // The majority's logs no longer hold the entry after the follower's last one.
      await eventually(async () => {
        const current = await leader();
        return status(current).snapshotIndex > before + 1 ? current : undefined;
      }, 'the leader compacted past the lagging follower');
      expect(status(lagging).lastLogIndex).toBe(before);
    } finally {
      await request(server(lagging)).delete('/chaos').expect(200);
    }
    const maxIndex = Math.max(...[...acked.values()].map((a) => a.index));
    await eventually(
      () =>
        Promise.resolve(
          (lagging.node.counters().snapshotsInstalled ?? 0) >= 1 && status(lagging).lastApplied >= maxIndex
            ? true
            : undefined,
        ),
      'the lagging follower installed a snapshot and caught up',
      30_000,
    );
    await expectServes(lagging, acked);
    const check = await request(server(await leader())).get('/check');
    expect(check.body).toMatchObject({ valid: true });
  }, 120_000);

  it('when every node restarts after compaction, then the ring serves every acknowledged write and a new write continues its key’s clock chain', async () => {
    const acked = await writeKeys('restart', 120);
    const maxIndex = Math.max(...[...acked.values()].map((a) => a.index));
    await eventually(
      () => Promise.resolve(live().every((a) => status(a).lastApplied >= maxIndex) || undefined),
      'every node applied the writes',
    );
    const [oldest] = acked.keys();
    if (!oldest) throw new Error('nothing acknowledged');
    const oldestIndex = acked.get(oldest)?.index ?? 0;
    // The oldest write is compacted everywhere: only the state machine still knows its version.
    await eventually(
      () => Promise.resolve(live().every((a) => status(a).snapshotIndex >= oldestIndex) || undefined),
      'every node compacted past the oldest write',
    );
    // Each node's position is read once it is closed: a node still running may compact again meanwhile.
    const snapshotBefore: number[] = [];
    for (const app of ring.apps) {
      await app.service.close();
      snapshotBefore.push(status(app).snapshotIndex);
    }
    for (let i = 0; i < ring.apps.length; i++) await ring.restart(i);
    ring.apps.forEach((app, i) => {
      expect(status(app).snapshotIndex).toBe(snapshotBefore[i]);
    });
    const current = await leader();
    for (const [key, { value }] of acked) {
      const res = await request(server(current)).get(`/kv/${key}`);
      expect({ key, status: res.status, value: res.body.value }).toEqual({ key, status: 200, value });
    }
    const next = await request(server(current)).put(`/kv/${oldest}`).send({ value: 'after-restart' });
    expect(next.status).toBe(200);
    expect(next.body.replaces).toMatchObject({ index: oldestIndex, relation: 'after' });
  }, 120_000);
});
