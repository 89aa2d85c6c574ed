import { describe, expect, it } from 'vitest';
import { adoptRoles, demotedMasterAction, failoverAction, rejoinAction } from './failover-rule.ts';
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
