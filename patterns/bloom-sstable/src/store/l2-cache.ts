import { LuaScript, replyCodes } from '@kvs-lab/shared/redis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { keys } from './keys.ts';

// Sent by SHA: the body crosses the wire once per Redis start, not with every cached write.
// Its two answers, as in the script's header: a refill that lost to a newer version is not an error.
const setIfNewer = new LuaScript(
  new URL('./lua/set-if-newer.lua', import.meta.url),
  replyCodes('set-if-newer', { 1: 'stored', 0: 'newer-cached' }),
);
type SetIfNewerReply = 'stored' | 'newer-cached';

/** One cached version: a tombstone is cached too, so a cached read can say "deleted". */
export interface CachedVersion {
  readonly seq: number;
  readonly isDeleted: boolean;
  readonly value: string;
}

/**
 * The L2 cache in Redis (`lsm-cache`), shared by every instance. Writes go
 * through it with their seq (set-if-newer), so invalidation and refill can
 * race without a stale version winning. When a write cannot reach Redis the
 * epoch moves on: entries written under the old epoch may be stale, and are
 * never read again (they expire by TTL).
 */
export class L2Cache {
  private readonly node: RedisNode;
  private readonly ttlSeconds: number;
  private readonly baseEpoch: string;
  private generation = 0;
  readonly counters = { hits: 0, misses: 0, errors: 0, epochChanges: 0 };

  constructor(node: RedisNode, options: { ttlSeconds: number; epoch: string }) {
    this.node = node;
    this.ttlSeconds = options.ttlSeconds;
    this.baseEpoch = options.epoch;
  }

  get epoch(): string {
    return `${this.baseEpoch}.${this.generation}`;
  }

  get nodeName(): string {
    return this.node.name;
  }

  /** A cached version, or undefined on a miss or when Redis cannot answer (the store works without L2). */
  async get(key: string): Promise<CachedVersion | undefined> {
    try {
      const hash = await this.node.run((c) => c.hgetallBuffer(keys.cacheEntry(this.epoch, key)));
      if (hash.seq === undefined) {
        this.counters.misses += 1;
        return undefined;
      }
      this.counters.hits += 1;
      return {
        seq: Number(hash.seq.toString()),
        isDeleted: hash.deleted?.toString() === '1',
        // Bytes back as a byte string: one char per byte, whatever they are.
        value: hash.value?.toString('latin1') ?? '',
      };
    } catch {
      this.counters.errors += 1;
      return undefined;
    }
  }

  /** Refill after a miss: best effort, set-if-newer keeps it from overwriting a newer write. */
  async fill(key: string, version: CachedVersion): Promise<void> {
    try {
      await this.store(key, version);
    } catch {
      this.counters.errors += 1;
    }
  }

  /** A write's invalidation. If Redis may not have it, move to a new epoch so nothing stale is read. */
  async invalidate(key: string, version: CachedVersion): Promise<void> {
    try {
      await this.store(key, version);
    } catch {
      this.counters.errors += 1;
      this.generation += 1;
      this.counters.epochChanges += 1;
    }
  }

  private store(key: string, version: CachedVersion): Promise<SetIfNewerReply> {
    const entry = keys.cacheEntry(this.epoch, key);
    return this.node.run((c) =>
      setIfNewer.run(
        c,
        [entry],
        [
          String(version.seq),
          version.isDeleted ? '1' : '0',
          Buffer.from(version.value, 'latin1'),
          String(this.ttlSeconds),
        ],
      ),
    );
  }
}
