import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';

import type { ReadinessCheck } from '@kvs-lab/shared/service';
import type { Config } from '../../config.ts';
import { slotCount } from '../../domain/hash-slot.ts';
import type { PageQuery } from '../../domain/item-page.ts';
import type { Durability, Placement } from '../../check/sharding-check.ts';
import { shardsFromNodeNames } from '../../domain/shard-map.ts';
import { slotsPerMaster } from '../../domain/slot-map.ts';
import type { FailoverEvent, RebalanceView, ShardStatus, ShardingEvents } from '../../realtime/events.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { routerNode } from '../../protocol-trace.ts';
import type {
  Consistency,
  DeleteResult,
  GetResult,
  ItemPage,
  Location,
  PutResult,
  ShardStore,
} from '../../shard-store.ts';
import { keys } from '../../store/keys.ts';
import { ClusterItems } from './cluster-items.ts';
import {
  clusterAuthority,
  locateKey,
  placementsOf,
  ringEventOf,
  ringView,
  shardStatuses,
  standbyPair,
} from './cluster-views.ts';
import { ClusterWatch } from './cluster-watch.ts';
import { SlotMigrator } from './slot-migrator.ts';
import { SlotRouter, addressOf } from './slot-router.ts';
import { AppError } from '../../errors.ts';

/**
 * Redis Cluster as the engine: the cluster owns membership (gossip), failure detection (a majority of
 * masters flag a silent master FAIL) and promotion (its replica wins an election); this adapter is a
 * cluster-aware client (slot map, MOVED/ASK) that also drives resharding and watches for failovers.
 * Shards are the `shard-N-master`/`shard-N-replica` pairs of REDIS_NODES; which of the two is master
 * is whatever the cluster says now.
 */
export class ClusterEngine implements ShardStore {
  readonly engine = 'cluster';
  readonly readiness: readonly ReadinessCheck[];
  readonly links: readonly RedisNode[];
  readonly faults = [];
  readonly router: SlotRouter;
  readonly migrator: SlotMigrator;
  /** The engine's one state: slot map, INFO per node, key counts, ops, failovers (`cluster-watch.ts`). */
  readonly watch: ClusterWatch;
  private readonly items: ClusterItems;
  private readonly nodes: ReadonlyMap<string, RedisNode>;
  private timer: NodeJS.Timeout | undefined;
  private onSample: () => void = () => undefined;
  private readonly config: Config;
  private readonly deps: EngineDeps;

  constructor(config: Config, nodes: readonly RedisNode[], deps: EngineDeps) {
    this.config = config;
    this.deps = deps;
    const pairs = shardsFromNodeNames(nodes.map((n) => n.name)).map((p) => ({
      id: p.id,
      names: p.replica === undefined ? [p.master] : [p.master, p.replica],
    }));
    if (pairs.length === 0) throw new Error('REDIS_NODES names no shard-N-master node');
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.router = new SlotRouter(nodes, config.waitTimeoutMs + 2_000);
    this.watch = new ClusterWatch(pairs, nodes, this.router, deps);
    this.items = new ClusterItems(this.watch, config);
    this.migrator = new SlotMigrator(this.router, {
      ...deps,
      nameAt: (address) => this.watch.traceName(address),
    });
    this.router.onRedirect = ({ kind, by, to, slot }) =>
      deps.trace([
        {
          from: this.watch.traceName(by),
          to: routerNode,
          kind,
          detail: { slot, redirectTo: this.watch.traceName(to) },
        },
      ]);
    this.links = nodes;
    this.readiness = [
      {
        name: 'cluster:slots',
        critical: true,
        check: () => {
          const uncovered =
            slotCount - Object.values(slotsPerMaster(this.router.ranges)).reduce((a, b) => a + b, 0);
          if (uncovered > 0) throw new Error(`${uncovered} slots have no master in the client's map`);
          return Promise.resolve();
        },
      },
      ...redisReadinessChecks(nodes, { critical: false }),
    ];
  }

