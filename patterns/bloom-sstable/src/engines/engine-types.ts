import type { CompactionPolicy, WriteStall } from '../domain/compaction-picker.ts';
import type { Entry } from '../domain/entry.ts';
import type { FsyncPolicy } from './lsm/wal-writer.ts';

export interface EngineOptions {
  /** From configuration only, never from a request. */
  readonly dir: string;
  readonly fsync: FsyncPolicy;
  readonly fsyncBatchMs: number;
  readonly memtableBytes: number;
  readonly blockBytes: number;
  readonly bitsPerKey: number;
  readonly targetFileBytes: number;
  readonly policy: CompactionPolicy;
  /** Decoded data blocks kept in memory (2048 when unset); 0 makes every block read go to the file. */
  readonly blockCacheBlocks?: number;
}

/** Null figures: an engine that does not report them (LevelDB), with `unavailable` saying why. */
export interface FlushReport {
  readonly fileNumber: number | null;
  readonly entries: number | null;
  readonly bytesWritten: number | null;
  readonly durationMs: number;
  readonly unavailable?: string;
}

export interface CompactionReport {
  readonly reason: string;
  readonly level: number;
  readonly outputLevel: number;
  readonly inputFiles: number[];
  readonly outputFiles: number[];
  readonly entriesIn: number | null;
  readonly entriesOut: number | null;
  readonly droppedVersions: number | null;
  readonly droppedTombstones: number | null;
  readonly bytesRead: number;
  readonly bytesWritten: number;
  readonly durationMs: number;
  readonly unavailable?: string;
}

export type EngineEvent =
  | { readonly type: 'flush'; readonly report: FlushReport }
  | { readonly type: 'compaction'; readonly report: CompactionReport }
  | { readonly type: 'stall'; readonly state: WriteStall };

export interface RecoveryReport {
  readonly walFiles: number;
  readonly records: number;
  readonly discardedBytes: number;
  readonly stopReasons: string[];
}

export type TraceStep = {
  readonly level: number;
  readonly file: number;
  readonly outcome: 'bloom-negative' | 'bloom-false-positive' | 'found';
};

export interface ReadTrace {
  bloomChecks: number;
  bloomNegatives: number;
  bloomFalsePositives: number;
  sstablesRead: number;
  levels: TraceStep[];
  /** When no Bloom filter was consulted, why (served by a cache or the memtable, no table yet, key outside every table's range); else null. */
  noFilterReason: string | null;
}

/** The one place a read trace is started: the engine fills it as it reads; a cache hit leaves it with its reason. */
export function newReadTrace(noFilterReason: string | null = null): ReadTrace {
  return {
    bloomChecks: 0,
    bloomNegatives: 0,
    bloomFalsePositives: 0,
    sstablesRead: 0,
    levels: [],
    noFilterReason,
  };
}

export interface ReadResult {
  /** The newest visible version (a tombstone means "deleted"), or undefined. */
  readonly entry: Entry | undefined;
  readonly servedFrom: 'memtable' | 'sstable' | undefined;
  /** Null unless the caller asked for it: a read nobody traces builds no trace. */
  readonly trace: ReadTrace | null;
}

/** An `asOf` older than what compaction kept: answering would be a guess. */
export class SnapshotTooOldError extends Error {
  override readonly name = 'SnapshotTooOldError';
  readonly horizonSeq: number;
  constructor(asOf: number, horizonSeq: number) {
    super(
      `asOf=${asOf} is older than the compaction horizon ${horizonSeq}; pin a snapshot (POST /snapshots) before compacting`,
    );
    this.horizonSeq = horizonSeq;
  }
}
