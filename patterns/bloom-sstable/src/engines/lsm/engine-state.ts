import type { WriteStall } from '../../domain/compaction-picker.ts';
import type { EngineCounters } from '../../domain/lsm-figures.ts';
import { emptyCounters } from '../../domain/lsm-figures.ts';
import { LruCache } from '../../domain/lru-cache.ts';
import type { Manifest, TableMeta } from '../../domain/manifest.ts';
import { Memtable } from '../../domain/memtable.ts';
import type {
  CompactionReport,
  EngineEvent,
  EngineOptions,
  FlushReport,
  RecoveryReport,
} from '../engine-types.ts';
import { fileNames } from './file-names.ts';
import type { BlockCache } from './sstable-file.ts';
import { SstableReader } from './sstable-file.ts';
import { WalWriter } from './wal-writer.ts';

/** Decoded blocks kept when the options do not say (about 8 MiB of 4 KiB blocks, LevelDB's default cache). */
export const defaultBlockCacheBlocks = 2048;

/** The tables a point read asks, newest data first: rebuilt when the table set changes, not per read. */
export interface ReadOrder {
  /** L0 tables, newest first: they overlap, so each one whose range holds the key is asked. */
  readonly l0: readonly SstableReader[];
  /** L1 and deeper, each sorted by key: at most one table per level holds a key. */
  readonly levels: readonly (readonly SstableReader[])[];
}

/**
 * Everything the engine's parts share: the write path, the read path and
 * the background jobs each change some of it, in one place a reader can
 * see whole. One thread owns it (Node's), so no part needs a lock; what
 * must not interleave is kept within one synchronous stretch.
 */
export class EngineState {
  readonly options: EngineOptions;
  readonly recovery: RecoveryReport;
  readonly counters: EngineCounters = emptyCounters();
  readonly blockCache: BlockCache;
  readonly readers = new Map<number, SstableReader>();
  /** Pinned seqs and how many pins each has. */
  readonly snapshots = new Map<number, number>();
  memtable = new Memtable();
  /** The memtable being flushed; reads still ask it. */
  immutable: Memtable | undefined;
  wal: WalWriter;
  lastSeq: number;
  bitsPerKey: number;
  nextFileNumber: number;
  stall: WriteStall = 'none';
  /** L0's file count in the current manifest: what the write stall is decided by, on every write. */
  l0Tables = 0;
  /** The running flush and compaction, if any (the background jobs set them; a stopped write looks). */
  flushing: Promise<FlushReport> | undefined;
  compacting: Promise<unknown> | undefined;
  isCompactionPaused = false;
  isClosed = false;
  /** A flush or compaction that failed on disk: writes stop (reads go on) rather than pile up in memory. */
  failure: Error | undefined;
  lastCompaction: CompactionReport | undefined;
  /** Off only to measure what the filters save (the benchmark's baseline). */
  useFilters = true;
  /** Chaos: extra latency before each WAL fsync. */
  fsyncDelayMs = 0;
  listener: (event: EngineEvent) => void = () => undefined;
  private currentManifest: Manifest;
  private order: ReadOrder | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    options: EngineOptions,
    manifest: Manifest,
    walNumber: number,
    lastSeq: number,
    recovery: RecoveryReport,
  ) {
    this.options = options;
    this.currentManifest = manifest;
    this.l0Tables = manifest.tables.filter((t) => t.level === 0).length;
    this.lastSeq = lastSeq;
    this.recovery = recovery;
    this.bitsPerKey = options.bitsPerKey;
    this.nextFileNumber = manifest.nextFileNumber;
    this.blockCache = new LruCache(options.blockCacheBlocks ?? defaultBlockCacheBlocks);
    this.wal = this.openWal(walNumber);
    for (const meta of manifest.tables) this.openReader(meta);
  }

  get manifest(): Manifest {
    return this.currentManifest;
  }

  set manifest(manifest: Manifest) {
    this.currentManifest = manifest;
    this.l0Tables = manifest.tables.filter((t) => t.level === 0).length;
    this.order = undefined;
  }

  openWal(number: number): WalWriter {
    return new WalWriter({
      number,
      file: fileNames.wal(this.options.dir, number),
      sizeBytes: 0,
      policy: this.options.fsync,
      batchMs: this.options.fsyncBatchMs,
      extraFsyncDelayMs: () => this.fsyncDelayMs,
    });
  }

  openReader(meta: TableMeta): void {
    this.readers.set(meta.fileNumber, SstableReader.open(this.options.dir, meta, this.blockCache));
    this.order = undefined;
  }

  closeReader(fileNumber: number): void {
    this.readers.get(fileNumber)?.close();
    this.readers.delete(fileNumber);
    this.order = undefined;
  }

  /** The tables of the current manifest that are open, in the order a point read asks them. */
  readOrder(): ReadOrder {
    if (this.order) return this.order;
    const open = (t: TableMeta): SstableReader[] => {
      const reader = this.readers.get(t.fileNumber);
      return reader ? [reader] : [];
    };
    const tables = this.manifest.tables;
    const l0 = tables
      .filter((t) => t.level === 0)
      .sort((a, b) => b.fileNumber - a.fileNumber)
      .flatMap(open);
    const levels = Array.from({ length: Math.max(0, this.options.policy.maxLevels - 1) }, (_, i) =>
      tables
        .filter((t) => t.level === i + 1)
        .sort((a, b) => (a.smallestKey < b.smallestKey ? -1 : a.smallestKey > b.smallestKey ? 1 : 0))
        .flatMap(open),
    );
    this.order = { l0, levels };
    return this.order;
  }

  allocateNumber(): number {
    return this.nextFileNumber++;
  }

  tableOptions(): { blockBytes: number; bitsPerKey: number } {
    return { blockBytes: this.options.blockBytes, bitsPerKey: this.bitsPerKey };
  }

  /** Resolves at the next `notify`: a stopped write waits for a flush or compaction to end. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** The current pins, oldest first. */
  snapshotSeqs(): number[] {
    return [...this.snapshots.keys()].sort((a, b) => a - b);
  }
}
