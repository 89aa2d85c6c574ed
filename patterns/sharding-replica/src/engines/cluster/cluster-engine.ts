import { readFileSync } from 'node:fs';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';

import type { ReadinessCheck } from '@kvs-lab/shared/service';
import type { Config } from '../../config.ts';
import { hashSlot, hashTagOf, slotCount } from '../../domain/hash-slot.ts';
import { lexBounds, pageOf } from '../../domain/item-page.ts';
import type { PageQuery } from '../../domain/item-page.ts';
import { parseInfo, replicationLag } from '../../domain/replication-lag.ts';
import type { Durability, Placement } from '../../check/sharding-check.ts';
import { shardsFromNodeNames } from '../../domain/shard-map.ts';
import { rangeOfSlot, slotsPerMaster } from '../../domain/slot-map.ts';
import type {
  FailoverEvent,
  NodeStatus,
  RebalanceView,
  ShardStatus,
  ShardingEvents,
} from '../../realtime/events.ts';
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
import { SlotMigrator } from './slot-migrator.ts';
import { SlotRouter, addressOf } from './slot-router.ts';
import { AppError } from '../../errors.ts';

const queryItemsSource = readFileSync(new URL('../../store/lua/query-items.lua', import.meta.url), 'utf8');
// Both keys of a partition carry the hash tag {pk}: one slot, so one script may touch both.
const putItemSource =
  "redis.call('ZADD', KEYS[1], 0, ARGV[1]); return redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])";
const deleteItemSource = "redis.call('HDEL', KEYS[2], ARGV[1]); return redis.call('ZREM', KEYS[1], ARGV[1])";
const ringPositions = 2 ** 32;

