import { statSync, unlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CompactionPlan, CompactionPolicy, WriteStall } from '../../domain/compaction-picker.ts';
import {
  fullCompactionPlan,
  pickCompaction,
  tablesAt,
  writeStallFor,
} from '../../domain/compaction-picker.ts';
import { entrySizeBytes } from '../../domain/entry.ts';
import type { Entry, EntryKind } from '../../domain/entry.ts';
import type { Amplification, BloomFigures, EngineCounters, LevelFigure } from '../../domain/lsm-figures.ts';
import { amplification, bloomFigures, levelFigures } from '../../domain/lsm-figures.ts';
import { LruCache } from '../../domain/lru-cache.ts';
import { encodeManifest } from '../../domain/manifest.ts';
import type { Manifest, TableMeta } from '../../domain/manifest.ts';
import { Memtable } from '../../domain/memtable.ts';
import {
  compactVersions,
  mergeIterators,
  mergeRuns,
  splitByFileSize,
  visibleIterator,
} from '../../domain/merge.ts';
import { encodeWalRecord } from '../../domain/wal-record.ts';
import { writeFileDurably } from './durable-file.ts';
import type {
  CompactionReport,
  EngineEvent,
  EngineOptions,
  FlushReport,
  ReadResult,
  ReadTrace,
  RecoveryReport,
} from '../engine-types.ts';
import { SnapshotTooOldError } from '../engine-types.ts';
import { fileNames } from './file-names.ts';
import { recoverDataDir } from './recovery.ts';
import { SstableReader, writeSstable } from './sstable-file.ts';
import type { FsyncPolicy } from './wal-writer.ts';
import { WalWriter } from './wal-writer.ts';

const maxSeq = Number.MAX_SAFE_INTEGER;

/**
 * The LSM engine: a WAL and a memtable in front, immutable SSTables behind,
 * a manifest that names the live tables, and background flush and
 * compaction. Writes: WAL append + memtable insert. Reads: memtable,
 * immutable memtable, L0 newest first, then one table per level.
 */
export class LsmEngine {
  private readonly options: EngineOptions;
  private manifest: Manifest;
  private readonly readers = new Map<number, SstableReader>();
  /** Decoded data blocks by `file:offset`; a compacted file's blocks simply age out. */
  private readonly blockCache = new LruCache<Entry[]>(2048);
  private memtable = new Memtable();
  private immutable: Memtable | undefined;
  private wal: WalWriter;
  private lastSeq: number;
  private bitsPerKeySetting: number;
  private flushing: Promise<FlushReport> | undefined;
  private compacting: Promise<unknown> | undefined;
  private manifestChain: Promise<unknown> = Promise.resolve();
  private waiters: (() => void)[] = [];
  private admissionTail: Promise<void> = Promise.resolve();
  private readonly snapshots = new Map<number, number>();
  private isCompactionPaused = false;
  private isClosed = false;
  private stall: WriteStall = 'none';
  private nextFileNumber: number;
  /** A flush or compaction that failed on disk: writes stop (reads go on) rather than pile up in memory. */
  private failure: Error | undefined;
  private listener: (event: EngineEvent) => void = () => undefined;
  readonly recovery: RecoveryReport;
  readonly counters: EngineCounters = {
    userBytes: 0,
    walBytes: 0,
    flushBytes: 0,
    compactionBytesRead: 0,
    compactionBytesWritten: 0,
    flushes: 0,
    compactions: 0,
    gets: 0,
    tablesProbed: 0,
    blocksRead: 0,
    bloomChecks: 0,
    bloomNegatives: 0,
    bloomFalsePositives: 0,
    slowedWrites: 0,
    stoppedWrites: 0,
  };
  lastCompaction: CompactionReport | undefined;

