import { describe, expect, it } from 'vitest';
import {
  adoptRoles,
  demotedMasterAction,
  failoverAction,
  isServingReplica,
  rejoinAction,
} from './failover-rule.ts';
import { initialHealth, observePing } from './failure-detector.ts';
import type { Shard } from './shard-map.ts';

const shard: Shard = { id: 'shard-1', master: 'shard-1-master', replica: 'shard-1-replica', isActive: true };

describe('failure detector', () => {
  it('when fewer pings than the limit are missed, then the node is still alive', () => {
    let health = initialHealth;
    health = observePing(health, false, 100, 3);
    health = observePing(health, false, 200, 3);
    expect(health).toEqual({ missedPings: 2, isAlive: true, downSince: 100 });
  });

  it('when the limit of consecutive pings is missed, then the node is dead until it answers again', () => {
    let health = initialHealth;
    for (const t of [100, 200, 300]) health = observePing(health, false, t, 3);
    expect(health.isAlive).toBe(false);
    expect(observePing(health, true, 400, 3)).toEqual(initialHealth);
  });
});

describe('failover rule', () => {
  const dead = { missedPings: 3, isAlive: false, downSince: 0 };
  it('when the master is dead and the replica alive, then the replica is promoted', () => {
    expect(failoverAction(shard, dead, initialHealth)).toMatchObject({
      kind: 'promote',
      node: 'shard-1-replica',
    });
  });

  it('when the replica is dead too, then nothing is promoted', () => {
    expect(failoverAction(shard, dead, dead)).toEqual({ kind: 'none' });
  });

  it('when the master is alive, then nothing happens', () => {
    expect(failoverAction(shard, initialHealth, initialHealth)).toEqual({ kind: 'none' });
  });

  it('when the old master is back as a master, then it is told to follow the new one', () => {
    const promoted = { ...shard, master: 'shard-1-replica', replica: 'shard-1-master' };
    expect(rejoinAction(promoted, { isReachable: true, role: 'master' }, '127.0.0.1:2')).toMatchObject({
      kind: 'rejoin',
      node: 'shard-1-master',
      master: 'shard-1-replica',
    });
    expect(
      rejoinAction(promoted, { isReachable: true, role: 'replica', following: '127.0.0.1:2' }, '127.0.0.1:2'),
    ).toEqual({ kind: 'none' });
    expect(rejoinAction(promoted, { isReachable: false }, '127.0.0.1:2')).toEqual({ kind: 'none' });
  });

  it('at start-up, when Redis reports the roles swapped, then the router adopts them', () => {
    const adopted = adoptRoles(
      shard,
      { isReachable: true, role: 'replica', following: 'x:1' },
      { isReachable: true, role: 'master' },
    );
    expect(adopted).toMatchObject({ master: 'shard-1-replica', replica: 'shard-1-master' });
    expect(
      adoptRoles(shard, { isReachable: true, role: 'master' }, { isReachable: true, role: 'master' }),
    ).toBe(shard);
  });

  it('when both nodes say master, then the one with the higher failover epoch is the master, so an old master back from a snapshot never is', () => {
    const both = [
      { isReachable: true, role: 'master' },
      { isReachable: true, role: 'master' },
    ] as const;
    expect(adoptRoles(shard, ...both, { master: 1, replica: 2 })).toMatchObject({
      master: 'shard-1-replica',
      replica: 'shard-1-master',
    });
    expect(adoptRoles(shard, ...both, { master: 2, replica: 1 })).toBe(shard);
    expect(adoptRoles(shard, ...both, { master: 0, replica: 0 })).toBe(shard);
  });
});

describe('who serves eventual reads', () => {
  it('when a node reports itself a replica of the current master, then it serves; a node that says master never does', () => {
    const replicaOf = (following: string) => ({ isReachable: true, role: 'replica', following }) as const;
    expect(isServingReplica(replicaOf('127.0.0.1:7511'), '127.0.0.1:7511', false)).toBe(true);
    expect(isServingReplica({ isReachable: true, role: 'master' }, '127.0.0.1:7511', false)).toBe(false);
    expect(isServingReplica({ isReachable: true, role: 'master' }, '127.0.0.1:7511', true)).toBe(false);
    expect(isServingReplica(replicaOf('127.0.0.1:7599'), '127.0.0.1:7511', false)).toBe(false);
    // The replication-pause fault points it at a dead address on purpose: it still serves (stale) reads.
    expect(isServingReplica(replicaOf('127.0.0.1:1'), '127.0.0.1:7511', true)).toBe(true);
  });
});

describe('demoted master rule', () => {
  it('when the master reports itself a replica and the replica is alive, then the replica is promoted', () => {
    expect(
      demotedMasterAction(shard, { isReachable: true, role: 'replica', following: 'x:1' }, initialHealth),
    ).toMatchObject({ kind: 'promote', node: 'shard-1-replica' });
    expect(demotedMasterAction(shard, { isReachable: true, role: 'master' }, initialHealth)).toEqual({
      kind: 'none',
    });
    expect(demotedMasterAction(shard, { isReachable: false }, initialHealth)).toEqual({ kind: 'none' });
  });
});
