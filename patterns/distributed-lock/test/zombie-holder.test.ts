import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { startServiceProcess } from './support/child-process.ts';
import { get, lockNodeNames, post, startInstance } from './support/distributed-lock-lab.ts';
import type { LockInstance } from './support/distributed-lock-lab.ts';

const ttlMs = 1_000;
// B must acquire and write within pauseMs - ttlMs of the pause: 4 s of slack for a loaded CI machine.
const pauseMs = 5_000;

/**
 * Kleppmann's scenario: holder A reads, then its process stops (here lock-a, the
 * service instance carrying A's write, frozen by /chaos/pause) past its TTL;
 * B acquires, reads and writes; A's delayed write then arrives with its old token.
 */
describe('the zombie holder', () => {
  let lockA: Awaited<ReturnType<typeof startServiceProcess>>;
  let lockB: LockInstance;
  let store: RedisHandle;
  beforeAll(async () => {
    const [storeRedis, ...lockRedis] = await startRedisCluster(['fenced-store', ...lockNodeNames], {
      appendOnly: true,
    });
    if (!storeRedis) throw new Error('store');
    store = storeRedis;
    lockA = await startServiceProcess('lock-a', lockRedis, store);
    lockB = await startInstance('lock-b', lockRedis, store);
  }, 60_000);
  afterAll(async () => {
    await lockA?.kill();
    await lockB?.app.close();
    await stopAllRedis();
  });

  async function zombieRound(resource: string) {
    // A: acquire and read through lock-a.
    const leaseA = await post(`${lockA.url}/locks/${resource}`, { ttlMs, owner: 'zombie' });
    expect(leaseA.status).toBe(201);
    const readA = Number((await get(`${lockA.url}/resources/${resource}`)).body.value ?? 0);
    // lock-a stops the world; A's write is sent now and sits unread until it wakes.
    expect((await post(`${lockA.url}/chaos/pause`, { ms: pauseMs })).status).toBe(202);
    const lateWrite = post(`${lockA.url}/resources/${resource}/writes`, {
      fencingToken: leaseA.body.fencingToken,
      data: String(readA + 1),
      writer: 'zombie',
    });
    // B: waits for A's lease to expire, then reads and writes through lock-b.
    const leaseB = await post(`${lockB.url}/locks/${resource}`, {
      ttlMs: 10_000,
      waitMs: 5_000,
      owner: 'successor',
    });
    expect(leaseB.status).toBe(201);
    expect(leaseB.body.fencingToken).toBeGreaterThan(leaseA.body.fencingToken as number);
    const readB = Number((await get(`${lockB.url}/resources/${resource}`)).body.value ?? 0);
    const writeB = await post(`${lockB.url}/resources/${resource}/writes`, {
      fencingToken: leaseB.body.fencingToken,
      data: String(readB + 1),
      writer: 'successor',
    });
    expect(writeB.status).toBe(200);
    const zombie = await lateWrite;
    await post(`${lockB.url}/locks/${resource}/release`, { token: leaseB.body.token });
    return { zombie, final: (await get(`${lockB.url}/resources/${resource}`)).body };
  }

  it('when the paused holder resumes and writes with its old token, then the fencing check rejects it and no update is lost', async () => {
    const { zombie, final } = await zombieRound('ledger-fenced');
    expect(zombie.status).toBe(409);
    expect(zombie.body).toMatchObject({ code: 'STALE_FENCING_TOKEN', outcome: 'not_applied' });
    expect(final).toMatchObject({ value: '1', acceptedCount: 1, rejectedCount: 1 });
    expect((await get(`${lockA.url}/check`)).body.valid).toBe(true);
  });

  it('when the fencing check is off, then the zombie overwrites the newer write: two increments acknowledged, the value went up by one', async () => {
    expect((await post(`${lockA.url}/chaos/faults/fencing-check-off`, {})).status).toBe(200);
    try {
      const { zombie, final } = await zombieRound('ledger-unfenced');
      expect(zombie.status).toBe(200);
      expect(final).toMatchObject({ value: '1', acceptedCount: 2, rejectedCount: 0 });
      const check = await get(`${lockA.url}/check`);
      expect(check.body.valid).toBe(false);
      expect(check.body.summary).toMatch(/ledger-unfenced" accepted token \d+ after token \d+/);
    } finally {
      await fetch(`${lockA.url}/chaos/faults/fencing-check-off`, { method: 'DELETE' });
    }
  });
});
