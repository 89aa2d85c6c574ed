import { addNode, createRing, removeNode } from '@kvs-lab/shared/hashing';
import type { HashRing } from '@kvs-lab/shared/hashing';

/**
 * The router's picture of the cluster: which shards exist, which of each
 * shard's two Redis nodes is the master right now, and which shards are on
 * the ring. Values never change in place; every rule returns a new map.
 */

/** One shard: a pair of Redis nodes linked by replication; `master` takes writes. */
export interface Shard {
  readonly id: string;
  readonly master: string;
  /** The node that follows the master; undefined for a shard with a single node. */
  readonly replica: string | undefined;
  /** On the ring (serving keys) or a standby waiting to be added. */
  readonly isActive: boolean;
}

export interface ShardMap {
  readonly shards: readonly Shard[];
  readonly ring: HashRing;
}

const nodeNamePattern = /^(?:[a-z]+-)?(shard-\d+)-(master|replica)$/;

/**
 * Groups Redis node names `shard-N-master` / `shard-N-replica` into shards,
 * sorted by N. The names say the role each node starts in; failover may swap it later.
 */
export function shardsFromNodeNames(
  names: readonly string[],
): { id: string; master: string; replica?: string }[] {
  const byShard = new Map<string, { master?: string; replica?: string }>();
  for (const name of names) {
    const match = nodeNamePattern.exec(name);
    if (!match) continue;
    const [, id, role] = match as unknown as [string, string, 'master' | 'replica'];
    byShard.set(id, { ...byShard.get(id), [role]: name });
  }
  return [...byShard.entries()]
    .filter(([, pair]) => pair.master !== undefined)
    .sort(([a], [b]) => shardNumber(a) - shardNumber(b))
    .map(([id, pair]) => ({
      id,
      master: pair.master as string,
      ...(pair.replica ? { replica: pair.replica } : {}),
    }));
}

/** The map at start-up: the first `activeShards` shards on the ring, the rest standing by. */
export function initialShardMap(
  pairs: readonly { id: string; master: string; replica?: string }[],
  options: { activeShards: number; virtualNodes: number },
): ShardMap {
  const shards = pairs.map((pair, i) => ({
    id: pair.id,
    master: pair.master,
    replica: pair.replica,
    isActive: i < options.activeShards,
  }));
  const ring = createRing({
    virtualNodes: options.virtualNodes,
    nodes: shards.filter((s) => s.isActive).map((s) => s.id),
  });
  return { shards, ring };
}

/** The shard with this id, or undefined for a name outside REDIS_NODES. */
export function shardById(map: ShardMap, id: string): Shard | undefined {
  return map.shards.find((s) => s.id === id);
}

/** The shard a node belongs to, whatever its current role. */
export function shardOfNode(map: ShardMap, node: string): Shard | undefined {
  return map.shards.find((s) => s.master === node || s.replica === node);
}

/** The first standby shard, the one scaling out adds. */
export function nextStandby(map: ShardMap): Shard | undefined {
  return map.shards.find((s) => !s.isActive);
}

/** Failover's state change: the replica becomes the master and the old master its replica-to-be. */
export function promoteReplica(map: ShardMap, shardId: string): ShardMap {
  return {
    ...map,
    shards: map.shards.map((s) =>
      s.id === shardId && s.replica !== undefined ? { ...s, master: s.replica, replica: s.master } : s,
    ),
  };
}

/** The ring and flags once `shardId` joins (scale out) or leaves (drain). */
export function withShardActive(map: ShardMap, shardId: string, isActive: boolean): ShardMap {
  return {
    shards: map.shards.map((s) => (s.id === shardId ? { ...s, isActive } : s)),
    ring: isActive ? addNode(map.ring, shardId) : removeNode(map.ring, shardId),
  };
}

function shardNumber(id: string): number {
  return Number(id.slice('shard-'.length));
}