  private constructor(
    options: EngineOptions,
    manifest: Manifest,
    wal: WalWriter,
    lastSeq: number,
    recovery: RecoveryReport,
  ) {
    this.options = options;
    this.manifest = manifest;
    this.wal = wal;
    this.lastSeq = lastSeq;
    this.recovery = recovery;
    this.bitsPerKeySetting = options.bitsPerKey;
    this.nextFileNumber = manifest.nextFileNumber;
  }

  /**
   * Opens (or creates) the store in `dir`: reads the manifest, deletes files
   * it does not name (leftovers of a crashed flush or compaction), replays
   * the WALs it has not flushed (dropping a torn tail), writes what they held
   * to a new L0 table, and starts a fresh WAL.
   */
  static async open(options: EngineOptions): Promise<LsmEngine> {
    const { manifest, walNumber, lastSeq, report } = await recoverDataDir(options);
    const wal = new WalWriter({
      number: walNumber,
      file: fileNames.wal(options.dir, walNumber),
      sizeBytes: 0,
      policy: options.fsync,
      batchMs: options.fsyncBatchMs,
      extraFsyncDelayMs: () => engine.fsyncDelayMs,
    });
    const engine: LsmEngine = new LsmEngine(options, manifest, wal, lastSeq, report);
    for (const meta of manifest.tables)
      engine.readers.set(meta.fileNumber, SstableReader.open(options.dir, meta, engine.blockCache));
    engine.scheduleCompaction();
    return engine;
  }

  /** Who hears about flushes, compactions and stalls (the service, for the live view). */
  onEvent(listener: (event: EngineEvent) => void): void {
    this.listener = listener;
  }

  /** Off only to measure what the filters save (the benchmark's baseline): reads then open a block in every candidate table. */
  useFilters = true;

  /** Chaos: extra latency before each WAL fsync, to watch group commit and the fsync policy. */
  fsyncDelayMs = 0;

  // ---- writes ---------------------------------------------------------

  put(key: string, value: string): Promise<{ seq: number }> {
    return this.write('put', key, value);
  }

  delete(key: string): Promise<{ seq: number }> {
    return this.write('delete', key, '');
  }

  /**
   * WAL append and memtable insert in the same turn (so the record and the
   * memtable generation always match), acknowledged once the record is
   * durable under the fsync policy.
   */
  private async write(kind: EntryKind, key: string, value: string): Promise<{ seq: number }> {
    // Admission is first come, first served, so writes get their seqs in call order even when some wait
    // (a pipelined SET k 1, SET k 2 must leave 2).
    const admitted = this.admissionTail.then(() => this.admit());
    this.admissionTail = admitted.catch(() => undefined);
    await admitted;
    if (this.isClosed) throw new Error('the store is closed');
    const entry: Entry = { key, seq: ++this.lastSeq, kind, value };
    const record = encodeWalRecord(entry);
    const durable = this.wal.append(record);
    this.memtable.add(entry);
    this.counters.userBytes += entrySizeBytes(entry);
    this.counters.walBytes += record.length;
    if (this.memtable.sizeBytes >= this.options.memtableBytes && !this.immutable) {
      this.startFlush().catch(() => undefined);
    }
    await durable;
    return { seq: entry.seq };
  }

  /** Back-pressure: a full memtable waits for its flush; a deep L0 slows each write, then stops them. */
  private async admit(): Promise<void> {
    for (;;) {
      if (this.failure) throw new Error(`the store stopped accepting writes: ${this.failure.message}`);
      const stall = this.refreshStall();
      const isMemtableBlocked =
        this.memtable.sizeBytes >= this.options.memtableBytes && this.immutable !== undefined;
      if (stall === 'stop' || isMemtableBlocked) {
        this.counters.stoppedWrites += 1;
        if (stall === 'stop' && !this.compacting && this.isCompactionPaused) {
          // A stopped write must not wait for a compaction that will never run.
          return;
        }
        await this.changed();
        continue;
      }
      if (stall === 'slowdown') {
        this.counters.slowedWrites += 1;
        await sleep(1);
      }
      return;
    }
  }

