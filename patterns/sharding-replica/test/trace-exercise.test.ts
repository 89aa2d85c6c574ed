import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitFor } from './support/sharding-replica-lab.ts';
import type { TestCluster } from './support/sharding-replica-lab.ts';

interface TraceMessage {
  type: 'message';
  seq: number;
  from: string;
  to: string;
  kind: string;
  detail: Record<string, unknown>;
}

// README exercise 11, step by step: kill a master, then find in GET /trace the probes that failed,
// the promotion, the first write routed to the new master, and the old master demoted on its return.
describe('README exercise 11: find the failover in the trace', () => {
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

  const messages = async (): Promise<TraceMessage[]> => {
    const trace = (await api.get('/trace?limit=10000')).body as { format: string; events: TraceMessage[] };
    expect(trace.format).toBe('kvs-lab-trace/1');
    return trace.events.filter((e) => e.type === 'message');
  };

  it('the trace shows the missed probes, then REPLICAOF NO ONE to the replica, then the writes going to it, and the old master demoted on return', async () => {
    const first = await api.put('/kv/paid-0?durability=replica').send({ value: 'before' });
    expect(first.status).toBe(200);
    const victim = (await api.get('/locate/paid-0')).body.master as string;
    expect(victim).toBe('shard-1-master');

    await cluster.handle(victim).kill();
    let isWritten = false;
    for (let i = 0; i < 40 && !isWritten; i++) {
      isWritten = (await api.put('/kv/paid-0').send({ value: 'after' })).status === 200;
      if (!isWritten) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(isWritten).toBe(true);

    const events = await messages();
    // The write before the kill: routed to the master, and WAIT says the replica acknowledged it.
    const before = events.find((e) => e.kind === 'put' && e.to === victim);
    expect(before?.detail).toMatchObject({ key: 'paid-0', shard: 'shard-1', durability: 'replica' });
    expect(events.find((e) => e.kind === 'wait-acks' && e.from === victim)?.detail).toMatchObject({
      replicasAcked: 1,
    });

    const probes = events.filter((e) => e.kind === 'probe-failed' && e.to === victim);
    expect(probes.map((p) => p.detail.missedPings)).toEqual([1, 2, 3]);
    const promotions = events.filter((e) => e.kind === 'promote');
    expect(promotions).toHaveLength(1);
    const promote = promotions[0] as TraceMessage;
    expect(promote).toMatchObject({ from: 'router', to: 'shard-1-replica' });
    expect(promote.detail).toMatchObject({ command: 'REPLICAOF NO ONE', shard: 'shard-1', replaces: victim });
    expect(promote.seq).toBeGreaterThan((probes.at(-1) as TraceMessage).seq);

    const firstToNewMaster = events.find(
      (e) => e.kind === 'put' && e.to === promote.to && e.seq > promote.seq,
    );
    expect(firstToNewMaster?.detail).toMatchObject({ key: 'paid-0', shard: 'shard-1' });
    // No write was routed to the new master before its promotion.
    expect(events.some((e) => e.kind === 'put' && e.to === promote.to && e.seq < promote.seq)).toBe(false);

    await cluster.handle(victim).restart();
    expect(
      await waitFor(async () => (await messages()).some((e) => e.kind === 'demote' && e.to === victim)),
    ).toBe(true);
    const demote = (await messages()).find((e) => e.kind === 'demote' && e.to === victim) as TraceMessage;
    const newMaster = cluster.handle(promote.to);
    expect(demote.detail.command).toBe(`REPLICAOF ${newMaster.host} ${newMaster.port}`);
    expect(
      await waitFor(async () => {
        const role = await sendRedisCommand(cluster.handle(victim).port, ['ROLE']);
        return Array.isArray(role) && role[0] === 'slave';
      }),
    ).toBe(true);
  }, 90_000);
});
