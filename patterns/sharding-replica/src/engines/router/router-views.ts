import { ownershipShare } from '@kvs-lab/shared/hashing';
import type { HashRing } from '@kvs-lab/shared/hashing';

import { replicationLag } from '../../domain/replication-lag.ts';
import type { Shard } from '../../domain/shard-map.ts';
import type { NodeStatus, ShardStatus } from '../../realtime/events.ts';
import type { ReadLag } from '../../shard-store.ts';
import type { ClusterState } from './cluster-state.ts';

/**
 * What the router engine shows of its state: the ring with each shard's share and virtual nodes, each
 * shard's roles, health and lag as the monitor last sampled them. Read-only over `ClusterState`.
 */

export function ringView(ring: HashRing) {
  const shares = ownershipShare(ring);
  return {
    virtualNodes: ring.virtualNodes,
    shards: ring.nodes.map((id) => ({
      id,
      share: shares[id] ?? 0,
      virtualNodes: ring.points
        .filter((p) => p.node === id)
        .map((p) => ({ index: p.index, position: p.position })),
    })),
  };
}

function lagOf(state: ClusterState, shard: Shard) {
  const master = state.replication.get(shard.master);
  const replica = shard.replica === undefined ? undefined : state.replication.get(shard.replica);
  return replicationLag(master?.offset, replica?.offset);
}

/** The lag as the monitor last sampled it, for a read the master served. */
export function sampledLag(state: ClusterState, shard: Shard): ReadLag {
  const lag = lagOf(state, shard);
  const replicaLink =
    shard.replica === undefined ? undefined : state.replication.get(shard.replica)?.linkStatus;
  return {
    bytes: lag.bytes ?? null,
    masterOffset: lag.masterOffset ?? null,
    replicaOffset: lag.replicaOffset ?? null,
    measuredAt: 'sample',
    replicaLink: replicaLink ?? null,
    // The master has every acknowledged write.
    stalenessMs: 0,
  };
}

function nodeStatus(state: ClusterState, name: string, role: 'master' | 'replica'): NodeStatus {
  const health = state.healthOf(name);
  const info = state.replication.get(name);
  return {
    name,
    role,
    isAlive: health.isAlive,
    missedPings: health.missedPings,
    offset: info?.offset,
    linkStatus: info?.linkStatus,
  };
}

/** Each shard's state (a running rebalance marks its shard joining or draining), roles, keys and lag. */
export function shardStatuses(
  state: ClusterState,
  transition: { shard: string; kind: 'add' | 'drain' } | undefined,
): ShardStatus[] {
  return state.map.shards.map((shard) => {
    const stateOf = (): ShardStatus['state'] => {
      if (transition?.shard === shard.id) return transition.kind === 'add' ? 'joining' : 'draining';
      return shard.isActive ? 'active' : 'standby';
    };
    return {
      id: shard.id,
      state: stateOf(),
      master: nodeStatus(state, shard.master, 'master'),
      replica: shard.replica === undefined ? undefined : nodeStatus(state, shard.replica, 'replica'),
      keys: state.keysPerShard.get(shard.id),
      opsPerSecond: Math.round(state.opsPerSecond.get(shard.id) ?? 0),
      lagBytes: lagOf(state, shard).bytes,
      isReplicationPaused: state.pausedReplication.has(shard.id),
    };
  });
}
