import { afterAll, describe, expect, it } from 'vitest';
import { sendRedisCommand } from '../process/resp-client.ts';
import { startRedis, stopAllRedis } from './redis-harness.ts';
import { startSentinels } from './sentinel-harness.ts';

afterAll(stopAllRedis);

describe('startSentinels', () => {
  it('when started, then every sentinel reports the master, and a killed master is replaced by its replica', async () => {
    const master = await startRedis({ name: 'watched' });
    const replica = await startRedis({
      name: 'watched-replica',
      replicaOf: { host: master.host, port: master.port },
    });
    const group = await startSentinels({
      masters: [{ name: 'mymaster', host: master.host, port: master.port }],
    });
    expect(group.addresses).toHaveLength(3);
    for (const sentinel of group.sentinels) {
      expect(
        await sendRedisCommand(sentinel.port, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster']),
      ).toEqual(['127.0.0.1', String(master.port)]);
    }
    // Sentinel learns the replica from the master's INFO (every 10 s at first), then can promote it.
    await expect
      .poll(
        async () =>
          (await sendRedisCommand(group.sentinels[0]?.port ?? 0, [
            'SENTINEL',
            'REPLICAS',
            'mymaster',
          ])) as unknown[],
        { timeout: 15_000, interval: 200 },
      )
      .toHaveLength(1);
    await master.kill();
    await expect
      .poll(
        () =>
          sendRedisCommand(group.sentinels[0]?.port ?? 0, [
            'SENTINEL',
            'GET-MASTER-ADDR-BY-NAME',
            'mymaster',
          ]),
        { timeout: 20_000, interval: 200 },
      )
      .toEqual(['127.0.0.1', String(replica.port)]);
    await group.stop();
  });
});
