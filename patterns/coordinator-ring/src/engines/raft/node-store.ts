import type { ChainableCommander } from 'ioredis';
import type { RedisNode } from '@kvs-lab/shared/redis';
import type { ElectionState } from '../../domain/election.ts';
import type { LogEntry } from '../../domain/replicated-log.ts';
import type { StoredVersion } from '../ring-engine.ts';
import { keys } from './keys.ts';

/** Entries per LRANGE at start-up: at most 128 × 4 KiB values, about half a MiB per reply. */
const logChunkEntries = 128;

/**
 * A node's durable state in its own Redis (AOF): election promises, the log,
 * and the applied key-value state. Each method is one round trip, and each
 * multi-key change is one MULTI, so a crash leaves no half-written step.
 */
export class NodeStore {
  private readonly redis: RedisNode;
  private readonly nodeId: string;

  constructor(redis: RedisNode, nodeId: string) {
    this.redis = redis;
    this.nodeId = nodeId;
  }

  async loadElection(): Promise<ElectionState> {
    const raw = await this.redis.run((c) => c.hgetall(keys.election(this.nodeId)));
    const term = Number(raw.currentTerm ?? 0);
    return {
      currentTerm: Number.isSafeInteger(term) && term >= 0 ? term : 0,
      votedFor: raw.votedFor ? raw.votedFor : null,
    };
  }

  /** Must complete before the node answers a vote or acts in the new term. */
  async saveElection(state: ElectionState): Promise<void> {
    await this.redis.run((c) =>
      c.hset(keys.election(this.nodeId), {
        currentTerm: String(state.currentTerm),
        votedFor: state.votedFor ?? '',
      }),
    );
  }

  /**
   * Reads the log in chunks of `chunkEntries`: one `LRANGE 0 -1` of a long log is a reply too big for the
   * command timeout (and for the client output buffer), and the node would never start.
   */
  async loadLog(chunkEntries = logChunkEntries): Promise<LogEntry[]> {
    const key = keys.log(this.nodeId);
    const log: LogEntry[] = [];
    for (;;) {
      const start = log.length;
      const raw = await this.redis.run((c) => c.lrange(key, start, start + chunkEntries - 1));
      for (const line of raw) log.push(JSON.parse(line) as LogEntry);
      if (raw.length < chunkEntries) return log;
    }
  }

  /**
   * Keeps the first `keep` list entries (or all, when null: a conflicting suffix goes) and appends
   * `entries`, atomically. Positions count from the snapshot, not from index 1. `applying`, committed
   * entries the log holds once this append is done, are applied in the same MULTI (see `apply`).
   */
  async appendLog(
    keep: number | null,
    entries: readonly LogEntry[],
    applying: readonly LogEntry[] = [],
  ): Promise<void> {
    if (keep === null && entries.length === 0 && applying.length === 0) return;
    const key = keys.log(this.nodeId);
    const lines = entries.map((e) => JSON.stringify(e));
    if (keep === null && applying.length === 0) {
      // A plain append is one command, atomic on its own: no MULTI needed.
      await this.redis.run((c) => c.rpush(key, ...lines));
      return;
    }
    await this.redis.run(async (c) => {
      const tx = c.multi();
      if (keep !== null && keep <= 0) tx.del(key);
      else if (keep !== null) tx.ltrim(key, 0, keep - 1);
      if (lines.length > 0) tx.rpush(key, ...lines);
      this.queueApply(tx, applying);
      const results = await tx.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw new Error(`log append failed: ${String(failed?.[0] ?? 'aborted')}`);
    });
  }

  /** Keeps only the first `length` entries (repair after an append whose outcome is unknown). */
  async truncateLog(length: number): Promise<void> {
    const key = keys.log(this.nodeId);
    await this.redis.run(async (c) => {
      if (length === 0) await c.del(key);
      else await c.ltrim(key, 0, length - 1);
    });
  }

  async loadApplied(): Promise<number> {
    const raw = await this.redis.run((c) => c.get(keys.applied(this.nodeId)));
    return raw === null ? 0 : Number(raw);
  }

  /** Applies committed entries in order and records the last applied index, in one MULTI. */
  async apply(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.redis.run(async (c) => {
      const tx = c.multi();
      this.queueApply(tx, entries);
      const results = await tx.exec();
      if (!results || results.some(([error]) => error)) throw new Error('apply failed');
    });
  }

  /**
   * Queues the apply of `entries` on a MULTI: only a key's last version in the batch is written (the
   * earlier ones would be overwritten in the same MULTI anyway), all with one HSET, and the last
   * applied index beside them.
   */
  private queueApply(tx: ChainableCommander, entries: readonly LogEntry[]): void {
    const last = entries[entries.length - 1];
    if (!last) return;
    const versions = new Map<string, string>();
    for (const { index, term, command } of entries) {
      if (command.type === 'noop') continue;
      const version: StoredVersion = {
        value: command.type === 'put' ? command.value : null,
        clock: command.clock,
        term,
        index,
      };
      versions.set(command.key, JSON.stringify(version));
    }
    if (versions.size > 0) tx.hset(keys.data(this.nodeId), versions);
    tx.set(keys.applied(this.nodeId), String(last.index));
  }

  /** The applied versions of `names` (a write's parent when the log no longer holds the key's last entry). */
  async readMany(names: readonly string[]): Promise<(StoredVersion | undefined)[]> {
    if (names.length === 0) return [];
    const raw = await this.redis.run((c) => c.hmget(keys.data(this.nodeId), ...names));
    return raw.map((r) => (r === null ? undefined : (JSON.parse(r) as StoredVersion)));
  }

  async read(key: string): Promise<StoredVersion | undefined> {
    const raw = await this.redis.run((c) => c.hget(keys.data(this.nodeId), key));
    return raw === null ? undefined : (JSON.parse(raw) as StoredVersion);
  }

  async logLength(): Promise<number> {
    return this.redis.run((c) => c.llen(keys.log(this.nodeId)));
  }

  async keyCount(): Promise<number> {
    return this.redis.run((c) => c.hlen(keys.data(this.nodeId)));
  }
}
