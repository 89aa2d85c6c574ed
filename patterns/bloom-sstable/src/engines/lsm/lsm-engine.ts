import type { CompactionPolicy, WriteStall } from '../../domain/compaction-picker.ts';
import type { Entry } from '../../domain/entry.ts';
import type { EngineCounters } from '../../domain/lsm-figures.ts';
import type { TableMeta } from '../../domain/manifest.ts';
import type {
  CompactionReport,
  EngineEvent,
  EngineOptions,
  FlushReport,
  ReadResult,
  RecoveryReport,
} from '../engine-types.ts';
import { BackgroundJobs } from './background-jobs.ts';
import { EngineState } from './engine-state.ts';
import { createSnapshot, pointRead, rangeScan, releaseSnapshot } from './read-path.ts';
import { recoverDataDir } from './recovery.ts';
import { WritePath } from './write-path.ts';

/**
 * The LSM engine: a WAL and a memtable in front, immutable SSTables behind,
 * a manifest that names the live tables, and background flush and
 * compaction. This class is only the front door; the parts share one
 * `EngineState` (engine-state.ts): the write path and its stalls
 * (write-path.ts), the read path, scans and snapshots (read-path.ts), and
 * flush, compaction and manifest edits (background-jobs.ts). What /stats
 * and the live view show is computed from the state in `lsm-views.ts`.
 */
export class LsmEngine {
  /** Read by the views (lsm-views.ts); changed only through the methods below. */
  readonly state: EngineState;
  private readonly writes: WritePath;
  private readonly jobs: BackgroundJobs;

  private constructor(state: EngineState) {
    this.state = state;
    this.jobs = new BackgroundJobs(state, () => {
      this.writes.refreshStall();
      state.notify();
    });
    this.writes = new WritePath(state, () => {
      this.jobs.startFlush().catch(() => undefined);
    });
  }

  /**
   * Opens (or creates) the store in `dir`: reads the manifest, deletes files
   * it does not name (leftovers of a crashed flush or compaction), replays
   * the WALs it has not flushed (dropping a torn tail), writes what they held
   * to a new L0 table, and starts a fresh WAL.
   */
  static async open(options: EngineOptions): Promise<LsmEngine> {
    const { manifest, walNumber, lastSeq, report } = await recoverDataDir(options);
    const engine = new LsmEngine(new EngineState(options, manifest, walNumber, lastSeq, report));
    engine.jobs.scheduleCompaction();
    return engine;
  }

  /** Who hears about flushes, compactions and stalls (the service, for the live view). */
  onEvent(listener: (event: EngineEvent) => void): void {
    this.state.listener = listener;
  }

  /** Off only to measure what the filters save (the benchmark's baseline): reads then open a block in every candidate table. */
  get useFilters(): boolean {
    return this.state.useFilters;
  }

  set useFilters(isOn: boolean) {
    this.state.useFilters = isOn;
  }

  /** Chaos: extra latency before each WAL fsync, to watch group commit and the fsync policy. */
  get fsyncDelayMs(): number {
    return this.state.fsyncDelayMs;
  }

  set fsyncDelayMs(delayMs: number) {
    this.state.fsyncDelayMs = delayMs;
  }

  put(key: string, value: string): Promise<{ seq: number }> {
    return this.writes.write('put', key, value);
  }

  delete(key: string): Promise<{ seq: number }> {
    return this.writes.write('delete', key, '');
  }

  /** Every pair or none, in one WAL record (MSET). */
  putAll(pairs: readonly { key: string; value: string }[]): Promise<{ seqs: number[] }> {
    return this.writes.writeAll(pairs);
  }

  /** A point read at `asOf` (newest by default); with `isTraced`, the result says which filters and blocks it asked. */
  get(key: string, asOf?: number, isTraced = false): ReadResult {
    return pointRead(this.state, key, asOf, isTraced);
  }

  scan(options: { start?: string; end?: string; prefix?: string; limit: number; asOf?: number }): {
    items: Entry[];
    nextStart: string | null;
  } {
    return rangeScan(this.state, options);
  }

  createSnapshot(): number {
    return createSnapshot(this.state);
  }

  releaseSnapshot(seq: number): boolean {
    return releaseSnapshot(this.state, seq);
  }

  flush(): Promise<FlushReport> {
    return this.jobs.flush();
  }

  compactAll(): Promise<CompactionReport | null> {
    return this.jobs.compactAll();
  }

  pauseCompaction(isPaused: boolean): void {
    this.jobs.pauseCompaction(isPaused);
  }

  /** Waits until no flush or compaction is running and no level is over budget (tests, shutdown). */
  idle(): Promise<void> {
    return this.jobs.idle();
  }

  /** Empties the block cache: the next reads decode their blocks from the files again (the cold-cache bench). */
  dropBlockCache(): void {
    this.state.blockCache.clear();
  }

  get compactionPaused(): boolean {
    return this.state.isCompactionPaused;
  }

  get bitsPerKey(): number {
    return this.state.bitsPerKey;
  }

  /** New tables (flushes, compactions) are built with this density; existing ones keep theirs until rewritten. */
  setBitsPerKey(bitsPerKey: number): void {
    this.state.bitsPerKey = bitsPerKey;
  }

  get currentSeq(): number {
    return this.state.lastSeq;
  }

  get horizonSeq(): number {
    return this.state.manifest.horizonSeq;
  }

  get counters(): Readonly<EngineCounters> {
    return this.state.counters;
  }

  get recovery(): RecoveryReport {
    return this.state.recovery;
  }

  get lastCompaction(): CompactionReport | undefined {
    return this.state.lastCompaction;
  }

  /** The compaction triggers and level budgets, for the live view. */
  get compactionPolicy(): CompactionPolicy {
    return this.state.options.policy;
  }

  get writeStall(): WriteStall {
    return this.state.stall;
  }

  tables(): readonly TableMeta[] {
    return this.state.manifest.tables;
  }

  async close(): Promise<void> {
    const s = this.state;
    if (s.isClosed) return;
    s.isClosed = true;
    s.notify();
    await this.jobs.drained();
    await s.wal.close();
    for (const number of [...s.readers.keys()]) s.closeReader(number);
  }
}
