import type { NodeHealth } from './failure-detector.ts';
import type { Shard } from './shard-map.ts';

/** What one Redis node reports about itself (INFO replication), or that it did not answer. */
export type RoleReport =
  | { readonly isReachable: false }
  | {
      readonly isReachable: true;
      readonly role: 'master' | 'replica';
      /** For a replica: the `host:port` it follows. */
      readonly following?: string;
    };

/** One step the router takes for a shard; the service carries it out against Redis. */
export type ShardAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'promote'; readonly shard: string; readonly node: string; readonly reason: string }
  | {
      readonly kind: 'rejoin';
      readonly shard: string;
      readonly node: string;
      readonly master: string;
      readonly reason: string;
    };

/**
 * Failover: the master is declared dead and its replica answers, so the
 * replica is promoted (REPLICAOF NO ONE). With asynchronous replication the
 * replica may lack the master's last writes; that loss is the price of
 * promoting without a quorum of replicas that saw every write.
 */
export function failoverAction(
  shard: Shard,
  master: NodeHealth,
  replica: NodeHealth | undefined,
): ShardAction {
  if (master.isAlive || shard.replica === undefined || replica === undefined || !replica.isAlive) {
    return { kind: 'none' };
  }
  return {
    kind: 'promote',
    shard: shard.id,
    node: shard.replica,
    reason: `${shard.master} missed ${master.missedPings} pings in a row`,
  };
}

/**
 * A master that reports itself a replica lost its role behind the router's
 * back (restarted with its original `--replicaof`, or demoted by hand): the
 * shard has no master, so the replica is promoted as after a death.
 */
export function demotedMasterAction(
  shard: Shard,
  masterReport: RoleReport,
  replica: NodeHealth | undefined,
): ShardAction {
  if (!masterReport.isReachable || masterReport.role !== 'replica') return { kind: 'none' };
  if (shard.replica === undefined || replica === undefined || !replica.isAlive) return { kind: 'none' };
  return {
    kind: 'promote',
    shard: shard.id,
    node: shard.replica,
    reason: `${shard.master} reports itself a replica (following ${masterReport.following ?? 'nobody'})`,
  };
}

/**
 * Rejoin: the node that is not the shard's master must follow it. A restarted
 * old master comes back as an empty master (the lab runs without persistence),
 * and serving it would lose the shard's data, so it is made a replica
 * (REPLICAOF master) and resyncs from the current master.
 */
export function rejoinAction(shard: Shard, replicaReport: RoleReport, masterAddress: string): ShardAction {
  if (shard.replica === undefined || !replicaReport.isReachable) return { kind: 'none' };
  if (replicaReport.role === 'replica' && replicaReport.following === masterAddress) return { kind: 'none' };
  return {
    kind: 'rejoin',
    shard: shard.id,
    node: shard.replica,
    master: shard.master,
    reason:
      replicaReport.role === 'master'
        ? `${shard.replica} runs as a master beside ${shard.master}`
        : `${shard.replica} follows ${replicaReport.following ?? 'nobody'}, not ${masterAddress}`,
  };
}

/**
 * At start-up the router adopts what Redis says. If the node named `-master` is a replica while the other
 * is a master (a failover happened before this router started), the roles are swapped. If both say master
 * (an old master restarted from a snapshot beside the replica promoted in its place), the higher failover
 * epoch wins: the promoted node raised it, and a snapshot holds an older one. A tie keeps the names.
 */
export function adoptRoles(
  shard: Shard,
  masterReport: RoleReport,
  replicaReport: RoleReport,
  epochs: { readonly master: number; readonly replica: number } = { master: 0, replica: 0 },
): Shard {
  if (shard.replica === undefined || !replicaReport.isReachable || replicaReport.role !== 'master')
    return shard;
  // An unreachable node named master: the names hold, and the failure detector promotes the other soon.
  if (!masterReport.isReachable) return shard;
  const isSwapped = masterReport.role === 'replica' || epochs.replica > epochs.master;
  return isSwapped ? { ...shard, master: shard.replica, replica: shard.master } : shard;
}

/**
 * Which node may answer an eventual read as the shard's replica: one that says, in the same transaction
 * as the read, that it is a replica of the shard's current master (or of nobody reachable, while the
 * replication-pause fault holds it). A node that calls itself a master is never read as a replica: it
 * may be an old master back from a restart, with data the shard has since overwritten or deleted.
 */
export function isServingReplica(
  report: RoleReport,
  masterAddress: string,
  isReplicationPaused: boolean,
): boolean {
  if (!report.isReachable || report.role !== 'replica') return false;
  return isReplicationPaused || report.following === masterAddress;
}
