import { locate, ownerOf } from '@kvs-lab/shared/hashing';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';

import type { ReadinessCheck } from '@kvs-lab/shared/service';
import type { Config } from '../../config.ts';
import type { PageQuery } from '../../domain/item-page.ts';
import { lagBytes, replicaReadVerdict } from '../../domain/replica-freshness.ts';
import type { Durability, Placement } from '../../check/sharding-check.ts';
import { initialShardMap, nextStandby, shardsFromNodeNames } from '../../domain/shard-map.ts';
import type { Shard } from '../../domain/shard-map.ts';
import type { Emit, RebalanceView, ShardStatus, ShardingEvents } from '../../realtime/events.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { routerNode } from '../../protocol-trace.ts';
import type { TraceMessages } from '../../protocol-trace.ts';
import type { Consistency, GetResult, Location, PutResult, ReadLag, ShardStore } from '../../shard-store.ts';
import { ClusterMonitor } from './cluster-monitor.ts';
import type { ExternalPromotion } from './cluster-monitor.ts';
import { ClusterState } from './cluster-state.ts';
import { nodeStore } from './node-store.ts';
import { Rebalancer, ringEvent } from './rebalancer.ts';
import { ReplicaProbe } from './replica-probe.ts';
import { replicationPauseFault } from './replication-fault.ts';
import { RouterItems } from './router-items.ts';
import { ringView, sampledLag, shardStatuses } from './router-views.ts';
import { AppError } from '../../errors.ts';

/**
 * The hand-made engine: a consistent-hash ring routes each key to a shard, the shard's master takes
 * writes and its replica (real Redis replication) eventual reads; this router's own failure detector
 * promotes a replica, and its own rebalancer moves keys when a shard joins or leaves.
 */
export class RouterEngine implements ShardStore {
  readonly engine: string;
  readonly state: ClusterState;
  readonly monitor: ClusterMonitor;
  readonly probe: ReplicaProbe;
  readonly rebalancer: Rebalancer;
  readonly items: RouterItems;
  readonly readiness: readonly ReadinessCheck[];
  readonly links: readonly RedisNode[];
  readonly faults;
  private onSample: () => void = () => undefined;
  private readonly emit: Emit;
  private readonly trace: TraceMessages;
  private readonly waitTimeoutMs: number;
  private readonly maxStalenessMs: number;
  private readonly now: () => number;

  constructor(
    config: Config,
    nodes: readonly RedisNode[],
    deps: EngineDeps,
    /** Another failover authority (Sentinel): the router then routes and rebalances, but never promotes. */
    options: { engine?: string; externalPromotion?: ExternalPromotion } = {},
  ) {
    this.engine = options.engine ?? 'router';
    this.emit = deps.emit;
    this.trace = deps.trace;
    this.waitTimeoutMs = config.waitTimeoutMs;
    this.maxStalenessMs = config.maxReplicaStalenessMs;
    this.now = deps.now;
    const pairs = shardsFromNodeNames(nodes.map((n) => n.name));
    if (pairs.length === 0) throw new Error('REDIS_NODES names no shard-N-master node');
    const map = initialShardMap(pairs, {
      activeShards: Math.min(config.activeShards, pairs.length),
      virtualNodes: config.virtualNodes,
    });
    this.state = new ClusterState(map, nodes, config.waitTimeoutMs);
    this.rebalancer = new Rebalancer(this.state, deps);
    this.items = new RouterItems(this.state, this.rebalancer);
    this.monitor = new ClusterMonitor(this.state, {
      pingIntervalMs: config.pingIntervalMs,
      missedPingsToFail: config.missedPingsToFail,
      monitorIntervalMs: config.monitorIntervalMs,
      now: deps.now,
      emit: deps.emit,
      logger: deps.logger,
      trace: deps.trace,
      onHealthChange: () => this.emit('shards:status', { shards: this.shards() }),
      onSample: () => {
        this.onSample();
        return Promise.resolve();
      },
      ...(options.externalPromotion ? { externalPromotion: options.externalPromotion } : {}),
    });
    this.probe = new ReplicaProbe(this.state, { intervalMs: config.replicaProbeMs, now: deps.now });
    this.links = nodes;
    this.faults = [replicationPauseFault(this.state)];
    // Only masters are critical: a dead replica degrades eventual reads, a dead master stops its shard until failover.
    const masterChecks: ReadinessCheck[] = map.shards.map((shard) => ({
      name: `master:${shard.id}`,
      critical: true,
      check: async () => {
        // Whoever is master now (after a failover, the old replica): an active shard without one cannot take writes.
        const current = this.state.shard(shard.id);
        if (current.isActive) await this.state.node(current.master).ping();
      },
    }));
    this.readiness = [...masterChecks, ...redisReadinessChecks(nodes, { critical: false })];
  }

