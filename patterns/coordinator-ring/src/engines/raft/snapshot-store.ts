import type { RedisNode } from '@kvs-lab/shared/redis';
import type { RaftLog } from '../../domain/replicated-log.ts';
import { keys } from './keys.ts';

/** Where the log was compacted: the snapshot's position and the terms of the entries it replaced. */
export type SnapshotMeta = Pick<RaftLog, 'snapshotIndex' | 'snapshotTerm' | 'compactedTerms'>;

/**
 * The snapshot side of a node's Redis. The state machine (`data`, with the
 * index it is applied up to) is itself the snapshot: compaction only drops the
 * log entries it covers and notes where. A snapshot for a follower is a frozen
 * COPY of `data` taken in one MULTI with its applied index, read in chunks; a
 * follower stages the chunks and swaps them in with one MULTI.
 */
export class SnapshotStore {
  private readonly redis: RedisNode;
  private readonly nodeId: string;

  constructor(redis: RedisNode, nodeId: string) {
    this.redis = redis;
    this.nodeId = nodeId;
  }

  async load(): Promise<SnapshotMeta> {
    const raw = await this.redis.run((c) => c.hgetall(keys.snapshot(this.nodeId)));
    const index = Number(raw.index ?? 0);
    const term = Number(raw.term ?? 0);
    return {
      snapshotIndex: Number.isSafeInteger(index) && index >= 0 ? index : 0,
      snapshotTerm: Number.isSafeInteger(term) && term >= 0 ? term : 0,
      compactedTerms: raw.terms ? (JSON.parse(raw.terms) as [number, number][]) : [],
    };
  }

  /**
   * After a compaction or an install whose MULTI has an unknown outcome (a
   * timeout): whether it happened, read back from the snapshot position. The
   * MULTI is all or nothing, so the position tells. Retried while Redis is
   * slow: until it answers, the node cannot know where its log starts.
   */
  async tookEffect(meta: SnapshotMeta): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.load()).snapshotIndex === meta.snapshotIndex;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** Drops the first `drop` log entries and records the new snapshot position, atomically. */
  async compact(meta: SnapshotMeta, drop: number): Promise<void> {
    await this.redis.run(async (c) => {
      const results = await c
        .multi()
        .ltrim(keys.log(this.nodeId), drop, -1)
        .hset(keys.snapshot(this.nodeId), metaFields(meta))
        .exec();
      if (!results || results.some(([error]) => error)) throw new Error('compaction failed');
    });
  }

  /** Freezes the state machine for `peer`: a copy of `data` and the index it is applied up to. */
  async freeze(peer: string): Promise<number> {
    const copy = keys.snapshotOutgoing(this.nodeId, peer);
    return this.redis.run(async (c) => {
      const results = await c
        .multi()
        .del(copy)
        .copy(keys.data(this.nodeId), copy)
        .get(keys.applied(this.nodeId))
        .exec();
      if (!results || results.some(([error]) => error)) throw new Error('snapshot freeze failed');
      return Number(results[2]?.[1] ?? 0);
    });
  }

  /** One chunk of the frozen copy: the next cursor ('0' when done) and its (key, version JSON) pairs. */
  async readChunk(peer: string, cursor: string, count: number): Promise<[string, [string, string][]]> {
    const [next, flat] = await this.redis.run((c) =>
      c.hscan(keys.snapshotOutgoing(this.nodeId, peer), cursor, 'COUNT', count),
    );
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? '', flat[i + 1] ?? '']);
    return [next, pairs];
  }

  async dropFrozen(peer: string): Promise<void> {
    await this.redis.run((c) => c.del(keys.snapshotOutgoing(this.nodeId, peer)));
  }

  /** Stores one received chunk; the first one starts the staging hash afresh. */
  async stageChunk(isFirst: boolean, pairs: readonly (readonly [string, string])[]): Promise<void> {
    const staging = keys.snapshotIncoming(this.nodeId);
    await this.redis.run(async (c) => {
      const tx = c.multi();
      if (isFirst) tx.del(staging);
      if (pairs.length > 0) tx.hset(staging, Object.fromEntries(pairs));
      const results = await tx.exec();
      if (!results || results.some(([error]) => error)) throw new Error('snapshot chunk not stored');
    });
  }

  /**
   * Installs the staged snapshot as the state machine, applied up to its
   * index, keeping the log entries after `keepFrom` list positions (null: the
   * whole log goes), all in one MULTI: a crash leaves the old state or the new.
   */
  async install(meta: SnapshotMeta, keepFrom: number | null): Promise<void> {
    const id = this.nodeId;
    await this.redis.run(async (c) => {
      const staged = await c.exists(keys.snapshotIncoming(id));
      const tx = c.multi();
      if (staged) tx.rename(keys.snapshotIncoming(id), keys.data(id));
      else tx.del(keys.data(id));
      tx.set(keys.applied(id), String(meta.snapshotIndex));
      tx.hset(keys.snapshot(id), metaFields(meta));
      if (keepFrom === null) tx.del(keys.log(id));
      else tx.ltrim(keys.log(id), keepFrom, -1);
      const results = await tx.exec();
      if (!results || results.some(([error]) => error)) throw new Error('snapshot install failed');
    });
  }
}

function metaFields(meta: SnapshotMeta): Record<string, string> {
  return {
    index: String(meta.snapshotIndex),
    term: String(meta.snapshotTerm),
    terms: JSON.stringify(meta.compactedTerms),
  };
}