  async start(onSample: () => void): Promise<void> {
    this.onSample = onSample;
    // By default a cluster with one uncovered slot refuses every key: while a dead master's replica is not
    // yet promoted, keys of the other masters would fail too. The lab wants the failure scoped to one
    // shard, as the router's; production chooses per deployment (see README "In production").
    await Promise.all(
      [...this.nodes.values()].map((node) =>
        node.run((c) => c.config('SET', 'cluster-require-full-coverage', 'no')).catch(() => undefined),
      ),
    );
    await this.sample();
    this.timer = setInterval(() => void this.sample(), this.config.monitorIntervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.migrator.settled();
    await this.router.close();
    await Promise.all([...this.nodes.values()].map((n) => n.close()));
  }

  // ---- key/value -------------------------------------------------------

  async put(key: string, value: string, durability: Durability): Promise<PutResult> {
    const redisKey = keys.kv(key);
    const isReplica = durability === 'replica';
    const { reply, address } = await this.router.send<number | string>(
      redisKey,
      'master',
      (p) => {
        p.set(redisKey, value);
        // WAIT counts the replicas that acknowledged this connection's writes: it follows the SET on it.
        if (isReplica) p.wait(1, this.config.waitTimeoutMs);
      },
      { isSlow: isReplica },
    );
    const replicasAcked = isReplica ? Number(reply) : null;
    const shard = this.watch.countOp(address);
    this.traceRouted('put', address, { key, shard, durability });
    if (replicasAcked !== null && this.deps.trace.isTaking()) {
      const detail = { key, replicasAcked, timeoutMs: this.config.waitTimeoutMs };
      this.deps.trace([{ from: this.watch.traceName(address), to: routerNode, kind: 'wait-acks', detail }]);
    }
    return {
      key,
      shard,
      master: this.watch.nameAt(address),
      durability,
      replicasAcked,
      isReplicated: replicasAcked !== null && replicasAcked >= 1,
    };
  }

  /** Eventual reads go to the slot's replica (READONLY), strong reads to its master. */
  async get(key: string, consistency: Consistency, options: { preferMaster: boolean }): Promise<GetResult> {
    const redisKey = keys.kv(key);
    const role = consistency === 'eventual' && !options.preferMaster ? 'replica' : 'master';
    const { reply, address } = await this.router.send<string | null>(redisKey, role, (p) => p.get(redisKey));
    const shard = this.watch.countOp(address);
    const servedBy = this.watch.nameAt(address);
    this.traceRouted('get', address, { key, shard, consistency });
    if (reply === null) {
      throw new AppError('KEY_NOT_FOUND', `No value for ${key} on ${servedBy}.`, {
        extras: { key, shard, servedBy },
      });
    }
    const lag = this.watch.lagOfShard(shard);
    return {
      key,
      value: reply,
      shard,
      servedBy,
      consistency,
      replicationLag: {
        bytes: lag.bytes ?? null,
        masterOffset: lag.masterOffset ?? null,
        replicaOffset: lag.replicaOffset ?? null,
        measuredAt: 'sample',
        replicaLink: this.watch.replicaInfo(shard)?.master_link_status ?? null,
        // A master has every acknowledged write; a cluster replica's staleness has no bound here.
        stalenessMs: role === 'master' ? 0 : null,
      },
    };
  }

  async delete(key: string): Promise<DeleteResult> {
    const redisKey = keys.kv(key);
    const { reply, address } = await this.router.send<number>(redisKey, 'master', (p) => p.del(redisKey));
    const shard = this.watch.countOp(address);
    this.traceRouted('delete', address, { key, shard });
    return { key, shard, isDeleted: reply > 0 };
  }

  // ---- items: one partition, one hash tag, one slot (`cluster-items.ts`) ----

  putItem(pk: string, sk: string, value: string) {
    return this.items.putItem(pk, sk, value);
  }

  getItem(pk: string, sk: string) {
    return this.items.getItem(pk, sk);
  }

  deleteItem(pk: string, sk: string) {
    return this.items.deleteItem(pk, sk);
  }

  queryItems(pk: string, query: PageQuery): Promise<ItemPage> {
    return this.items.queryItems(pk, query);
  }

  // ---- where keys live (`cluster-views.ts`) -----------------------------

  locate(key: string): Location {
    return locateKey(this.watch, this.migrator, key);
  }

  ring() {
    return ringView(this.watch);
  }

  ringEvent(): ShardingEvents['ring:changed'] {
    return ringEventOf(this.watch);
  }

  shards(): ShardStatus[] {
    return shardStatuses(this.watch, this.migrator);
  }

  authority(): Promise<Record<string, unknown>> {
    return clusterAuthority(this.watch);
  }

  failovers(): readonly FailoverEvent[] {
    return this.watch.failoverLog;
  }

  rejoins() {
    // Redis Cluster makes a returning old master a replica of its successor by itself.
    return [];
  }

  loads() {
    return this.shards()
      .filter((s) => s.state === 'active')
      .map((s) => ({ shard: s.id, keys: s.keys ?? 0, opsPerSecond: s.opsPerSecond }));
  }

  // ---- scaling ---------------------------------------------------------

  addShard(trigger: 'api' | 'autoscale'): RebalanceView {
    const pair = standbyPair(this.watch);
    const node = pair && this.nodes.get(this.watch.currentMaster(pair));
    if (!pair || !node) throw new AppError('NO_STANDBY_SHARD', 'Every master already serves slots.');
    const view = this.migrator.start({ shard: pair.id, address: addressOf(node) }, trigger);
    this.deps.emit('rebalance:progress', view);
    return view;
  }

  drainShard(id: string): RebalanceView {
    throw new AppError('ENGINE_UNSUPPORTED', `Draining ${id} is not offered on the cluster engine.`, {
      extras: { engine: this.engine, shard: id },
    });
  }

  rebalance(): RebalanceView | undefined {
    return this.migrator.view();
  }

  get isRebalancing(): boolean {
    return this.migrator.isRunning;
  }

  standby(): string | null {
    return standbyPair(this.watch)?.id ?? null;
  }

  // ---- check -----------------------------------------------------------

  async readStrong(key: string): Promise<string | null> {
    const redisKey = keys.kv(key);
    return (await this.router.send<string | null>(redisKey, 'master', (p) => p.get(redisKey))).reply;
  }

  /** Every master's keys (SCAN), each judged against the slot map: one master, the slot's owner. */
  async placements(): Promise<{ placements: Placement[] } | { reason: string }> {
    if (this.migrator.isRunning) return { reason: 'A slot migration is running: placement was not judged.' };
    return { placements: await placementsOf(this.watch) };
  }

  // ---- watching the cluster (`cluster-watch.ts`) ----------------------

  /** One monitor round, then the caller's hook (autoscaling, the live view). */
  async sample(): Promise<void> {
    try {
      await this.watch.sample();
      this.onSample();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'cluster sample failed');
    }
  }

  /** The cluster's routing seen from the client: the node that answered (after any redirection). */
  private traceRouted(
    kind: 'put' | 'get' | 'delete',
    address: string,
    detail: Record<string, unknown>,
  ): void {
    if (!this.deps.trace.isTaking()) return;
    this.deps.trace([{ from: routerNode, to: this.watch.traceName(address), kind, detail }]);
  }
}
