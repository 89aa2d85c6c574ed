import { RedisNode } from '@kvs-lab/shared/redis';

import { initialHealth } from '../../domain/failure-detector.ts';
import type { NodeHealth } from '../../domain/failure-detector.ts';
import { shardById } from '../../domain/shard-map.ts';
import type { Shard, ShardMap } from '../../domain/shard-map.ts';
import type { ReplicationInfo } from './node-store.ts';
import type { FailoverEvent } from '../../realtime/events.ts';
import { AppError } from '../../errors.ts';

const waitersPerNode = 4;

/**
 * The router's per-shard state, in this process: the shard map (roles and
 * ring), each node's health and last INFO, and counters. One object shared
 * by the data path, the monitor and the rebalancer, so each reads the same picture.
 */
export class ClusterState {
  map: ShardMap;
  readonly nodes: ReadonlyMap<string, RedisNode>;
  readonly health = new Map<string, NodeHealth>();
  readonly replication = new Map<string, ReplicationInfo | undefined>();
  readonly keysPerShard = new Map<string, number>();
  readonly opsPerSecond = new Map<string, number>();
  readonly failovers: FailoverEvent[] = [];
  readonly rejoins: { shard: string; node: string; master: string; reason: string; at: number }[] = [];
  /** Shards whose replication link the `replication-pause` fault has cut: the monitor leaves their replica alone. */
  readonly pausedReplication = new Set<string>();
  /** Shards whose replica was just made to resync: their master's failover epoch is raised once it is linked. */
  readonly epochBumpAfterSync = new Set<string>();
  private opsSinceTick = new Map<string, number>();
  private readonly sessions = new Map<string, number>();
  private readonly waiters = new Map<string, RedisNode[]>();
  private waiterTurn = 0;
  private readonly pendingReady = new Map<RedisNode, Promise<boolean>>();

  private readonly waitTimeoutMs: number;

  constructor(map: ShardMap, nodes: readonly RedisNode[], waitTimeoutMs: number) {
    this.waitTimeoutMs = waitTimeoutMs;
    this.map = map;
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    for (const node of nodes) {
      this.health.set(node.name, initialHealth);
      // A dropped connection may mean a restarted process: what was probed on the old one may no longer hold.
      node.client.on('close', () => this.sessions.set(node.name, this.sessionOf(node.name) + 1));
    }
  }

  /** Which connection to `name` is current: the count of its closes since start. */
  sessionOf(name: string): number {
    return this.sessions.get(name) ?? 0;
  }

  node(name: string): RedisNode {
    const node = this.nodes.get(name);
    if (!node) throw new AppError('INTERNAL', `no Redis node named ${name} in REDIS_NODES`);
    return node;
  }

  shard(id: string): Shard {
    const shard = shardById(this.map, id);
    if (!shard) throw new AppError('SHARD_NOT_FOUND', `There is no shard ${id}.`, { extras: { shard: id } });
    return shard;
  }

  healthOf(name: string): NodeHealth {
    return this.health.get(name) ?? initialHealth;
  }

  /**
   * A client for SET + WAIT on `name`: its command timeout outlasts WAIT's,
   * and WAIT blocks its connection, so a few per node keep durable writes
   * from queueing behind each other or behind ordinary traffic.
   */
  async waiter(name: string): Promise<RedisNode> {
    let pool = this.waiters.get(name);
    if (!pool) {
      const { address } = this.node(name);
      pool = Array.from(
        { length: waitersPerNode },
        () => new RedisNode(address, { commandTimeoutMs: this.waitTimeoutMs + 300 }),
      );
      this.waiters.set(name, pool);
    }
    this.waiterTurn = (this.waiterTurn + 1) % waitersPerNode;
    const waiter = pool[this.waiterTurn] as RedisNode;
    if (waiter.isReady) return waiter;
    // With no offline queue a command sent while connecting fails: a new (or reconnecting) client must be
    // ready first. Concurrent writes share one wait instead of each adding a listener.
    let pending = this.pendingReady.get(waiter);
    if (!pending) {
      pending = waiter.ready(1_000).finally(() => this.pendingReady.delete(waiter));
      this.pendingReady.set(waiter, pending);
    }
    await pending;
    return waiter;
  }

  countOp(shardId: string): void {
    this.opsSinceTick.set(shardId, (this.opsSinceTick.get(shardId) ?? 0) + 1);
  }

  /** Turns the operations counted since the last tick into a rate. */
  rollOps(elapsedMs: number): void {
    for (const shard of this.map.shards) {
      this.opsPerSecond.set(
        shard.id,
        ((this.opsSinceTick.get(shard.id) ?? 0) * 1000) / Math.max(1, elapsedMs),
      );
    }
    this.opsSinceTick = new Map();
  }

  async close(): Promise<void> {
    await Promise.all([...this.waiters.values()].flat().map((w) => w.close()));
    await Promise.all([...this.nodes.values()].map((n) => n.close()));
  }
}