  /** The write stall L0's depth calls for now; recomputed on each write and whenever a flush or compaction ends. */
  private refreshStall(): WriteStall {
    const stall = writeStallFor(tablesAt(this.manifest.tables, 0).length, this.options.policy);
    if (stall !== this.stall) {
      this.stall = stall;
      this.listener({ type: 'stall', state: stall });
    }
    return stall;
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  // ---- reads ----------------------------------------------------------

  /** A point read: memtables, then L0 newest first, then the one table per level whose range holds the key. */
  get(key: string, asOf?: number): ReadResult {
    if (asOf !== undefined && asOf < this.manifest.horizonSeq)
      throw new SnapshotTooOldError(asOf, this.manifest.horizonSeq);
    const at = asOf ?? maxSeq;
    const trace: ReadTrace = {
      bloomChecks: 0,
      bloomNegatives: 0,
      bloomFalsePositives: 0,
      sstablesRead: 0,
      levels: [],
      noFilterReason: null,
    };
    this.counters.gets += 1;
    const inMemory = this.memtable.get(key, at) ?? this.immutable?.get(key, at);
    if (inMemory) {
      trace.noFilterReason = 'found in the memtable: no SSTable (and so no Bloom filter) was needed';
      return { entry: inMemory, servedFrom: 'memtable', trace };
    }
    const candidates = this.readOrder(key);
    if (candidates.length === 0) {
      trace.noFilterReason =
        this.manifest.tables.length === 0
          ? 'no SSTable exists yet: every write is still in the memtable (POST /flush writes one)'
          : "the key is outside every SSTable's key range [smallestKey, largestKey], so no filter was asked";
    }
    for (const reader of candidates) {
      trace.bloomChecks += 1;
      this.counters.bloomChecks += 1;
      const probe = reader.probe(key, at, this.useFilters);
      const step = { level: reader.meta.level, file: reader.meta.fileNumber };
      if (probe.outcome === 'bloom-negative') {
        trace.bloomNegatives += 1;
        this.counters.bloomNegatives += 1;
        trace.levels.push({ ...step, outcome: 'bloom-negative' });
        continue;
      }
      trace.sstablesRead += 1;
      this.counters.tablesProbed += 1;
      this.counters.blocksRead += probe.blocksRead;
      if (probe.outcome === 'bloom-false-positive') {
        trace.bloomFalsePositives += 1;
        this.counters.bloomFalsePositives += 1;
        trace.levels.push({ ...step, outcome: 'bloom-false-positive' });
        continue;
      }
      trace.levels.push({ ...step, outcome: 'found' });
      return { entry: probe.entry, servedFrom: 'sstable', trace };
    }
    return { entry: undefined, servedFrom: undefined, trace };
  }

  /** The tables that may hold `key`, newest data first; tables whose key range excludes it are skipped unread. */
  private readOrder(key: string): SstableReader[] {
    const out: SstableReader[] = [];
    const covers = (t: TableMeta) => t.smallestKey <= key && key <= t.largestKey;
    const l0 = tablesAt(this.manifest.tables, 0).sort((a, b) => b.fileNumber - a.fileNumber);
    for (const t of l0) if (covers(t)) this.pushReader(out, t);
    for (let level = 1; level < this.options.policy.maxLevels; level++) {
      const t = tablesAt(this.manifest.tables, level).find(covers);
      if (t) this.pushReader(out, t);
    }
    return out;
  }

  private pushReader(out: SstableReader[], meta: TableMeta): void {
    const reader = this.readers.get(meta.fileNumber);
    if (reader) out.push(reader);
  }

  /** Live keys with start <= key < end (and the prefix), in order, merged across the memtables and every level. */
  scan(options: { start?: string; end?: string; prefix?: string; limit: number; asOf?: number }): {
    items: Entry[];
    nextStart: string | null;
  } {
    if (options.asOf !== undefined && options.asOf < this.manifest.horizonSeq) {
      throw new SnapshotTooOldError(options.asOf, this.manifest.horizonSeq);
    }
    const prefix = options.prefix ?? '';
    const start = [options.start ?? '', prefix].reduce((a, b) => (a > b ? a : b));
    const sources: Iterator<Entry>[] = [this.memtable.iterate(start, options.end)];
    if (this.immutable) sources.push(this.immutable.iterate(start, options.end));
    for (const reader of this.readers.values()) {
      const m = reader.meta;
      if (m.largestKey < start || (options.end !== undefined && m.smallestKey >= options.end)) continue;
      sources.push(reader.iterate(start, options.end));
    }
    // Lazy all the way: the scan stops reading every source once it has limit + 1 live keys.
    const items: Entry[] = [];
    let nextStart: string | null = null;
    for (const e of visibleIterator(mergeIterators(sources), options.asOf ?? maxSeq)) {
      if (!e.key.startsWith(prefix)) break;
      if (items.length === options.limit) {
        nextStart = e.key;
        break;
      }
      items.push(e);
    }
    return { items, nextStart };
  }

  // ---- snapshots --------------------------------------------------------

  /** Pins the current seq: compaction keeps every version a reader at this seq needs until it is released. */
  createSnapshot(): number {
    const seq = this.lastSeq;
    this.snapshots.set(seq, (this.snapshots.get(seq) ?? 0) + 1);
    return seq;
  }

  releaseSnapshot(seq: number): boolean {
    const count = this.snapshots.get(seq);
    if (count === undefined) return false;
    if (count <= 1) this.snapshots.delete(seq);
    else this.snapshots.set(seq, count - 1);
    return true;
  }

  // ---- flush ------------------------------------------------------------

  /** Flushes the memtable now (waiting for a flush already running), and returns what was written. */
  async flush(): Promise<FlushReport> {
    if (this.flushing) await this.flushing;
    if (this.memtable.count === 0) return { fileNumber: null, entries: 0, bytesWritten: 0, durationMs: 0 };
    return this.startFlush();
  }

  /** Freezes the memtable, switches to a new WAL, and writes the frozen one as an L0 table. */
  private startFlush(): Promise<FlushReport> {
    if (this.flushing) return this.flushing;
    const frozen = this.memtable;
    const oldWal = this.wal;
    this.immutable = frozen;
    this.memtable = new Memtable();
    const walNumber = this.allocateNumber();
    this.wal = new WalWriter({
      number: walNumber,
      file: fileNames.wal(this.options.dir, walNumber),
      sizeBytes: 0,
      policy: this.options.fsync,
      batchMs: this.options.fsyncBatchMs,
      extraFsyncDelayMs: () => this.fsyncDelayMs,
    });
    const started = performance.now();
    const tableNumber = this.allocateNumber();
    const flushing = (async (): Promise<FlushReport> => {
      const meta = await writeSstable(
        this.options.dir,
        tableNumber,
        0,
        frozen.entries(),
        this.tableOptions(),
      );
      await oldWal.close();
      await this.editManifest((m) => ({
        ...m,
        logNumber: walNumber,
        lastSeq: Math.max(m.lastSeq, meta.maxSeq),
        tables: [...m.tables, meta],
      }));
      this.readers.set(meta.fileNumber, SstableReader.open(this.options.dir, meta, this.blockCache));
      this.immutable = undefined;
      unlinkSync(oldWal.file);
      this.counters.flushes += 1;
      this.counters.flushBytes += meta.sizeBytes;
      const report: FlushReport = {
        fileNumber: meta.fileNumber,
        entries: meta.entryCount,
        bytesWritten: meta.sizeBytes,
        durationMs: Math.round(performance.now() - started),
      };
      this.listener({ type: 'flush', report });
      return report;
    })();
    this.flushing = flushing;
    flushing
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.flushing = undefined;
        this.refreshStall();
        this.notify();
        this.scheduleCompaction();
      })
      .catch(() => undefined);
    return flushing;
  }

  private allocateNumber(): number {
    return this.nextFileNumber++;
  }

  private tableOptions(): { blockBytes: number; bitsPerKey: number } {
    return { blockBytes: this.options.blockBytes, bitsPerKey: this.bitsPerKeySetting };
  }

  /** Manifest edits run one at a time, each on the latest manifest, each written durably before it counts. */
  private editManifest(edit: (m: Manifest) => Manifest): Promise<void> {
    const next = this.manifestChain.then(async () => {
      // Numbers handed out since the last edit are counted too, so a number is never reused after a restart.
      const updated = { ...edit(this.manifest), nextFileNumber: this.nextFileNumber };
      const file = fileNames.manifest(this.options.dir);
      await writeFileDurably(file, encodeManifest(updated), fileNames.temporary(file));
      this.manifest = updated;
    });
    this.manifestChain = next.catch(() => undefined);
    return next;
  }

  // ---- compaction ---------------------------------------------------------

  /** Starts the next background compaction when a level is over budget and none is running. */
  private scheduleCompaction(): void {
    if (this.compacting || this.isCompactionPaused || this.isClosed) return;
    const plan = pickCompaction(this.manifest.tables, this.options.policy);
    if (!plan) return;
    this.compacting = this.runCompaction(plan)
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.compacting = undefined;
        // L0 may have drained: /stats and the live view must not say "slowdown" until the next write.
        this.refreshStall();
        this.notify();
        this.scheduleCompaction();
      });
  }

  /** A manual full compaction (after any running one): every table into one sorted run at the bottom. */
  async compactAll(): Promise<CompactionReport | null> {
    await this.flush();
    while (this.compacting) await this.compacting;
    const plan = fullCompactionPlan(this.manifest.tables);
    if (!plan) return null;
    const running = this.runCompaction(plan);
    this.compacting = running.catch(() => undefined);
    try {
      return await running;
    } finally {
      this.compacting = undefined;
      this.refreshStall();
      this.notify();
      this.scheduleCompaction();
    }
  }

  pauseCompaction(isPaused: boolean): void {
    this.isCompactionPaused = isPaused;
    if (!isPaused) this.scheduleCompaction();
    this.notify();
  }

  get compactionPaused(): boolean {
    return this.isCompactionPaused;
  }

  /** Merges the plan's tables, drops what no reader can see, writes the output level, swaps the manifest. */
  private async runCompaction(plan: CompactionPlan): Promise<CompactionReport> {
    const started = performance.now();
    const inputs = [...plan.inputs, ...plan.overlaps];
    const runs: Entry[][] = [];
    let bytesRead = 0;
    for (const meta of inputs) {
      const reader = this.readers.get(meta.fileNumber);
      if (!reader) throw new Error(`table ${meta.fileNumber} is not open`);
      runs.push(await reader.readAll());
      bytesRead += meta.sizeBytes;
    }
    const merged = mergeRuns(runs);
    const horizonSeq = Math.min(this.manifest.lastSeq, this.lastSeq, ...this.snapshots.keys());
    const compacted = compactVersions(merged, { horizonSeq, isBottommost: plan.isBottommost });
    const outputs: TableMeta[] = [];
    for (const chunk of splitByFileSize(compacted.kept, this.options.targetFileBytes)) {
      outputs.push(
        await writeSstable(
          this.options.dir,
          this.allocateNumber(),
          plan.outputLevel,
          chunk,
          this.tableOptions(),
        ),
      );
    }
    const removed = new Set(inputs.map((t) => t.fileNumber));
    await this.editManifest((m) => ({
      ...m,
      horizonSeq: Math.max(m.horizonSeq, horizonSeq),
      tables: [...m.tables.filter((t) => !removed.has(t.fileNumber)), ...outputs],
    }));
    for (const meta of outputs)
      this.readers.set(meta.fileNumber, SstableReader.open(this.options.dir, meta, this.blockCache));
    for (const number of removed) {
      this.readers.get(number)?.close();
      this.readers.delete(number);
      unlinkSync(fileNames.sstable(this.options.dir, number));
    }
    const bytesWritten = outputs.reduce((n, t) => n + t.sizeBytes, 0);
    this.counters.compactions += 1;
    this.counters.compactionBytesRead += bytesRead;
    this.counters.compactionBytesWritten += bytesWritten;
    const report: CompactionReport = {
      reason: plan.reason,
      level: plan.level,
      outputLevel: plan.outputLevel,
      inputFiles: inputs.map((t) => t.fileNumber),
      outputFiles: outputs.map((t) => t.fileNumber),
      entriesIn: merged.length,
      entriesOut: compacted.kept.length,
      droppedVersions: compacted.droppedVersions,
      droppedTombstones: compacted.droppedTombstones,
      bytesRead,
      bytesWritten,
      durationMs: Math.round(performance.now() - started),
    };
    this.lastCompaction = report;
    this.listener({ type: 'compaction', report });
    return report;
  }

  /** Waits until no flush or compaction is running and no level is over budget (tests, shutdown). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.flushing) await this.flushing.catch(() => undefined);
      else if (this.compacting) await this.compacting;
      else return;
    }
  }

  // ---- settings and figures ----------------------------------------------

  get bitsPerKey(): number {
    return this.bitsPerKeySetting;
  }

  /** New tables (flushes, compactions) are built with this density; existing ones keep theirs until rewritten. */
  setBitsPerKey(bitsPerKey: number): void {
    this.bitsPerKeySetting = bitsPerKey;
  }

  get currentSeq(): number {
    return this.lastSeq;
  }

  get horizonSeq(): number {
    return this.manifest.horizonSeq;
  }

  /** The compaction triggers and level budgets, for the live view. */
  get compactionPolicy(): CompactionPolicy {
    return this.options.policy;
  }

  get writeStall(): WriteStall {
    return this.stall;
  }

  tables(): readonly TableMeta[] {
    return this.manifest.tables;
  }

  memtableFigures(): { entries: number; bytes: number; limitBytes: number; immutableEntries: number } {
    return {
      entries: this.memtable.count,
      bytes: this.memtable.sizeBytes,
      limitBytes: this.options.memtableBytes,
      immutableEntries: this.immutable?.count ?? 0,
    };
  }

  walFigures(): {
    fileNumber: number;
    sizeBytes: number;
    fsync: FsyncPolicy;
    fsyncBatchMs: number;
    fsyncs: number;
  } {
    let sizeBytes = this.wal.sizeBytes;
    try {
      sizeBytes = statSync(this.wal.file).size;
    } catch {
      // Being switched by a flush: the writer's own count is as good.
    }
    return {
      fileNumber: this.wal.number,
      sizeBytes,
      fsync: this.options.fsync,
      fsyncBatchMs: this.options.fsyncBatchMs,
      fsyncs: this.wal.fsyncCount,
    };
  }

  levelFigures(): LevelFigure[] {
    return levelFigures(this.manifest.tables, this.options.policy);
  }

  /** The filters' promised rate (per table, weighted by keys) beside what reads measured. */
  bloomFigures(): BloomFigures {
    return bloomFigures(this.manifest.tables, this.bitsPerKeySetting, this.counters);
  }

  /** Bytes the disk took per byte the user wrote, and tables touched per point read. */
  amplification(): Amplification {
    return amplification(this.counters);
  }

  snapshotSeqs(): number[] {
    return [...this.snapshots.keys()].sort((a, b) => a - b);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.notify();
    await this.idle();
    await this.manifestChain;
    await this.wal.close();
    for (const reader of this.readers.values()) reader.close();
    this.readers.clear();
  }
}
