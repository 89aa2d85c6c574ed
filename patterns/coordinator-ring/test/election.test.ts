import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, stopAllRedis } from '@kvs-lab/shared/testing';
import { call, eventually, startRingCluster } from './support/ring-cluster.ts';
import type { RingCluster } from './support/ring-cluster.ts';

let cluster: RingCluster;

beforeAll(async () => {
  cluster = await startRingCluster(3);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAllRedis();
});

describe('coordinator-ring elections with real node processes', () => {
  it('when the ring starts, then one leader is elected and the others follow it', async () => {
    const leader = await cluster.waitForLeader();
    const statuses = await cluster.statuses();
    const followers = statuses.filter((s) => s?.id !== leader.id);
    expect(followers.every((s) => s?.role === 'follower' && s.leaderId === leader.id)).toBe(true);
  });

  it('when the leader process is killed, then the others elect a new leader in a higher term', async () => {
    const old = await cluster.waitForLeader();
    await cluster.node(old.id).kill();
    const next = await cluster.waitForLeader({ excluding: old.id, minTerm: old.term + 1 });
    expect(next.id).not.toBe(old.id);
    expect(next.term).toBeGreaterThan(old.term);
    await cluster.node(old.id).start();
    // The restarted node rejoins as a follower of the new leader.
    await eventually(async () => {
      const s = await cluster.node(old.id).status();
      return s?.leaderId === next.id || (s && s.term > next.term) ? s : undefined;
    }, 'the restarted node following the ring');
  }, 60_000);

  it('when the leader is paused (SIGSTOP) and resumed, then it steps down on the higher term and never acknowledges a write in its stale term', async () => {
    const old = await cluster.waitForLeader();
    const stale = cluster.node(old.id);
    stale.pause();
    try {
      const next = await cluster.waitForLeader({ excluding: old.id, minTerm: old.term + 1 });
      // A write sent to the frozen leader waits in its socket until it wakes up.
      const pending = call(`${stale.url}/kv/paused-write`, 'PUT', { value: 'from-the-past' }, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      stale.resume();
      const reply = await pending;
      // Either refused (503/504) or served through the new leader in a newer term: never acked in the old term.
      if (reply?.status === 200) expect(reply.body.term).toBeGreaterThan(old.term);
      else expect([503, 504, undefined]).toContain(reply?.status);
      const resumed = await eventually(async () => {
        const s = await stale.status();
        return s && s.role === 'follower' && s.term >= next.term ? s : undefined;
      }, 'the resumed leader to step down');
      expect(resumed.role).toBe('follower');
    } finally {
      stale.resume();
    }
  }, 60_000);

  it('when a node restarts while nobody can reach it, then it still has the term and vote it had promised', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.nodes.find((n) => n.name !== leader.id);
    if (!follower) throw new Error('no follower');
    const others = cluster.nodes.filter((n) => n !== follower);
    await follower.kill();
    const stored = (await sendRedisCommand(follower.redis.port, [
      'HGETALL',
      `lab:coordinator-ring:election:${follower.name}`,
    ])) as string[];
    const storedTerm = Number(stored[stored.indexOf('currentTerm') + 1]);
    expect(storedTerm).toBeGreaterThanOrEqual(leader.term);
    // Freeze everyone else so the restarted node cannot relearn the term from a heartbeat.
    for (const other of others) other.pause();
    try {
      await follower.start();
      const after = await eventually(() => follower.status(), 'restarted node status');
      expect(after.term).toBeGreaterThanOrEqual(storedTerm);
    } finally {
      for (const other of others) other.resume();
    }
    await cluster.waitForLeader();
  }, 60_000);

  it('across every kill and pause above, no term ever had two leaders', () => {
    const claims = cluster.leadersByTerm();
    expect(claims.size).toBeGreaterThan(1);
    for (const [term, leaders] of claims)
      expect({ term, leaders: [...leaders] }).toEqual({ term, leaders: [...leaders].slice(0, 1) });
  });
});
