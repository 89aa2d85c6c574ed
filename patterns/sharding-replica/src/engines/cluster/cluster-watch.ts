import type { RedisNode } from '@kvs-lab/shared/redis';

import { parseInfo, replicationLag } from '../../domain/replication-lag.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { routerNode } from '../../protocol-trace.ts';
import type { FailoverEvent, NodeStatus } from '../../realtime/events.ts';
import type { SlotRouter } from './slot-router.ts';
import { addressOf } from './slot-router.ts';

/** A shard of the cluster engine: a `shard-N-master`/`shard-N-replica` pair of REDIS_NODES. */
export interface Pair {
  readonly id: string;
  readonly names: readonly string[];
}

/**
 * What the cluster engine knows of the cluster, and the watch that keeps it current: the slot map (in the
 * router), each node's INFO replication, key counts, routed operations, and the failovers it observed.
 * Which node of a pair is master is whatever the cluster says now. The engine, its items and its views
 * all read this one state.
 */
export class ClusterWatch {
  readonly pairs: readonly Pair[];
  readonly nodes: ReadonlyMap<string, RedisNode>;
  readonly router: SlotRouter;
  readonly keysOf = new Map<string, number>();
  readonly failoverLog: FailoverEvent[] = [];
  opsPerSecond = new Map<string, number>();
  private readonly info = new Map<string, Record<string, string> | undefined>();
  private readonly ops = new Map<string, number>();
  private readonly masterOf = new Map<string, string>();
  private readonly unreachableSince = new Map<string, number>();
  private lastSampleAt: number;
  private readonly deps: EngineDeps;

  constructor(pairs: readonly Pair[], nodes: readonly RedisNode[], router: SlotRouter, deps: EngineDeps) {
    this.pairs = pairs;
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.router = router;
    this.deps = deps;
    this.lastSampleAt = deps.now();
  }

  /** One monitor round: the slot map, each node's INFO replication, key counts, failovers seen. */
  async sample(): Promise<void> {
    const now = this.deps.now();
    await this.router.refresh();
    await Promise.all(
      [...this.nodes.values()].map(async (node) => {
        try {
          this.info.set(node.name, parseInfo(await node.run((c) => c.info('replication'))));
          this.unreachableSince.delete(node.name);
        } catch {
          this.info.set(node.name, undefined);
          if (!this.unreachableSince.has(node.name)) this.unreachableSince.set(node.name, now);
        }
      }),
    );
    for (const pair of this.pairs) {
      const master = this.currentMaster(pair);
      const previous = this.masterOf.get(pair.id);
      if (previous !== undefined && previous !== master) this.recordFailover(pair.id, previous, master, now);
      this.masterOf.set(pair.id, master);
      const node = this.nodes.get(master);
      if (node) {
        try {
          this.keysOf.set(pair.id, await node.run((c) => c.dbsize()));
        } catch {
          // A dead master keeps its last count until it answers.
        }
      }
    }
    const elapsed = Math.max(1, now - this.lastSampleAt);
    this.opsPerSecond = new Map([...this.ops].map(([shard, n]) => [shard, (n * 1000) / elapsed]));
    this.ops.clear();
    this.lastSampleAt = now;
  }

  private recordFailover(shard: string, from: string, to: string, now: number): void {
    const downSince = this.unreachableSince.get(from);
    const event: FailoverEvent = {
      shard,
      from,
      to,
      reason: `Redis Cluster promoted ${to}: a majority of masters flagged ${from} FAIL after cluster-node-timeout`,
      downSince,
      promotedAt: now,
      failoverMs: downSince === undefined ? undefined : now - downSince,
    };
    this.failoverLog.push(event);
    if (this.failoverLog.length > 100) this.failoverLog.shift();
    // The cluster decided inside (gossip, FAIL, the replicas' election): the router sees the slot map change.
    this.deps.trace([
      { from: to, to: routerNode, kind: 'failover-observed', detail: { shard, replaces: from } },
    ]);
    this.deps.logger.warn(event, 'failover observed');
    this.deps.emit('shard:failover', event);
  }

  /** The pair's master now: the node the slot map names, else the one whose INFO says master. */
  currentMaster(pair: Pair): string {
    const masters = new Set(this.router.ranges.map((r) => r.master));
    const inMap = pair.names.find((n) => {
      const node = this.nodes.get(n);
      return node !== undefined && masters.has(addressOf(node));
    });
    if (inMap) return inMap;
    const byInfo = pair.names.find((n) => this.info.get(n)?.role === 'master');
    return byInfo ?? this.masterOf.get(pair.id) ?? (pair.names[0] as string);
  }

  isMasterNow(pair: Pair): boolean {
    return this.info.get(this.currentMaster(pair))?.role === 'master';
  }

  /** INFO replication of the shard's replica now. */
  replicaInfo(shard: string): Record<string, string> | undefined {
    const pair = this.pairs.find((p) => p.id === shard);
    if (!pair) return undefined;
    const master = this.currentMaster(pair);
    const replica = pair.names.find((n) => n !== master);
    return replica === undefined ? undefined : this.info.get(replica);
  }

  lagOfShard(shard: string) {
    const pair = this.pairs.find((p) => p.id === shard);
    const master = pair ? this.info.get(this.currentMaster(pair)) : undefined;
    const replica = this.replicaInfo(shard);
    const offset = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return replicationLag(offset(master?.master_repl_offset), offset(replica?.slave_repl_offset));
  }

  nodeStatus(name: string, role: 'master' | 'replica'): NodeStatus {
    const info = this.info.get(name);
    const offset =
      info === undefined
        ? undefined
        : Number(info.role === 'master' ? info.master_repl_offset : info.slave_repl_offset);
    return {
      name,
      role,
      isAlive: info !== undefined,
      missedPings: 0,
      offset: offset !== undefined && Number.isFinite(offset) ? offset : undefined,
      linkStatus: info?.master_link_status,
    };
  }

  nameAt(address: string): string {
    return this.router.nodeAt(address).name;
  }

  /** A node's name for the trace; an address outside REDIS_NODES stays an address. */
  traceName(address: string): string {
    try {
      return this.nameAt(address);
    } catch {
      return address;
    }
  }

  shardOfName(name: string): string {
    return this.pairs.find((p) => p.names.includes(name))?.id ?? name;
  }

  /** Counts one routed operation on the shard whose node answered; returns that shard. */
  countOp(address: string): string {
    const shard = this.shardOfName(this.nameAt(address));
    this.ops.set(shard, (this.ops.get(shard) ?? 0) + 1);
    return shard;
  }
}
