import { describe, expect, it } from 'vitest';
import type { ShardStatus } from '../realtime/events.ts';
import { applyFailover, nodeHealth, promotedNodes } from './shard-pairs.js';

const node = (name: string, role: 'master' | 'replica', missedPings = 0, isAlive = true) => ({
  name,
  role,
  isAlive,
  missedPings,
  offset: 100,
  linkStatus: 'up',
});

const shard = (id: string): ShardStatus => ({
  id,
  state: 'active',
  master: node(`${id}-master`, 'master'),
  replica: node(`${id}-replica`, 'replica'),
  keys: 3,
  opsPerSecond: 0,
  lagBytes: 0,
  isReplicationPaused: false,
});

const failover = {
  shard: 'shard-1',
  from: 'shard-1-master',
  to: 'shard-1-replica',
  reason: 'missed 3 pings',
  downSince: 1_000,
  promotedAt: 1_700,
  failoverMs: 700,
};

describe('the master/replica pairs', () => {
  it('calls a node suspect while it misses pings and dead once the detector says so', () => {
    expect(nodeHealth(node('a', 'master'))).toBe('up');
    expect(nodeHealth(node('a', 'master', 2))).toBe('suspect');
    expect(nodeHealth(node('a', 'master', 3, false))).toBe('dead');
    expect(nodeHealth(undefined)).toBe('none');
  });

  it('when a failover arrives, then the promoted replica is drawn as master and the old master as a dead replica', () => {
    const [after, other] = applyFailover([shard('shard-1'), shard('shard-2')], failover);
    expect(after?.master).toMatchObject({ name: 'shard-1-replica', role: 'master', isAlive: true });
    expect(after?.replica).toMatchObject({ name: 'shard-1-master', role: 'replica', isAlive: false });
    expect(other).toEqual(shard('shard-2'));
  });

  it('applies a failover the status already shows only once', () => {
    const once = applyFailover([shard('shard-1')], failover);
    expect(applyFailover(once, failover)).toEqual(once);
  });

  it('marks a node promoted only while it is still its shard master', () => {
    const now = applyFailover([shard('shard-1')], failover);
    expect([...promotedNodes(now, [failover]).keys()]).toEqual(['shard-1-replica']);
    expect(promotedNodes([shard('shard-1')], [failover]).size).toBe(0);
  });
});
