import { stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topologyOfSize } from '../src/topology.ts';
import { startLab, valuesIn } from './support/quorum-consistency-lab.ts';
import type { Lab } from './support/quorum-consistency-lab.ts';

let lab: Lab;

beforeAll(async () => {
  // Clocks pruned to one entry, so the pruning trade-off shows: bounded clocks, false siblings, nothing lost.
  lab = await startLab({ size: 5, settings: { w: 3, r: 3 }, app: { maxClockEntries: 1 } });
});

afterAll(async () => {
  await lab?.close();
  await stopAllRedis();
});

describe('five replicas (N=5, W=3, R=3)', () => {
  it('N comes from the replicas the coordinator was given, and the topology can describe five', async () => {
    const config = await request(lab.a.server).get('/config');
    expect(config.body).toMatchObject({ n: 5, w: 3, r: 3, quorumsOverlap: true });
    const topology = topologyOfSize(5);
    expect(topology.redis.map((r) => `${r.name}:${r.port}`)).toEqual([
      'replica-1:7411',
      'replica-2:7412',
      'replica-3:7413',
      'replica-4:7414',
      'replica-5:7415',
    ]);
    expect(topology.services.map((s) => s.redis.length)).toEqual([5, 5]);
  });

  it('when any two replicas are killed, then every acknowledged write is read back from the other coordinator', async () => {
    await lab.replica('replica-1').kill();
    await lab.replica('replica-4').kill();
    const written: string[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await request((i % 2 === 0 ? lab.a : lab.b).server)
        .put(`/kv/five-${i}`)
        .send({ value: `v${i}` });
      expect(response.status).toBe(200);
      expect(response.body.acks).toBe(3);
      written.push(`v${i}`);
    }
    for (let i = 0; i < 8; i++) {
      const read = await request((i % 2 === 0 ? lab.b : lab.a).server).get(`/kv/five-${i}`);
      expect(read.status).toBe(200);
      expect(valuesIn(read.body)).toEqual([written[i]]);
    }
  });

  it('clocks stay within MAX_CLOCK_ENTRIES; pruning can only turn a successor into a false sibling, never drop a write', async () => {
    await request(lab.a.server).put('/kv/pruned').send({ value: 'first' });
    const read = await request(lab.b.server).get('/kv/pruned');
    const second = await request(lab.b.server)
      .put('/kv/pruned')
      .send({ value: 'second', context: read.body.context });
    expect(Object.keys(second.body.clock)).toEqual(['quorum-b']);
    // {quorum-b:1} no longer shows it has seen {quorum-a:1}: both are kept, the client merges again.
    const after = await request(lab.a.server).get('/kv/pruned');
    expect(valuesIn(after.body).sort()).toEqual(['first', 'second']);
    for (const value of after.body.values as { clock: object }[])
      expect(Object.keys(value.clock)).toHaveLength(1);
  });

  it('when a third replica is killed, then W=3 cannot be met and the write is 503 QUORUM_NOT_REACHED', async () => {
    await lab.replica('replica-5').kill();
    const response = await request(lab.a.server).put('/kv/five-lost').send({ value: 'x' });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      code: 'QUORUM_NOT_REACHED',
      acks: 2,
      needed: 3,
      outcome: 'indeterminate',
    });
  });
});
