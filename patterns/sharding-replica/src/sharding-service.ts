import { locate, ownerOf, ownershipShare } from '@kvs-lab/shared/hashing';
import { History, recorded } from '@kvs-lab/shared/history';
import type { CheckVerdict } from '@kvs-lab/shared/history';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { AppError } from '@kvs-lab/shared/service';
import type { Config } from './config.ts';
import { decideAutoscale } from './domain/autoscale-policy.ts';
import type { AutoscaleDecision, AutoscaleSettings } from './domain/autoscale-policy.ts';
import { whatIfReport } from './domain/rebalance-plan.ts';
import { isServingReplica } from './domain/failover-rule.ts';
import { replicationLag } from './domain/replication-lag.ts';
import { checkSharding, expectedValues } from './domain/sharding-check.ts';
import type { Durability, KvInput, KvOutput, Placement } from './domain/sharding-check.ts';
import { initialShardMap, nextStandby, shardsFromNodeNames } from './domain/shard-map.ts';
import type { Shard } from './domain/shard-map.ts';
import { ClusterMonitor } from './cluster-monitor.ts';
import { ClusterState } from './cluster-state.ts';
import type { RouterLog } from './router-log.ts';
import { HotKeys } from './hot-keys.ts';
import { ItemService } from './item-service.ts';
import type { Mitigation } from './hot-keys.ts';
import { Rebalancer, ringEvent } from './rebalancer.ts';
import type { NodeStatus, RebalanceView, ShardStatus, Emit, ShardingEvents } from './realtime/live-events.ts';
import { shardStore } from './store/shard-store.ts';

export interface PutResult {
  key: string;
  shard: string;
  master: string;
  durability: Durability;
  /** Replicas that acknowledged the write (WAIT's answer); null for async writes, which do not ask. */
  replicasAcked: number | null;
  isReplicated: boolean;
}

export interface GetResult {
  key: string;
  value: string;
  shard: string;
  servedBy: string;
  consistency: 'eventual' | 'strong';
  replicationLag: ReadLag;
}

/** How far the serving replica trailed its master when it answered; for a master-served read, the last sample. */
export interface ReadLag {
  bytes: number | null;
  masterOffset: number | null;
  replicaOffset: number | null;
  /** `read`: offsets taken with this read; `sample`: from the monitor's last INFO round. */
  measuredAt: 'read' | 'sample';
  /** The replica's `master_link_status` (`up`, `down`), null when unknown. */
  replicaLink: string | null;
}

/**
 * The shard router as a use case: route a key to its shard by the ring, send
 * writes to the shard's master (optionally waiting for its replica), reads to
 * the replica or the master, and keep the cluster healthy underneath: the
 * monitor fails over dead masters, the rebalancer moves keys when a shard
 * joins or leaves, the hot-key tracker watches the access skew.
 */
export class ShardingService {
  readonly state: ClusterState;
  readonly monitor: ClusterMonitor;
  readonly rebalancer: Rebalancer;
  readonly hotKeys: HotKeys;
  readonly items: ItemService;
  readonly history = new History<KvInput, KvOutput>({ capacity: 20_000 });
  autoscale: AutoscaleSettings;
  private autoscaleBreachTicks = 0;
  private lastAutoscale: AutoscaleDecision | undefined;
  private lastDecayAt: number;
  private readonly now: () => number;
  private readonly emit: Emit;

  private readonly config: Config;

  constructor(
    config: Config,
    nodes: readonly RedisNode[],
    deps: { now: () => number; emit: Emit; logger: RouterLog },
  ) {
    this.config = config;
    this.now = deps.now;
    this.emit = deps.emit;
    const pairs = shardsFromNodeNames(nodes.map((n) => n.name));
    if (pairs.length === 0) throw new Error('REDIS_NODES names no shard-N-master node');
    const map = initialShardMap(pairs, {
      activeShards: Math.min(config.activeShards, pairs.length),
      virtualNodes: config.virtualNodes,
    });
    this.state = new ClusterState(map, nodes, config.waitTimeoutMs);
    this.hotKeys = new HotKeys({ ...config.hotKeys, now: deps.now });
    this.autoscale = config.autoscale;
    this.lastDecayAt = deps.now();
    this.rebalancer = new Rebalancer(this.state, deps);
    this.items = new ItemService(this.state, this.rebalancer);
    this.monitor = new ClusterMonitor(this.state, {
      pingIntervalMs: config.pingIntervalMs,
      missedPingsToFail: config.missedPingsToFail,
      monitorIntervalMs: config.monitorIntervalMs,
      now: deps.now,
      emit: deps.emit,
      logger: deps.logger,
      onSample: () => this.afterSample(),
    });
  }

