import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAllRedis } from '@kvs-lab/shared/testing';
import { get, post, startLockCluster } from './support/distributed-lock-lab.ts';
import type { LockCluster } from './support/distributed-lock-lab.ts';

const clients = 10;
const acquisitionsPerClient = 100;
const total = clients * acquisitionsPerClient;

describe('mutual exclusion across two service instances', () => {
  let cluster: LockCluster;
  beforeAll(async () => {
    cluster = await startLockCluster();
  });
  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  it(`when 10 clients on lock-a and lock-b do ${total} read-modify-write cycles under the lock, then no update is lost and tokens are accepted in strictly increasing order`, async () => {
    const grantedTokens: number[] = [];
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: clients }, async (_, client) => {
        // Half the clients go through each instance: exclusion must hold across processes.
        const instance = cluster.instances[client % 2];
        if (!instance) throw new Error('instance');
        for (let i = 0; i < acquisitionsPerClient; i++) {
          const lease = await post(`${instance.url}/locks/counter`, {
            ttlMs: 10_000,
            waitMs: 20_000,
            owner: `client-${client}`,
          });
          if (lease.status !== 201) {
            failures.push(lease.body);
            continue;
          }
          const fencingToken = lease.body.fencingToken as number;
          grantedTokens.push(fencingToken);
          const current = await get(`${instance.url}/resources/counter?limit=1`);
          const value = Number(current.body.value ?? 0);
          const write = await post(`${instance.url}/resources/counter/writes`, {
            fencingToken,
            data: String(value + 1),
            writer: `client-${client}`,
          });
          if (write.status !== 200) failures.push(write.body);
          const release = await post(`${instance.url}/locks/counter/release`, { token: lease.body.token });
          if (release.status !== 204) failures.push(release.body);
        }
      }),
    );
    expect(failures).toEqual([]);
    const resource = await get(`${cluster.instances[0]?.url}/resources/counter?limit=1000`);
    // No lost update: every increment made it.
    expect(resource.body.value).toBe(String(total));
    expect(resource.body.acceptedCount).toBe(total);
    expect(resource.body.rejectedCount).toBe(0);
    // Tokens in grant order (the order clients got them) and as accepted (newest first in the log) both increase.
    for (let i = 1; i < grantedTokens.length; i++)
      expect(grantedTokens[i]).toBeGreaterThan(grantedTokens[i - 1] ?? 0);
    const accepted = (resource.body.accepted as { fencingToken: number }[])
      .map((w) => w.fencingToken)
      .reverse();
    for (let i = 1; i < accepted.length; i++) expect(accepted[i]).toBeGreaterThan(accepted[i - 1] ?? 0);
    for (const instance of cluster.instances) {
      const check = await get(`${instance.url}/check`);
      expect(check.body.valid, String(check.body.summary)).toBe(true);
    }
  }, 90_000);
});
