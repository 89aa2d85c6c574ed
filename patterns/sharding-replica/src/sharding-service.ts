import { History, recorded } from '@kvs-lab/shared/history';
import type { CheckVerdict } from '@kvs-lab/shared/history';

import type { Config } from './config.ts';
import { decideAutoscale } from './domain/autoscale-policy.ts';
import type { AutoscaleDecision, AutoscaleSettings } from './domain/autoscale-policy.ts';
import type { PageQuery } from './domain/item-page.ts';
import { whatIfReport } from './domain/rebalance-plan.ts';
import { checkSharding, expectedValues } from './check/sharding-check.ts';
import type { Durability, KvInput, KvOutput } from './check/sharding-check.ts';
import { HotKeys } from './hot-keys.ts';
import type { Mitigation } from './hot-keys.ts';
import type { Emit, RebalanceView } from './realtime/events.ts';
import type { Consistency, DeleteResult, GetResult, PutResult, ShardStore } from './shard-store.ts';
import { AppError } from './errors.ts';
import { isAppError } from '@kvs-lab/shared/service';

export type { GetResult, PutResult } from './shard-store.ts';

/**
 * The sharding use case, whatever engine spreads the keys: record each operation for /check, watch
 * the access skew (hot keys, with an optional router cache), scale out when a shard stays over its
 * limits, and ask the engine (the port `ShardStore`) to route, replicate, fail over and rebalance.
 */
export class ShardingService {
  readonly history = new History<KvInput, KvOutput>({ capacity: 20_000 });
  readonly hotKeys: HotKeys;
  autoscale: AutoscaleSettings;
  private autoscaleBreachTicks = 0;
  private lastAutoscale: AutoscaleDecision | undefined;
  private lastDecayAt: number;
  private readonly now: () => number;
  private readonly emit: Emit;
  private readonly config: Config;
  readonly store: ShardStore;

  constructor(config: Config, store: ShardStore, deps: { now: () => number; emit: Emit }) {
    this.config = config;
    this.store = store;
    this.now = deps.now;
    this.emit = deps.emit;
    this.hotKeys = new HotKeys({ ...config.hotKeys, now: deps.now });
    this.autoscale = config.autoscale;
    this.lastDecayAt = deps.now();
  }

  start(): Promise<void> {
    return this.store.start(() => this.afterSample());
  }

  close(): Promise<void> {
    return this.store.close();
  }

  // ---- key/value -------------------------------------------------------

  /** Writes to the owner shard's master; with `replica` durability, WAIT says whether the replica has it. */
  async put(key: string, value: string, durability: Durability, process: string): Promise<PutResult> {
    this.hotKeys.record(key);
    return recorded(
      this.history,
      process,
      'write',
      { key, value, durability },
      () => this.invalidating(key, () => this.store.put(key, value, durability)),
      (result) => ({ shard: result.shard, isReplicated: result.isReplicated }),
    );
  }

  /**
   * A write invalidates the router cache when it starts and again when it ends (acknowledged, failed or
   * unknown): a read that was in flight meanwhile may have read the old value, and must not cache it.
   */
  private async invalidating<T>(key: string, write: () => Promise<T>): Promise<T> {
    this.hotKeys.forget(key);
    try {
      return await write();
    } finally {
      this.hotKeys.forget(key);
    }
  }

  /** Eventual reads go to a replica (stale by the replication lag), strong reads to the master. */
  async get(key: string, consistency: Consistency, process: string): Promise<GetResult> {
    return recorded(
      this.history,
      process,
      'read',
      { key, consistency },
      () => this.getWithMitigation(key, consistency),
      (result) => ({ shard: result.shard, value: result.value }),
    );
  }

  private async getWithMitigation(key: string, consistency: Consistency): Promise<GetResult> {
    this.hotKeys.record(key);
    const mitigation = this.hotKeys.mitigation;
    const isHot = consistency === 'eventual' && mitigation !== 'off' && this.hotKeys.isHot(key);
    if (isHot && mitigation === 'router-cache') {
      const hit = this.hotKeys.cached(key);
      if (hit) {
        const { shard } = this.store.locate(key);
        if (hit.value === null) {
          throw new AppError('KEY_NOT_FOUND', `No value for ${key} (router cache).`, {
            extras: { key, shard, servedBy: 'router-cache' },
          });
        }
        const lag = { bytes: null, masterOffset: null, replicaOffset: null, replicaLink: null };
        return {
          key,
          value: hit.value,
          shard,
          servedBy: 'router-cache',
          consistency,
          replicationLag: { ...lag, measuredAt: 'cache' },
        };
      }
    }
    const preferMaster = isHot && mitigation === 'spread-reads' && this.hotKeys.nextReadOnMaster();
    if (!(isHot && mitigation === 'router-cache')) return this.store.get(key, consistency, { preferMaster });
    // The read that fills the cache: its answer is cached whether the key has a value or is absent, so the
    // next read of a hot key is served from memory even when this one answered 404.
    const ticket = this.hotKeys.beginFill(key);
    try {
      const read = await this.store.get(key, consistency, { preferMaster });
      this.hotKeys.completeFill(key, ticket, { value: read.value });
      return read;
    } catch (error) {
      const isAbsent = isAppError(error) && error.code === 'KEY_NOT_FOUND';
      this.hotKeys.completeFill(key, ticket, isAbsent ? { value: null } : undefined);
      throw error;
    }
  }

