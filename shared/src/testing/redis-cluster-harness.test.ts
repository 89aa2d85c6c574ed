import { afterAll, describe, expect, it } from 'vitest';
import { clusterSlotCount, infoFields, slotRanges } from '../process/redis-cluster-form.ts';
import { sendRedisCommand } from '../process/resp-client.ts';
import { stopAllRedis } from './redis-harness.ts';
import { startRedisClusterMode } from './redis-cluster-harness.ts';

afterAll(stopAllRedis);

describe('slotRanges', () => {
  it('splits the 16384 slots into contiguous ranges with no gap or overlap', () => {
    const ranges = slotRanges(3);
    expect(ranges).toEqual([
      { first: 0, last: 5460 },
      { first: 5461, last: 10921 },
      { first: 10922, last: 16383 },
    ]);
    expect(ranges.reduce((sum, r) => sum + r.last - r.first + 1, 0)).toBe(clusterSlotCount);
  });
});

describe('startRedisClusterMode', () => {
  it('when started, then every slot is served, replicas follow their masters, and a spare holds no slot', async () => {
    const cluster = await startRedisClusterMode({ masters: 3, replicasPerMaster: 1, spareMasters: 1 });
    expect(cluster.masters).toHaveLength(3);
    expect(cluster.replicas).toHaveLength(4);
    expect(cluster.spares).toHaveLength(1);
    expect(cluster.startupNodes).toHaveLength(8);
    for (const node of cluster.nodes) {
      const info = infoFields(await sendRedisCommand(node.port, ['CLUSTER', 'INFO']));
      expect(info.get('cluster_state'), node.name).toBe('ok');
      expect(info.get('cluster_slots_assigned')).toBe(String(clusterSlotCount));
      expect(info.get('cluster_known_nodes')).toBe('8');
    }
    const [spare] = cluster.spares;
    if (!spare) throw new Error('no spare');
    const spareLine = String(await sendRedisCommand(spare.port, ['CLUSTER', 'NODES']))
      .split('\n')
      .find((line) => line.includes('myself'));
    // A master line ends with its slot ranges; a spare's has none after the link state.
    expect(spareLine?.trim().split(' ')).toHaveLength(8);
    for (const replica of cluster.replicas) {
      const master = cluster.nodes.find((n) => n.name === replica.masterName);
      const info = infoFields(await sendRedisCommand(replica.port, ['INFO', 'replication']));
      expect(info.get('master_port'), replica.name).toBe(String(master?.port));
    }
    // A key lands where CLUSTER KEYSLOT says; the owner takes the write, another master redirects.
    const slot = Number(await sendRedisCommand(cluster.nodes[0]?.port ?? 0, ['CLUSTER', 'KEYSLOT', 'k']));
    const owner = cluster.masters[slotRanges(3).findIndex((r) => slot >= r.first && slot <= r.last)];
    expect(await sendRedisCommand(owner?.port ?? 0, ['SET', 'k', 'v'])).toBe('OK');
    const other = cluster.masters.find((m) => m !== owner);
    await expect(sendRedisCommand(other?.port ?? 0, ['GET', 'k'])).rejects.toThrow(/MOVED/);
    await cluster.stop();
  });

  it('when a master is killed, then its replica is promoted and the state returns to ok', async () => {
    const cluster = await startRedisClusterMode({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 500 });
    const [master] = cluster.masters;
    const replica = cluster.replicas.find((r) => r.masterName === master?.name);
    if (!master || !replica) throw new Error('no master/replica pair');
    await master.kill();
    await expect
      .poll(
        async () => String(await sendRedisCommand(replica.port, ['ROLE']).then((r) => (r as string[])[0])),
        {
          timeout: 15_000,
          interval: 100,
        },
      )
      .toBe('master');
    await cluster.waitForState('ok');
    await cluster.stop();
  });
});
