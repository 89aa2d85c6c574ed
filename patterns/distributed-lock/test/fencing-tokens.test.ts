import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { post, startLockCluster, waitFor, waitForNodesUp } from './support/distributed-lock-lab.ts';
import type { LockCluster } from './support/distributed-lock-lab.ts';

describe('fencing tokens under node faults', () => {
  let cluster: LockCluster;
  beforeAll(async () => {
    // Append-only nodes, as in the topology: a restarted node keeps what it had.
    cluster = await startLockCluster({ appendOnly: true, commandTimeoutMs: 400 });
  });
  afterAll(async () => {
    await cluster?.close();
    await stopAllRedis();
  });

  /** Acquires and releases `count` times, alternating instances, and returns the tokens in grant order. */
  async function cycles(resource: string, count: number): Promise<number[]> {
    const tokens: number[] = [];
    for (let i = 0; i < count; i++) {
      const instance = cluster.instances[i % 2];
      if (!instance) throw new Error('instance');
      // The claim is about granted tokens. On a loaded machine a live node can miss the short command
      // timeout: the acquire is refused (503), or a release misses a node and its lease blocks until
      // the TTL (409). Neither grants anything, so such an acquire is simply tried again.
      const lease = await waitFor(
        `a lease on ${resource} (step ${i})`,
        async () => {
          const reply = await post(`${instance.url}/locks/${resource}`, { ttlMs: 5_000, owner: `step-${i}` });
          return reply.status === 409 || reply.status === 503 ? undefined : reply;
        },
        20_000,
      );
      expect(lease.status, JSON.stringify(lease.body)).toBe(201);
      tokens.push(lease.body.fencingToken as number);
      const release = await post(`${instance.url}/locks/${resource}/release`, { token: lease.body.token });
      expect(release.status).toBe(204);
    }
    return tokens;
  }

  it('when different pairs of nodes are killed and restarted between acquisitions on both instances, then every fencing token is higher than the one before', async () => {
    const tokens: number[] = [];
    tokens.push(...(await cycles('ledger', 5)));
    // Two nodes down: the other three carry the counter on.
    await Promise.all([cluster.redis('lock-1').kill(), cluster.redis('lock-2').kill()]);
    tokens.push(...(await cycles('ledger', 5)));
    // They come back stale (they missed those tokens); a different pair goes down.
    await Promise.all([cluster.redis('lock-1').restart(), cluster.redis('lock-2').restart()]);
    await waitForNodesUp(cluster, ['lock-1', 'lock-2']);
    await Promise.all([cluster.redis('lock-4').kill(), cluster.redis('lock-5').kill()]);
    // The three up now are lock-1 and lock-2 (stale) and lock-3: a read majority still meets the last write majority.
    tokens.push(...(await cycles('ledger', 5)));
    await Promise.all([cluster.redis('lock-4').restart(), cluster.redis('lock-5').restart()]);
    await waitForNodesUp(cluster, ['lock-4', 'lock-5']);
    await Promise.all([cluster.redis('lock-3').kill(), cluster.redis('lock-1').kill()]);
    tokens.push(...(await cycles('ledger', 5)));
    await Promise.all([cluster.redis('lock-3').restart(), cluster.redis('lock-1').restart()]);
    await waitForNodesUp(cluster, ['lock-3', 'lock-1']);
    tokens.push(...(await cycles('ledger', 5)));

    expect(tokens).toHaveLength(25);
    for (let i = 1; i < tokens.length; i++)
      expect(tokens[i], `token ${i}`).toBeGreaterThan(tokens[i - 1] ?? 0);
  });

  it('when two nodes are paused (SIGSTOP) mid-run, then tokens keep increasing and the paused nodes catch up after resuming', async () => {
    const before = await cycles('paused', 3);
    cluster.redis('lock-2').pause();
    cluster.redis('lock-3').pause();
    try {
      const during = await cycles('paused', 2);
      expect(Math.min(...during)).toBeGreaterThan(Math.max(...before));
    } finally {
      cluster.redis('lock-2').resume();
      cluster.redis('lock-3').resume();
    }
    const after = await cycles('paused', 3);
    const all = [...before, ...after];
    expect(after[0]).toBeGreaterThan(Math.max(...all.slice(0, 3)));
  });

  it('when two nodes are paused, then an acquire answered by the other three leaves no lease behind once the paused ones cast their late votes', async () => {
    const [a, b] = cluster.instances;
    if (!a || !b) throw new Error('instances');
    const before = await cycles('late-votes', 1);
    cluster.redis('lock-4').pause();
    cluster.redis('lock-5').pause();
    let lease: Awaited<ReturnType<typeof post>>;
    try {
      // Answered on three votes with the token raised: lock-4 and lock-5 still have the vote queued.
      lease = await post(`${a.url}/locks/late-votes`, { ttlMs: 20_000, owner: 'early' });
      expect(lease.status, JSON.stringify(lease.body)).toBe(201);
      expect(lease.body.fencingToken).toBeGreaterThan(before[0] ?? 0);
      expect((await post(`${a.url}/locks/late-votes/release`, { token: lease.body.token })).status).toBe(204);
    } finally {
      cluster.redis('lock-4').resume();
      cluster.redis('lock-5').resume();
    }
    // Each paused node now runs the late vote (a grant) and then the release sent after it.
    for (const node of ['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5']) {
      const leftovers = await sendRedisCommand(cluster.redis(node).port, [
        'KEYS',
        'lab:distributed-lock:lock:late-votes',
      ]);
      expect(leftovers, node).toEqual([]);
    }
    const next = await post(`${b.url}/locks/late-votes`, { ttlMs: 5_000, owner: 'next' });
    expect(next.status, JSON.stringify(next.body)).toBe(201);
    expect(next.body.nodes).toEqual(['lock-1', 'lock-2', 'lock-3', 'lock-4', 'lock-5']);
    expect(next.body.fencingToken).toBeGreaterThan(lease.body.fencingToken as number);
    await post(`${b.url}/locks/late-votes/release`, { token: next.body.token });
  });
});