  async delete(key: string, process: string): Promise<DeleteResult> {
    return recorded(
      this.history,
      process,
      'delete',
      { key },
      () => this.invalidating(key, () => this.store.delete(key)),
      (result) => ({ shard: result.shard }),
    );
  }

  putItem(pk: string, sk: string, value: string) {
    return this.store.putItem(pk, sk, value);
  }

  getItem(pk: string, sk: string) {
    return this.store.getItem(pk, sk);
  }

  deleteItem(pk: string, sk: string) {
    return this.store.deleteItem(pk, sk);
  }

  queryItems(pk: string, query: PageQuery) {
    return this.store.queryItems(pk, query);
  }

  // ---- where keys live -------------------------------------------------

  locateKey(key: string) {
    return this.store.locate(key);
  }

  /** What-if figures for exercises 1 and 2 over synthetic keys; the live ring is not changed. */
  balanceReport(virtualNodes: number, sampleKeys: number) {
    const active = this.store
      .shards()
      .filter((s) => s.state !== 'standby' && s.state !== 'joining')
      .map((s) => s.id);
    const standby = this.store.standby() ?? `shard-${active.length + 1}`;
    return whatIfReport(active, standby, { virtualNodes, sampleKeys });
  }

  // ---- scaling ---------------------------------------------------------

  addShard(): RebalanceView {
    return this.store.addShard('api');
  }

  drainShard(id: string): RebalanceView {
    return this.store.drainShard(id);
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
      standby: this.store.standby(),
    };
  }

  setMitigation(mitigation: Mitigation): void {
    this.hotKeys.setMitigation(mitigation);
  }

  /** After each monitor sample: decay the hot-key counts, evaluate autoscaling, refresh the live view. */
  private afterSample(): void {
    const now = this.now();
    if (now - this.lastDecayAt >= this.config.hotKeys.decayMs) {
      this.hotKeys.decay();
      this.lastDecayAt = now;
    }
    const decision = decideAutoscale(this.autoscale, this.store.loads(), {
      breachTicks: this.autoscaleBreachTicks,
      hasStandby: this.store.standby() !== null,
      isRebalancing: this.store.isRebalancing,
    });
    this.autoscaleBreachTicks = decision.breachTicks;
    this.lastAutoscale = decision;
    if (decision.kind === 'scale-out') {
      const view = this.store.addShard('autoscale');
      this.emit('autoscale:triggered', { shard: view.shard, reason: decision.reason });
    }
    this.emit('shards:status', { shards: this.store.shards() });
    const report = this.hotKeys.report();
    this.emit('hotkeys:updated', { top: report.top, mitigation: report.mitigation });
  }

  // ---- check -----------------------------------------------------------

  /**
   * GET /check: strong-reads every key whose last recorded operation was an
   * acknowledged write, and asks the engine where each key sits.
   */
  async check(): Promise<CheckVerdict> {
    const expected = expectedValues(this.history.entries());
    const current = new Map<string, string | null>();
    for (const e of expected) current.set(e.key, await this.store.readStrong(e.key));
    const placed = await this.store.placements();
    const verdict = checkSharding(expected, current, 'placements' in placed ? placed.placements : []);
    return 'reason' in placed ? { ...verdict, summary: `${verdict.summary} (${placed.reason})` } : verdict;
  }

  stats() {
    return {
      engine: this.store.engine,
      ring: {
        virtualNodes: this.store.ringEvent().virtualNodes,
        shards: this.store.loads().map((l) => l.shard),
      },
      shards: this.store.shards(),
      failovers: this.store.failovers(),
      rejoins: this.store.rejoins(),
      rebalance: this.store.rebalance() ?? null,
      hotKeys: this.hotKeys.report(),
      autoscale: this.autoscaleView(),
      history: { operations: this.history.entries().length, evicted: this.history.evicted },
    };
  }
}