  async start(onSample: () => void): Promise<void> {
    this.onSample = onSample;
    await this.monitor.start();
    await this.probe.start();
  }

  async close(): Promise<void> {
    this.monitor.stop();
    this.probe.stop();
    await this.state.close();
  }

  // ---- key/value -------------------------------------------------------

  put(key: string, value: string, durability: Durability): Promise<PutResult> {
    return this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
      const shard = this.state.shard(shardId);
      const master = this.masterNode(shard);
      this.state.countOp(shardId);
      if (this.trace.isTaking()) {
        this.trace([
          { from: routerNode, to: master.name, kind: 'put', detail: { key, shard: shardId, durability } },
        ]);
      }
      let replicasAcked: number | null = null;
      if (durability === 'replica') {
        replicasAcked = await nodeStore.setAndWait(
          master,
          await this.state.waiter(master.name),
          key,
          value,
          this.waitTimeoutMs,
        );
        if (this.trace.isTaking()) {
          this.trace(
            waitMessages(master.name, shard.replica, { key, replicasAcked, timeoutMs: this.waitTimeoutMs }),
          );
        }
      } else {
        await nodeStore.set(master, key, value);
      }
      return {
        key,
        shard: shardId,
        master: master.name,
        durability,
        replicasAcked,
        isReplicated: replicasAcked !== null && replicasAcked >= 1,
      };
    });
  }

  /**
   * Eventual reads go to the replica while the router's last probe says it holds every write acknowledged
   * up to `REPLICA_MAX_STALENESS_MS` ago (see `replica-freshness.ts`); otherwise, and for strong reads,
   * to the master.
   */
  get(key: string, consistency: Consistency, options: { preferMaster: boolean }): Promise<GetResult> {
    return this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
      const shard = this.state.shard(shardId);
      this.state.countOp(shardId);
      const onReplica =
        consistency === 'eventual' && !options.preferMaster
          ? await this.readOnReplica(shard, key)
          : undefined;
      const master = this.masterNode(shard);
      if (!onReplica) this.traceGet(master.name, key, shardId, consistency);
      const read = onReplica ?? { value: await nodeStore.get(master, key), servedBy: master.name };
      if (read.value === null) {
        throw new AppError('KEY_NOT_FOUND', `No value for ${key} on ${read.servedBy}.`, {
          extras: { key, shard: shardId, servedBy: read.servedBy },
        });
      }
      return {
        key,
        value: read.value,
        shard: shardId,
        servedBy: read.servedBy,
        consistency,
        replicationLag: onReplica?.lag ?? sampledLag(this.state, shard),
      };
    });
  }

  /**
   * An eventual read on the replica, when it is alive and within the staleness bound; undefined otherwise
   * (or when its GET fails), and the master answers.
   */
  private async readOnReplica(
    shard: Shard,
    key: string,
  ): Promise<{ value: string | null; servedBy: string; lag: ReadLag } | undefined> {
    const replica = shard.replica;
    if (replica === undefined || !this.state.healthOf(replica).isAlive) return undefined;
    const freshness = this.probe.of(shard);
    const session = this.state.sessionOf(replica);
    const verdict = replicaReadVerdict(
      freshness,
      { now: this.now(), replicaSession: session },
      this.maxStalenessMs,
    );
    if (!freshness || !verdict.isServed) return undefined;
    const value = await nodeStore.get(this.state.node(replica), key).catch(() => undefined);
    // Answered on another connection than the probe's (the node may have restarted): the master answers.
    if (value === undefined || this.state.sessionOf(replica) !== session) return undefined;
    this.traceGet(replica, key, shard.id, 'eventual');
    return {
      value,
      servedBy: replica,
      lag: {
        bytes: lagBytes(freshness) ?? null,
        masterOffset: freshness.marks.at(-1)?.offset ?? null,
        replicaOffset: freshness.replicaOffset ?? null,
        measuredAt: 'probe',
        replicaLink: freshness.replicaLink ?? null,
        stalenessMs: verdict.stalenessMs,
      },
    };
  }

  private traceGet(node: string, key: string, shard: string, consistency: Consistency): void {
    if (!this.trace.isTaking()) return;
    this.trace([{ from: routerNode, to: node, kind: 'get', detail: { key, shard, consistency } }]);
  }

  delete(key: string) {
    return this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
      this.state.countOp(shardId);
      const master = this.masterNode(this.state.shard(shardId));
      if (this.trace.isTaking()) {
        this.trace([{ from: routerNode, to: master.name, kind: 'delete', detail: { key, shard: shardId } }]);
      }
      const removed = await nodeStore.del(master, key);
      return { key, shard: shardId, isDeleted: removed > 0 };
    });
  }

  putItem(pk: string, sk: string, value: string) {
    return this.items.putItem(pk, sk, value);
  }

  getItem(pk: string, sk: string) {
    return this.items.getItem(pk, sk);
  }

  deleteItem(pk: string, sk: string) {
    return this.items.deleteItem(pk, sk);
  }

  queryItems(pk: string, query: PageQuery) {
    return this.items.queryItems(pk, query);
  }

  // ---- where keys live -------------------------------------------------

  locate(key: string): Location {
    const location = locate(this.state.map.ring, key);
    const shard = this.state.shard(location.owner);
    return {
      key,
      hash: location.hash,
      virtualNode: {
        shard: location.virtualNode.node,
        index: location.virtualNode.index,
        position: location.virtualNode.position,
      },
      shard: shard.id,
      master: shard.master,
      replica: shard.replica ?? null,
      rebalancing: this.rebalancer.transition() ?? null,
    };
  }

  ring() {
    return ringView(this.state.map.ring);
  }

  ringEvent(): ShardingEvents['ring:changed'] {
    return ringEvent(this.state.map.ring);
  }

  shards(): ShardStatus[] {
    return shardStatuses(this.state, this.rebalancer.transition());
  }

  failovers() {
    return this.state.failovers;
  }

  authority(): Promise<Record<string, unknown>> {
    return Promise.resolve({
      decidedBy: 'router',
      rule: 'a master that misses FAILOVER_MISSED_PINGS pings in a row is replaced by its replica',
    });
  }

  rejoins() {
    return this.state.rejoins;
  }

  loads() {
    return this.state.map.shards
      .filter((s) => s.isActive)
      .map((s) => ({
        shard: s.id,
        keys: this.state.keysPerShard.get(s.id) ?? 0,
        opsPerSecond: this.state.opsPerSecond.get(s.id) ?? 0,
      }));
  }

  private masterNode(shard: Shard): RedisNode {
    return this.state.node(shard.master);
  }

  // ---- scaling ---------------------------------------------------------

  addShard(trigger: 'api' | 'autoscale'): RebalanceView {
    const view = this.rebalancer.startAdd(trigger);
    this.emit('ring:changed', this.ringEvent());
    return view;
  }

  drainShard(id: string): RebalanceView {
    return this.rebalancer.startDrain(id);
  }

  rebalance(): RebalanceView | undefined {
    return this.rebalancer.view();
  }

  get isRebalancing(): boolean {
    return this.rebalancer.isRunning;
  }

  standby(): string | null {
    return nextStandby(this.state.map)?.id ?? null;
  }

  // ---- check -----------------------------------------------------------

  readStrong(key: string): Promise<string | null> {
    return this.rebalancer.routed({ kind: 'kv', name: key }, (shardId) =>
      nodeStore.get(this.masterNode(this.state.shard(shardId)), key),
    );
  }

  /** Scans every master (SCAN) to see where each routing key sits, against its ring owner. */
  async placements(): Promise<{ placements: Placement[] } | { reason: string }> {
    if (this.rebalancer.isRunning) return { reason: 'A rebalance is running: placement was not judged.' };
    const foundOn = new Map<string, string[]>();
    for (const shard of this.state.map.shards) {
      for (const routing of await nodeStore.scanRoutingKeys(this.masterNode(shard))) {
        const id = `${routing.kind}:${routing.name}`;
        foundOn.set(id, [...(foundOn.get(id) ?? []), shard.id]);
      }
    }
    const placements: Placement[] = [];
    for (const [id, shards] of foundOn) {
      const name = id.slice(id.indexOf(':') + 1);
      placements.push({ key: id, owner: ownerOf(this.state.map.ring, name), foundOn: shards });
    }
    return { placements };
  }
}

/**
 * WAIT's answer as messages: the replica's acknowledgement to its master (when it came in time), then the
 * master's answer to the router with the count.
 */
function waitMessages(
  master: string,
  replica: string | undefined,
  detail: { key: string; replicasAcked: number; timeoutMs: number },
) {
  const ack =
    replica !== undefined && detail.replicasAcked >= 1
      ? [{ from: replica, to: master, kind: 'replica-ack', detail: { key: detail.key } }]
      : [];
  return [...ack, { from: master, to: routerNode, kind: 'wait-acks', detail }];
}
