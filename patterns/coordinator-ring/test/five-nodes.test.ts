import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { topologyOfSize } from '../src/topology.ts';
import { startInProcessRing } from './support/in-process-ring.ts';

// The ring size comes from PEERS alone: the same code runs five nodes (topologyOfSize(5)).
const names = topologyOfSize(5).services.map((s) => s.name);
let apps: RingApp[] = [];
const closed = new Set<RingApp>();

beforeAll(async () => {
  ({ apps } = await startInProcessRing(names));
}, 60_000);

afterAll(async () => {
  await Promise.all(apps.filter((a) => !closed.has(a)).map((app) => app.service.close()));
  await stopAllRedis();
});

async function waitForLeader(exclude: readonly RingApp[] = []): Promise<RingApp> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const live = apps.filter((a) => !closed.has(a));
    const leader = live.find((a) => a.node.isLeader && !exclude.includes(a));
    if (leader && live.filter((a) => a.node.currentLeader === leader.node.id).length >= 3) return leader;
    if (Date.now() > deadline) throw new Error('no leader agreed by a majority of 5 within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('coordinator-ring with five nodes', () => {
  it('when the ring has 5 members, then a majority is 3: writes survive two stopped nodes, and the ring order lists all 5', async () => {
    const leader = await waitForLeader();
    const ring = await request(leader.service.server).get('/ring');
    expect(ring.body.members).toHaveLength(5);

    const followers = apps.filter((a) => a !== leader);
    // Stop two nodes (the leader among them): three remain, still a majority of five.
    const stopped = [leader, followers[0]].filter((a): a is RingApp => a !== undefined);
    for (const app of stopped) {
      closed.add(app);
      await app.service.close();
    }
    const next = await waitForLeader(stopped);
    const survivor = apps.find((a) => !closed.has(a) && a !== next) ?? next;
    const write = await request(survivor.service.server).put('/kv/five').send({ value: 'still-here' });
    expect(write.status).toBe(200);
    expect(write.body.term).toBeGreaterThan(0);
    expect(next.node.id).not.toBe(leader.node.id);
  }, 60_000);

  it('when three of five nodes are stopped, then the two left are a minority and refuse every write with 503 NO_QUORUM', async () => {
    const live = apps.filter((a) => !closed.has(a));
    const third = live[0];
    if (!third) throw new Error('no node left to stop');
    closed.add(third);
    await third.service.close();
    const minority = apps.filter((a) => !closed.has(a));
    expect(minority).toHaveLength(2);
    const [first] = minority;
    if (!first) throw new Error('no node left');
    // A write in flight when the third node went may end 504; from then on the refusal is 503, nothing written.
    const deadline = Date.now() + 20_000;
    let refusal: request.Response | undefined;
    while (Date.now() < deadline) {
      const res = await request(first.service.server).put('/kv/minority').send({ value: 'v' });
      expect(res.status).not.toBe(200);
      if (res.status === 503) {
        refusal = res;
        break;
      }
    }
    expect(refusal?.body).toMatchObject({ code: 'NO_QUORUM', outcome: 'not_applied' });
    for (const app of minority) {
      const res = await request(app.service.server).put(`/kv/minority-${app.node.id}`).send({ value: 'v' });
      expect(res.status).toBe(503);
      expect((await request(app.service.server).get(`/kv/minority-${app.node.id}?stale=true`)).status).toBe(
        404,
      );
      expect(app.node.isLeader).toBe(false);
    }
  }, 60_000);
});
