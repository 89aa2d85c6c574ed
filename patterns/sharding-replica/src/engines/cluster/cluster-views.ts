import { hashSlot, hashTagOf, slotCount } from '../../domain/hash-slot.ts';
import { parseInfo } from '../../domain/replication-lag.ts';
import { rangeOfSlot, slotsPerMaster } from '../../domain/slot-map.ts';
import type { Placement } from '../../check/sharding-check.ts';
import type { ShardStatus, ShardingEvents } from '../../realtime/events.ts';
import type { Location } from '../../shard-store.ts';
import { keys } from '../../store/keys.ts';
import type { ClusterWatch, Pair } from './cluster-watch.ts';
import type { SlotMigrator } from './slot-migrator.ts';
import { addressOf } from './slot-router.ts';

/**
 * What the cluster engine shows of its state: where a key lives, the slot ranges as a ring, each shard's
 * status, the spare master, every key's placement and the cluster's own view. Read-only over the watch.
 */

const ringPositions = 2 ** 32;

export function locateKey(watch: ClusterWatch, migrator: SlotMigrator, key: string): Location {
  const redisKey = keys.kv(key);
  const slot = hashSlot(redisKey);
  const range = rangeOfSlot(watch.router.ranges, slot);
  const tag = new TextDecoder().decode(hashTagOf(new TextEncoder().encode(redisKey)));
  const master = range ? watch.nameAt(range.master) : null;
  return {
    key,
    redisKey,
    slot,
    hashTag: tag === redisKey ? null : tag,
    slotRange: range ? { start: range.start, end: range.end } : null,
    shard: master ? watch.shardOfName(master) : 'none',
    master: master ?? 'none',
    replica: range?.replicas[0] ? watch.nameAt(range.replicas[0]) : null,
    rebalancing: migrator.isRunning ? { shard: migrator.view()?.shard ?? '', kind: 'add' } : null,
  };
}

function shardOfRange(watch: ClusterWatch, range: { master: string }): string {
  return watch.shardOfName(watch.nameAt(range.master));
}

export function ringView(watch: ClusterWatch) {
  const perMaster = slotsPerMaster(watch.router.ranges);
  return {
    virtualNodes: 0,
    shards: watch.pairs
      .map((pair) => {
        const ranges = watch.router.ranges.filter((r) => shardOfRange(watch, r) === pair.id);
        const owned = ranges.reduce((n, r) => n + r.end - r.start + 1, 0);
        return {
          id: pair.id,
          share: owned / slotCount,
          virtualNodes: [],
          slotRanges: ranges.map((r) => [r.start, r.end]),
        };
      })
      .filter((s) => s.slotRanges.length > 0 || perMaster[s.id] !== undefined),
  };
}

/** Slot ranges drawn as a ring: each range is the arc that ends at its last slot. */
export function ringEventOf(watch: ClusterWatch): ShardingEvents['ring:changed'] {
  const points = watch.router.ranges.map((r) => ({
    shard: shardOfRange(watch, r),
    position: Math.floor(((r.end + 1) * ringPositions) / slotCount) - 1,
  }));
  const shares: Record<string, number> = {};
  for (const r of watch.router.ranges) {
    const shard = shardOfRange(watch, r);
    shares[shard] = (shares[shard] ?? 0) + (r.end - r.start + 1) / slotCount;
  }
  return { virtualNodes: 0, points, shares };
}

/** How many slots the pair's current master serves (0: a spare, or a master the map does not know). */
function slotsOf(watch: ClusterWatch, pair: Pair): number {
  const node = watch.nodes.get(watch.currentMaster(pair));
  return node === undefined ? 0 : (slotsPerMaster(watch.router.ranges)[addressOf(node)] ?? 0);
}

export function shardStatuses(watch: ClusterWatch, migrator: SlotMigrator): ShardStatus[] {
  const joining = migrator.isRunning ? migrator.view()?.shard : undefined;
  return watch.pairs.map((pair) => {
    const master = watch.currentMaster(pair);
    const replica = pair.names.find((n) => n !== master);
    return {
      id: pair.id,
      state: joining === pair.id ? 'joining' : slotsOf(watch, pair) > 0 ? 'active' : 'standby',
      master: watch.nodeStatus(master, 'master'),
      replica: replica === undefined ? undefined : watch.nodeStatus(replica, 'replica'),
      keys: watch.keysOf.get(pair.id),
      opsPerSecond: Math.round(watch.opsPerSecond.get(pair.id) ?? 0),
      lagBytes: watch.lagOfShard(pair.id).bytes,
      isReplicationPaused: false,
    };
  });
}

/** The pair whose master serves no slot yet: the one a scale-out fills. */
export function standbyPair(watch: ClusterWatch): Pair | undefined {
  return watch.pairs.find((pair) => slotsOf(watch, pair) === 0 && watch.isMasterNow(pair));
}

/** Every master's keys (SCAN), each judged against the slot map: one master, the slot's owner. */
export async function placementsOf(watch: ClusterWatch): Promise<Placement[]> {
  const foundOn = new Map<string, string[]>();
  for (const master of new Set(watch.router.ranges.map((r) => r.master))) {
    const node = watch.router.nodeAt(master);
    let cursor = '0';
    do {
      const [next, batch] = await node.run((c) => c.scan(cursor, 'MATCH', keys.kvPattern, 'COUNT', 500));
      cursor = next;
      for (const k of batch) foundOn.set(k, [...(foundOn.get(k) ?? []), watch.shardOfName(node.name)]);
    } while (cursor !== '0');
  }
  const placements: Placement[] = [];
  for (const [redisKey, shards] of foundOn) {
    const range = rangeOfSlot(watch.router.ranges, hashSlot(redisKey));
    placements.push({ key: redisKey, owner: range ? shardOfRange(watch, range) : 'none', foundOn: shards });
  }
  return placements;
}

/** CLUSTER INFO from the first node that answers: the cluster's own state and epoch. */
export async function clusterAuthority(watch: ClusterWatch): Promise<Record<string, unknown>> {
  for (const node of watch.nodes.values()) {
    try {
      const info = parseInfo(await node.run((c) => c.call('CLUSTER', 'INFO') as Promise<string>));
      return {
        decidedBy: 'cluster',
        askedNode: node.name,
        state: info.cluster_state,
        currentEpoch: Number(info.cluster_current_epoch),
        slotsAssigned: Number(info.cluster_slots_assigned),
        slotsFail: Number(info.cluster_slots_fail),
        knownNodes: Number(info.cluster_known_nodes),
        redirections: { ...watch.router.redirections },
      };
    } catch {
      // Ask the next node.
    }
  }
  return { decidedBy: 'cluster', state: null, reason: 'no cluster node answered' };
}