  start(): Promise<void> {
    return this.monitor.start();
  }

  async close(): Promise<void> {
    this.monitor.stop();
    await this.state.close();
  }

  // ---- key/value -------------------------------------------------------

  /** Writes to the owner shard's master; with `replica` durability, WAIT says whether the replica has it. */
  async put(key: string, value: string, durability: Durability, process: string): Promise<PutResult> {
    let result: PutResult | undefined;
    await recorded(this.history, process, 'write', { key, value, durability }, async () => {
      result = await this.putRouted(key, value, durability);
      return { shard: result.shard, isReplicated: result.isReplicated };
    });
    return result as PutResult;
  }

  private putRouted(key: string, value: string, durability: Durability): Promise<PutResult> {
    this.hotKeys.record(key);
    this.hotKeys.forget(key);
    return this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
      const shard = this.state.shard(shardId);
      const master = this.masterNode(shard);
      this.state.countOp(shardId);
      let replicasAcked: number | null = null;
      if (durability === 'replica') {
        replicasAcked = await shardStore.setAndWait(
          master,
          await this.state.waiter(master.name),
          key,
          value,
          this.config.waitTimeoutMs,
        );
      } else {
        await shardStore.set(master, key, value);
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

  /** Eventual reads go to the replica (stale by the replication lag), strong reads to the master. */
  async get(key: string, consistency: 'eventual' | 'strong', process: string): Promise<GetResult> {
    let result: GetResult | undefined;
    await recorded(this.history, process, 'read', { key, consistency }, async () => {
      result = await this.getRouted(key, consistency);
      return { shard: result.shard, value: result.value };
    });
    return result as GetResult;
  }

  private getRouted(key: string, consistency: 'eventual' | 'strong'): Promise<GetResult> {
    this.hotKeys.record(key);
    return this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
      const shard = this.state.shard(shardId);
      this.state.countOp(shardId);
      const { value, servedBy, lag } = await this.readValue(shard, key, consistency);
      if (value === null) {
        throw new AppError('KEY_NOT_FOUND', `No value for ${key} on ${servedBy}.`, {
          extras: { key, shard: shardId, servedBy },
        });
      }
      return {
        key,
        value,
        shard: shardId,
        servedBy,
        consistency,
        replicationLag: lag ?? this.sampledLag(shard),
      };
    });
  }

  private async readValue(
    shard: Shard,
    key: string,
    consistency: 'eventual' | 'strong',
  ): Promise<{ value: string | null; servedBy: string; lag?: ReadLag }> {
    const master = this.masterNode(shard);
    if (consistency === 'strong') return { value: await shardStore.get(master, key), servedBy: master.name };
    const mitigation = this.hotKeys.mitigation;
    const isHot = mitigation !== 'off' && this.hotKeys.isHot(key);
    if (isHot && mitigation === 'router-cache') {
      const hit = this.hotKeys.cached(key);
      if (hit) return { value: hit.value, servedBy: 'router-cache' };
    }
    const replica = shard.replica;
    const useReplica =
      replica !== undefined &&
      this.state.healthOf(replica).isAlive &&
      !(isHot && mitigation === 'spread-reads' && this.hotKeys.nextReadOnMaster());
    const onReplica = useReplica ? await this.readOnReplica(shard, replica, key) : undefined;
    const read = onReplica ?? { value: await shardStore.get(master, key), servedBy: master.name };
    if (isHot && mitigation === 'router-cache') this.hotKeys.remember(key, read.value);
    return read;
  }