interface Pair {
  readonly id: string;
  readonly names: readonly string[];
}

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
  private readonly pairs: readonly Pair[];
  private readonly nodes: ReadonlyMap<string, RedisNode>;
  private readonly info = new Map<string, Record<string, string> | undefined>();
  private readonly keysOf = new Map<string, number>();
  private readonly ops = new Map<string, number>();
  private opsPerSecond = new Map<string, number>();
  private readonly masterOf = new Map<string, string>();
  private readonly unreachableSince = new Map<string, number>();
  private readonly failoverLog: FailoverEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastSampleAt: number;
  private onSample: () => void = () => undefined;
  private readonly config: Config;
  private readonly deps: EngineDeps;

  constructor(config: Config, nodes: readonly RedisNode[], deps: EngineDeps) {
    this.config = config;
    this.deps = deps;
    this.lastSampleAt = deps.now();
    this.pairs = shardsFromNodeNames(nodes.map((n) => n.name)).map((p) => ({
      id: p.id,
      names: p.replica === undefined ? [p.master] : [p.master, p.replica],
    }));
    if (this.pairs.length === 0) throw new Error('REDIS_NODES names no shard-N-master node');
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.router = new SlotRouter(nodes, config.waitTimeoutMs + 2_000);
    this.migrator = new SlotMigrator(this.router, { ...deps, nameAt: (address) => this.traceName(address) });
    this.router.onRedirect = ({ kind, by, to, slot }) =>
      deps.trace([
        { from: this.traceName(by), to: routerNode, kind, detail: { slot, redirectTo: this.traceName(to) } },
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
    const shard = this.countOp(address);
    this.traceRouted('put', address, { key, shard, durability });
    if (replicasAcked !== null) {
      const detail = { key, replicasAcked, timeoutMs: this.config.waitTimeoutMs };
      this.deps.trace([{ from: this.traceName(address), to: routerNode, kind: 'wait-acks', detail }]);
    }
    return {
      key,
      shard,
      master: this.nameAt(address),
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
    const shard = this.countOp(address);
    const servedBy = this.nameAt(address);
    this.traceRouted('get', address, { key, shard, consistency });
    if (reply === null) {
      throw new AppError('KEY_NOT_FOUND', `No value for ${key} on ${servedBy}.`, {
        extras: { key, shard, servedBy },
      });
    }
    const lag = this.lagOfShard(shard);
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
        replicaLink: this.replicaOf(shard)?.master_link_status ?? null,
      },
    };
  }

  async delete(key: string): Promise<DeleteResult> {
    const redisKey = keys.kv(key);
    const { reply, address } = await this.router.send<number>(redisKey, 'master', (p) => p.del(redisKey));
    const shard = this.countOp(address);
    this.traceRouted('delete', address, { key, shard });
    return { key, shard, isDeleted: reply > 0 };
  }

  // ---- items: one partition, one hash tag, one slot ----------------------

  private itemKeys(pk: string): [string, string] {
    return this.config.isItemHashTagged
      ? [keys.clusterItemIndex(pk), keys.clusterItemValues(pk)]
      : [keys.untaggedItemIndex(pk), keys.untaggedItemValues(pk)];
  }

  async putItem(pk: string, sk: string, value: string) {
    const [index, values] = this.itemKeys(pk);
    const { address } = await this.router.send(index, 'master', (p) =>
      p.eval(putItemSource, 2, index, values, sk, value),
    );
    return { pk, sk, shard: this.countOp(address) };
  }

  async getItem(pk: string, sk: string) {
    const [, values] = this.itemKeys(pk);
    const { reply, address } = await this.router.send<string | null>(values, 'master', (p) =>
      p.hget(values, sk),
    );
    const shard = this.countOp(address);
    if (reply === null)
      throw new AppError('ITEM_NOT_FOUND', `No item ${pk}/${sk}.`, { extras: { pk, sk, shard } });
    return { pk, sk, value: reply, shard };
  }

  async deleteItem(pk: string, sk: string) {
    const [index, values] = this.itemKeys(pk);
    const { reply, address } = await this.router.send<number>(index, 'master', (p) =>
      p.eval(deleteItemSource, 2, index, values, sk),
    );
    return { pk, sk, shard: this.countOp(address), isDeleted: reply > 0 };
  }

  async queryItems(pk: string, query: PageQuery): Promise<ItemPage> {
    const [index, values] = this.itemKeys(pk);
    const bounds = lexBounds(query);
    const { reply, address } = await this.router.send<string[]>(index, 'master', (p) =>
      p.eval(queryItemsSource, 2, index, values, query.order, bounds.min, bounds.max, query.limit + 1),
    );
    const fetched: { sk: string; value: string }[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2)
      fetched.push({ sk: reply[i] as string, value: reply[i + 1] as string });
    const page = pageOf(
      fetched.map((f) => f.sk),
      query.limit,
    );
    return {
      pk,
      shard: this.countOp(address),
      items: fetched.slice(0, page.sortKeys.length),
      nextStartAfter: page.nextStartAfter ?? null,
    };
  }

  // ---- where keys live -------------------------------------------------

  locate(key: string): Location {
    const redisKey = keys.kv(key);
    const slot = hashSlot(redisKey);
    const range = rangeOfSlot(this.router.ranges, slot);
    const tag = new TextDecoder().decode(hashTagOf(new TextEncoder().encode(redisKey)));
    const master = range ? this.nameAt(range.master) : null;
    return {
      key,
      redisKey,
      slot,
      hashTag: tag === redisKey ? null : tag,
      slotRange: range ? { start: range.start, end: range.end } : null,
      shard: master ? this.shardOfName(master) : 'none',
      master: master ?? 'none',
      replica: range?.replicas[0] ? this.nameAt(range.replicas[0]) : null,
      rebalancing: this.migrator.isRunning ? { shard: this.migrator.view()?.shard ?? '', kind: 'add' } : null,
    };
  }

  ring() {
    const perMaster = slotsPerMaster(this.router.ranges);
    return {
      virtualNodes: 0,
      shards: this.pairs
        .map((pair) => {
          const ranges = this.router.ranges.filter(
            (r) => this.shardOfName(this.nameAt(r.master)) === pair.id,
          );
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
  ringEvent(): ShardingEvents['ring:changed'] {
    const points = this.router.ranges.map((r) => ({
      shard: this.shardOfName(this.nameAt(r.master)),
      position: Math.floor(((r.end + 1) * ringPositions) / slotCount) - 1,
    }));
    const shares: Record<string, number> = {};
    for (const r of this.router.ranges) {
      const shard = this.shardOfName(this.nameAt(r.master));
      shares[shard] = (shares[shard] ?? 0) + (r.end - r.start + 1) / slotCount;
    }
    return { virtualNodes: 0, points, shares };
  }

  shards(): ShardStatus[] {
    const joining = this.migrator.isRunning ? this.migrator.view()?.shard : undefined;
    const perMaster = slotsPerMaster(this.router.ranges);
    return this.pairs.map((pair) => {
      const master = this.currentMaster(pair);
      const replica = pair.names.find((n) => n !== master);
      const lag = this.lagOfShard(pair.id);
      const node = this.nodes.get(master);
      const hasSlots = node !== undefined && (perMaster[addressOf(node)] ?? 0) > 0;
      return {
        id: pair.id,
        state: joining === pair.id ? 'joining' : hasSlots ? 'active' : 'standby',
        master: this.nodeStatus(master, 'master'),
        replica: replica === undefined ? undefined : this.nodeStatus(replica, 'replica'),
        keys: this.keysOf.get(pair.id),
        opsPerSecond: Math.round(this.opsPerSecond.get(pair.id) ?? 0),
        lagBytes: lag.bytes,
        isReplicationPaused: false,
      };
    });
  }

  /** CLUSTER INFO from the first node that answers: the cluster's own state and epoch. */
  async authority(): Promise<Record<string, unknown>> {
    for (const node of this.nodes.values()) {
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
          redirections: { ...this.router.redirections },
        };
      } catch {
        // Ask the next node.
      }
    }
    return { decidedBy: 'cluster', state: null, reason: 'no cluster node answered' };
  }

  failovers(): readonly FailoverEvent[] {
    return this.failoverLog;
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
    const standby = this.standby();
    if (!standby) throw new AppError('NO_STANDBY_SHARD', 'Every master already serves slots.');
    const pair = this.pairs.find((p) => p.id === standby) as Pair;
    const node = this.nodes.get(this.currentMaster(pair)) as RedisNode;
    const view = this.migrator.start({ shard: standby, address: addressOf(node) }, trigger);
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
    const perMaster = slotsPerMaster(this.router.ranges);
    const spare = this.pairs.find((pair) => {
      const node = this.nodes.get(this.currentMaster(pair));
      return node !== undefined && (perMaster[addressOf(node)] ?? 0) === 0 && this.isMasterNow(pair);
    });
    return spare?.id ?? null;
  }

  // ---- check -----------------------------------------------------------

  async readStrong(key: string): Promise<string | null> {
    const redisKey = keys.kv(key);
    return (await this.router.send<string | null>(redisKey, 'master', (p) => p.get(redisKey))).reply;
  }

  /** Every master's keys (SCAN), each judged against the slot map: one master, the slot's owner. */
  async placements(): Promise<{ placements: Placement[] } | { reason: string }> {
    if (this.migrator.isRunning) return { reason: 'A slot migration is running: placement was not judged.' };
    const foundOn = new Map<string, string[]>();
    for (const master of new Set(this.router.ranges.map((r) => r.master))) {
      const node = this.router.nodeAt(master);
      let cursor = '0';
      do {
        const [next, batch] = await node.run((c) => c.scan(cursor, 'MATCH', keys.kvPattern, 'COUNT', 500));
        cursor = next;
        for (const k of batch) foundOn.set(k, [...(foundOn.get(k) ?? []), this.shardOfName(node.name)]);
      } while (cursor !== '0');
    }
    const placements: Placement[] = [];
    for (const [redisKey, shards] of foundOn) {
      const range = rangeOfSlot(this.router.ranges, hashSlot(redisKey));
      const owner = range ? this.shardOfName(this.nameAt(range.master)) : 'none';
      placements.push({ key: redisKey, owner, foundOn: shards });
    }
    return { placements };
  }

  // ---- watching the cluster ---------------------------------------------

  /** One monitor round: the slot map, each node's INFO replication, key counts, failovers seen. */
  async sample(): Promise<void> {
    const now = this.deps.now();
    try {
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
        if (previous !== undefined && previous !== master)
          this.recordFailover(pair.id, previous, master, now);
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
      this.onSample();
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'cluster sample failed');
    }
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
  private currentMaster(pair: Pair): string {
    const masters = new Set(this.router.ranges.map((r) => r.master));
    const inMap = pair.names.find((n) => {
      const node = this.nodes.get(n);
      return node !== undefined && masters.has(addressOf(node));
    });
    if (inMap) return inMap;
    const byInfo = pair.names.find((n) => this.info.get(n)?.role === 'master');
    return byInfo ?? this.masterOf.get(pair.id) ?? (pair.names[0] as string);
  }

  private isMasterNow(pair: Pair): boolean {
    return this.info.get(this.currentMaster(pair))?.role === 'master';
  }

  private replicaOf(shard: string): Record<string, string> | undefined {
    const pair = this.pairs.find((p) => p.id === shard);
    if (!pair) return undefined;
    const master = this.currentMaster(pair);
    const replica = pair.names.find((n) => n !== master);
    return replica === undefined ? undefined : this.info.get(replica);
  }

  private lagOfShard(shard: string) {
    const pair = this.pairs.find((p) => p.id === shard);
    const master = pair ? this.info.get(this.currentMaster(pair)) : undefined;
    const replica = this.replicaOf(shard);
    const offset = (value: string | undefined) => (value === undefined ? undefined : Number(value));
    return replicationLag(offset(master?.master_repl_offset), offset(replica?.slave_repl_offset));
  }

  private nodeStatus(name: string, role: 'master' | 'replica'): NodeStatus {
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

  private nameAt(address: string): string {
    return this.router.nodeAt(address).name;
  }

  /** A node's name for the trace; an address outside REDIS_NODES stays an address. */
  private traceName(address: string): string {
    try {
      return this.nameAt(address);
    } catch {
      return address;
    }
  }

  /** The cluster's routing seen from the client: the node that answered (after any redirection). */
  private traceRouted(
    kind: 'put' | 'get' | 'delete',
    address: string,
    detail: Record<string, unknown>,
  ): void {
    this.deps.trace([{ from: routerNode, to: this.traceName(address), kind, detail }]);
  }

  private shardOfName(name: string): string {
    return this.pairs.find((p) => p.names.includes(name))?.id ?? name;
  }

  private countOp(address: string): string {
    const shard = this.shardOfName(this.nameAt(address));
    this.ops.set(shard, (this.ops.get(shard) ?? 0) + 1);
    return shard;
  }
}
