import { History, recorded } from '@kvs-lab/shared/history';
import type { CheckVerdict } from '@kvs-lab/shared/history';
import { defaultRequestTimeoutMs, isAppError } from '@kvs-lab/shared/service';

import type { PageQuery } from './domain/item-page.ts';
import { readWhenServed } from './check/read-when-served.ts';
import { checkSharding, expectedValues } from './check/sharding-check.ts';
import type { Durability, KvInput, KvOutput } from './check/sharding-check.ts';
import type { HotKeys, Mitigation } from './hot-keys.ts';
import type { RebalanceView } from './realtime/events.ts';
import type { Consistency, DeleteResult, GetResult, PutResult, ShardStore } from './shard-store.ts';
import { AppError } from './errors.ts';

export type { GetResult, PutResult } from './shard-store.ts';

// What the history keeps of each answer (the checker's view); made once, not per request.
const writeOutput = (result: PutResult): KvOutput => ({
  shard: result.shard,
  isReplicated: result.isReplicated,
});
const readOutput = (result: GetResult): KvOutput => ({ shard: result.shard, value: result.value });
const deleteOutput = (result: DeleteResult): KvOutput => ({ shard: result.shard });
const anyNode = { preferMaster: false } as const;
/** How long GET /check waits for a shard that refuses reads for now: its reads and verdict still fit the request's deadline. */
const checkSettleMs = defaultRequestTimeoutMs - 2_000;

/**
 * The sharding use case, whatever engine spreads the keys: record each operation for /check, watch
 * the access skew (hot keys, with an optional router cache), and ask the engine (the port
 * `ShardStore`) to route, replicate, fail over and rebalance. Autoscaling and the views are beside it
 * (`autoscaler.ts`, `sharding-views.ts`); `app.ts` wires them.
 */
export class ShardingService {
  readonly history = new History<KvInput, KvOutput>({ capacity: 20_000 });
  readonly hotKeys: HotKeys;
  readonly store: ShardStore;
  private readonly onSample: () => void;

  /** `onSample` runs after each monitor round of the engine (decay, autoscaling, the live view). */
  constructor(store: ShardStore, hotKeys: HotKeys, onSample: () => void) {
    this.store = store;
    this.hotKeys = hotKeys;
    this.onSample = onSample;
  }

  start(): Promise<void> {
    return this.store.start(this.onSample);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  // ---- key/value -------------------------------------------------------

  /** Writes to the owner shard's master; with `replica` durability, WAIT says whether the replica has it. */
  put(key: string, value: string, durability: Durability, process: string): Promise<PutResult> {
    this.hotKeys.record(key);
    return recorded(
      this.history,
      process,
      'write',
      { key, value, durability },
      () => this.invalidating(key, this.store.put(key, value, durability)),
      writeOutput,
    );
  }

  /** Eventual reads go to a replica (stale by the replication lag), strong reads to the master. */
  get(key: string, consistency: Consistency, process: string): Promise<GetResult> {
    return recorded(
      this.history,
      process,
      'read',
      { key, consistency },
      () => this.getWithMitigation(key, consistency),
      readOutput,
    );
  }

  delete(key: string, process: string): Promise<DeleteResult> {
    return recorded(
      this.history,
      process,
      'delete',
      { key },
      () => this.invalidating(key, this.store.delete(key)),
      deleteOutput,
    );
  }

  /**
   * A write invalidates the router cache when it starts and again when it ends (acknowledged, failed or
   * unknown): a read that was in flight meanwhile may have read the old value, and must not cache it.
   * The write has started when this runs: `write` is its promise, sent in the same turn.
   */
  private async invalidating<T>(key: string, write: Promise<T>): Promise<T> {
    this.hotKeys.forget(key);
    try {
      return await write;
    } finally {
      this.hotKeys.forget(key);
    }
  }

  /** Not async on the common path (no mitigation for this read): the engine's promise is the answer. */
  private getWithMitigation(key: string, consistency: Consistency): Promise<GetResult> {
    this.hotKeys.record(key);
    const mitigation = this.hotKeys.mitigation;
    const isHot = consistency === 'eventual' && mitigation !== 'off' && this.hotKeys.isHot(key);
    if (!isHot) return this.store.get(key, consistency, anyNode);
    if (mitigation === 'spread-reads') {
      return this.store.get(key, consistency, { preferMaster: this.hotKeys.nextReadOnMaster() });
    }
    return this.getThroughCache(key, consistency);
  }

  private async getThroughCache(key: string, consistency: Consistency): Promise<GetResult> {
    const hit = this.hotKeys.cached(key);
    if (hit) return this.cacheAnswer(key, hit.value);
    // The read that fills the cache: its answer is cached whether the key has a value or is absent, so the
    // next read of a hot key is served from memory even when this one answered 404.
    const ticket = this.hotKeys.beginFill(key);
    try {
      const read = await this.store.get(key, consistency, anyNode);
      this.hotKeys.completeFill(key, ticket, { value: read.value });
      return read;
    } catch (error) {
      const isAbsent = isAppError(error) && error.code === 'KEY_NOT_FOUND';
      this.hotKeys.completeFill(key, ticket, isAbsent ? { value: null } : undefined);
      throw error;
    }
  }

  private cacheAnswer(key: string, value: string | null): GetResult {
    const { shard } = this.store.locate(key);
    if (value === null) {
      throw new AppError('KEY_NOT_FOUND', `No value for ${key} (router cache).`, {
        extras: { key, shard, servedBy: 'router-cache' },
      });
    }
    const lag = {
      bytes: null,
      masterOffset: null,
      replicaOffset: null,
      replicaLink: null,
      stalenessMs: null,
    };
    return {
      key,
      value,
      shard,
      servedBy: 'router-cache',
      consistency: 'eventual',
      replicationLag: { ...lag, measuredAt: 'cache' },
    };
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

  // ---- where keys live, scaling ----------------------------------------

  locateKey(key: string) {
    return this.store.locate(key);
  }

  addShard(): RebalanceView {
    return this.store.addShard('api');
  }

  drainShard(id: string): RebalanceView {
    return this.store.drainShard(id);
  }

  setMitigation(mitigation: Mitigation): void {
    this.hotKeys.setMitigation(mitigation);
  }

  // ---- check -----------------------------------------------------------

  /**
   * GET /check: strong-reads every key whose last recorded operation was an
   * acknowledged write, and asks the engine where each key sits. A shard in the
   * middle of a failover is waited for (up to checkSettleMs for the whole check):
   * a read it refuses for now says nothing about what it holds.
   */
  async check(): Promise<CheckVerdict> {
    const expected = expectedValues(this.history.entries());
    const current = new Map<string, string | null>();
    const settleBy = performance.now() + checkSettleMs;
    for (const e of expected)
      current.set(e.key, await readWhenServed(() => this.store.readStrong(e.key), settleBy));
    const placed = await this.store.placements();
    const verdict = checkSharding(expected, current, 'placements' in placed ? placed.placements : []);
    return 'reason' in placed ? { ...verdict, summary: `${verdict.summary} (${placed.reason})` } : verdict;
  }
}