  /**
   * An eventual read on the replica, with its role and offset from the same transaction and the master's
   * offset asked at the same time, so the lag reported is the lag of this read. Undefined when the node is
   * not serving as this shard's replica (down, loading, or calling itself a master): the master answers.
   */
  private async readOnReplica(
    shard: Shard,
    replica: string,
    key: string,
  ): Promise<{ value: string | null; servedBy: string; lag: ReadLag } | undefined> {
    const master = this.masterNode(shard);
    const [read, masterOffset] = await Promise.all([
      shardStore.readOnReplica(this.state.node(replica), key).catch(() => undefined),
      shardStore.masterOffset(master).catch(() => undefined),
    ]);
    const masterAddress = `${master.address.host}:${master.address.port}`;
    if (
      !read ||
      !isServingReplica(read.info.report, masterAddress, this.state.pausedReplication.has(shard.id))
    ) {
      return undefined;
    }
    const lag = replicationLag(masterOffset, read.info.offset);
    return {
      value: read.value,
      servedBy: replica,
      lag: {
        bytes: lag.bytes ?? null,
        masterOffset: masterOffset ?? null,
        replicaOffset: read.info.offset ?? null,
        measuredAt: 'read',
        replicaLink: read.info.linkStatus ?? null,
      },
    };
  }

  private sampledLag(shard: Shard): ReadLag {
    const lag = this.lagOf(shard);
    const replicaLink =
      shard.replica === undefined ? undefined : this.state.replication.get(shard.replica)?.linkStatus;
    return {
      bytes: lag.bytes ?? null,
      masterOffset: lag.masterOffset ?? null,
      replicaOffset: lag.replicaOffset ?? null,
      measuredAt: 'sample',
      replicaLink: replicaLink ?? null,
    };
  }

  async delete(key: string, process: string): Promise<{ key: string; shard: string; isDeleted: boolean }> {
    this.hotKeys.forget(key);
    let result: { key: string; shard: string; isDeleted: boolean } | undefined;
    await recorded(this.history, process, 'delete', { key }, async () => {
      result = await this.rebalancer.routed({ kind: 'kv', name: key }, async (shardId) => {
        this.state.countOp(shardId);
        const removed = await shardStore.del(this.masterNode(this.state.shard(shardId)), key);
        return { key, shard: shardId, isDeleted: removed > 0 };
      });
      return { shard: result.shard };
    });
    return result as { key: string; shard: string; isDeleted: boolean };
  }

  // ---- where keys live -------------------------------------------------

  locateKey(key: string) {
    const location = locate(this.state.map.ring, key);
    const shard = this.state.shard(location.owner);
    const transition = this.rebalancer.transition();
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
      rebalancing: transition ?? null,
    };
  }

  ring() {
    const { ring } = this.state.map;
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

  ringEvent(): ShardingEvents['ring:changed'] {
    return ringEvent(this.state.map.ring);
  }

  /** What-if figures for exercises 1 and 2 over synthetic keys; the live ring is not changed. */
  balanceReport(virtualNodes: number, sampleKeys: number) {
    const active = this.state.map.ring.nodes;
    const standby = nextStandby(this.state.map)?.id ?? `shard-${active.length + 1}`;
    return whatIfReport(active, standby, { virtualNodes, sampleKeys });
  }

  shards(): ShardStatus[] {
    const transition = this.rebalancer.transition();
    return this.state.map.shards.map((shard) => {
      const lag = this.lagOf(shard);
      const stateOf = (): ShardStatus['state'] => {
        if (transition?.shard === shard.id) return transition.kind === 'add' ? 'joining' : 'draining';
        return shard.isActive ? 'active' : 'standby';
      };
      return {
        id: shard.id,
        state: stateOf(),
        master: this.nodeStatus(shard.master, 'master'),
        replica: shard.replica === undefined ? undefined : this.nodeStatus(shard.replica, 'replica'),
        keys: this.state.keysPerShard.get(shard.id),
        opsPerSecond: Math.round(this.state.opsPerSecond.get(shard.id) ?? 0),
        lagBytes: lag.bytes,
        isReplicationPaused: this.state.pausedReplication.has(shard.id),
      };
    });
  }

  private nodeStatus(name: string, role: 'master' | 'replica'): NodeStatus {
    const health = this.state.healthOf(name);
    const info = this.state.replication.get(name);
    return {
      name,
      role,
      isAlive: health.isAlive,
      missedPings: health.missedPings,
      offset: info?.offset,
      linkStatus: info?.linkStatus,
    };
  }

  private lagOf(shard: Shard) {
    const master = this.state.replication.get(shard.master);
    const replica = shard.replica === undefined ? undefined : this.state.replication.get(shard.replica);
    return replicationLag(master?.offset, replica?.offset);
  }

  private masterNode(shard: Shard): RedisNode {
    return this.state.node(shard.master);
  }

  // ---- scaling ---------------------------------------------------------

  addShard(): RebalanceView {
    const view = this.rebalancer.startAdd('api');
    this.emit('ring:changed', this.ringEvent());
    return view;
  }

  drainShard(id: string): RebalanceView {
    return this.rebalancer.startDrain(id);
  }

  setAutoscale(settings: Partial<AutoscaleSettings>): void {
    this.autoscale = { ...this.autoscale, ...settings };
    this.autoscaleBreachTicks = 0;
  }

  autoscaleView() {
    return {
      ...this.autoscale,
      breachTicks: this.autoscaleBreachTicks,
      lastDecision: this.lastAutoscale ?? null,
      standby: nextStandby(this.state.map)?.id ?? null,
    };
  }

  setMitigation(mitigation: Mitigation): void {
    this.hotKeys.setMitigation(mitigation);
  }

  /** After each monitor sample: decay the hot-key counts, evaluate autoscaling, refresh the live view. */
  private afterSample(): Promise<void> {
    const now = this.now();
    if (now - this.lastDecayAt >= this.config.hotKeys.decayMs) {
      this.hotKeys.decay();
      this.lastDecayAt = now;
    }
    const loads = this.state.map.shards
      .filter((s) => s.isActive)
      .map((s) => ({
        shard: s.id,
        keys: this.state.keysPerShard.get(s.id) ?? 0,
        opsPerSecond: this.state.opsPerSecond.get(s.id) ?? 0,
      }));
    const decision = decideAutoscale(this.autoscale, loads, {
      breachTicks: this.autoscaleBreachTicks,
      hasStandby: nextStandby(this.state.map) !== undefined,
      isRebalancing: this.rebalancer.isRunning,
    });
    this.autoscaleBreachTicks = decision.breachTicks;
    this.lastAutoscale = decision;
    if (decision.kind === 'scale-out') {
      const view = this.rebalancer.startAdd('autoscale');
      this.emit('autoscale:triggered', { shard: view.shard, reason: decision.reason });
      this.emit('ring:changed', this.ringEvent());
    }
    this.emit('shards:status', { shards: this.shards() });
    const report = this.hotKeys.report();
    this.emit('hotkeys:updated', { top: report.top, mitigation: report.mitigation });
    return Promise.resolve();
  }

  // ---- check -----------------------------------------------------------

  /**
   * GET /check: strong-reads every key whose last recorded operation was an
   * acknowledged write, and scans every master to see where each key sits.
   */
  async check(): Promise<CheckVerdict> {
    const expected = expectedValues(this.history.entries());
    const current = new Map<string, string | null>();
    for (const e of expected) {
      current.set(
        e.key,
        await this.rebalancer.routed({ kind: 'kv', name: e.key }, (shardId) =>
          shardStore.get(this.masterNode(this.state.shard(shardId)), e.key),
        ),
      );
    }
    const placements: Placement[] = [];
    if (!this.rebalancer.isRunning) {
      const foundOn = new Map<string, string[]>();
      for (const shard of this.state.map.shards) {
        for (const routing of await shardStore.scanRoutingKeys(this.masterNode(shard))) {
          const id = `${routing.kind}:${routing.name}`;
          foundOn.set(id, [...(foundOn.get(id) ?? []), shard.id]);
        }
      }
      for (const [id, shards] of foundOn) {
        const name = id.slice(id.indexOf(':') + 1);
        placements.push({ key: id, owner: ownerOf(this.state.map.ring, name), foundOn: shards });
      }
    }
    const verdict = checkSharding(expected, current, placements);
    return this.rebalancer.isRunning
      ? { ...verdict, summary: `${verdict.summary} (A rebalance is running: placement was not judged.)` }
      : verdict;
  }

  stats() {
    return {
      ring: { virtualNodes: this.state.map.ring.virtualNodes, shards: this.state.map.ring.nodes },
      shards: this.shards(),
      failovers: this.state.failovers,
      rejoins: this.state.rejoins,
      rebalance: this.rebalancer.view() ?? null,
      hotKeys: this.hotKeys.report(),
      autoscale: this.autoscaleView(),
      history: { operations: this.history.entries().length, evicted: this.history.evicted },
    };
  }
}
