import { unlink } from 'node:fs/promises';
import type { CompactionPlan } from '../../domain/compaction-picker.ts';
import { fullCompactionPlan, pickCompaction } from '../../domain/compaction-picker.ts';
import type { Entry } from '../../domain/entry.ts';
import { encodeManifest } from '../../domain/manifest.ts';
import type { Manifest, TableMeta } from '../../domain/manifest.ts';
import { Memtable } from '../../domain/memtable.ts';
import { compactVersions, mergeRuns, splitByFileSize } from '../../domain/merge.ts';
import type { CompactionReport, FlushReport } from '../engine-types.ts';
import type { EngineState } from './engine-state.ts';
import { writeFileDurably } from './durable-file.ts';
import { fileNames } from './file-names.ts';
import { writeSstable } from './sstable-file.ts';

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * What runs behind the writes: flushing a full memtable to L0, compacting a
 * level over budget into the next, and the manifest edits both end with.
 * When a job ends, `settled` lets stalled writes look again.
 */
export class BackgroundJobs {
  private readonly state: EngineState;
  private readonly settled: () => void;
  private manifestChain: Promise<unknown> = Promise.resolve();

  constructor(state: EngineState, settled: () => void) {
    this.state = state;
    this.settled = settled;
  }

  /** Flushes the memtable now (waiting for a flush already running), and returns what was written. */
  async flush(): Promise<FlushReport> {
    if (this.state.flushing) await this.state.flushing;
    if (this.state.memtable.count === 0)
      return { fileNumber: null, entries: 0, bytesWritten: 0, durationMs: 0 };
    return this.startFlush();
  }

  /** Freezes the memtable, switches to a new WAL, and writes the frozen one as an L0 table. */
  startFlush(): Promise<FlushReport> {
    const s = this.state;
    if (s.flushing) return s.flushing;
    const frozen = s.memtable;
    const oldWal = s.wal;
    s.immutable = frozen;
    s.memtable = new Memtable();
    const walNumber = s.allocateNumber();
    s.wal = s.openWal(walNumber);
    const started = performance.now();
    const tableNumber = s.allocateNumber();
    const flushing = (async (): Promise<FlushReport> => {
      // The table's fsync and the old WAL's last one run together: the manifest edit waits for both.
      const [meta] = await Promise.all([
        writeSstable(s.options.dir, tableNumber, 0, frozen.entries(), s.tableOptions()),
        oldWal.close(),
      ]);
      await this.editManifest((m) => ({
        ...m,
        logNumber: walNumber,
        lastSeq: Math.max(m.lastSeq, meta.maxSeq),
        tables: [...m.tables, meta],
      }));
      s.openReader(meta);
      await unlink(oldWal.file);
      s.immutable = undefined;
      s.counters.flushes += 1;
      s.counters.flushBytes += meta.sizeBytes;
      const report: FlushReport = {
        fileNumber: meta.fileNumber,
        entries: meta.entryCount,
        bytesWritten: meta.sizeBytes,
        durationMs: Math.round(performance.now() - started),
      };
      s.listener({ type: 'flush', report });
      return report;
    })();
    s.flushing = flushing;
    flushing
      .catch((error: unknown) => {
        s.failure = asError(error);
      })
      .finally(() => {
        s.flushing = undefined;
        this.afterJob();
      })
      .catch(() => undefined);
    return flushing;
  }

  /** Stalled writes look again, and the next compaction starts if a level is over budget. */
  private afterJob(): void {
    // L0 may have drained: /stats and the live view must not say "slowdown" until the next write.
    this.settled();
    this.scheduleCompaction();
  }

  /** Manifest edits run one at a time, each on the latest manifest, each written durably before it counts. */
  private editManifest(edit: (m: Manifest) => Manifest): Promise<void> {
    const s = this.state;
    const next = this.manifestChain.then(async () => {
      // Numbers handed out since the last edit are counted too, so a number is never reused after a restart.
      const updated = { ...edit(s.manifest), nextFileNumber: s.nextFileNumber };
      const file = fileNames.manifest(s.options.dir);
      await writeFileDurably(file, encodeManifest(updated), fileNames.temporary(file));
      s.manifest = updated;
    });
    this.manifestChain = next.catch(() => undefined);
    return next;
  }

  /** Starts the next background compaction when a level is over budget and none is running. */
  scheduleCompaction(): void {
    const s = this.state;
    if (s.compacting || s.isCompactionPaused || s.isClosed) return;
    const plan = pickCompaction(s.manifest.tables, s.options.policy);
    if (!plan) return;
    s.compacting = this.runCompaction(plan)
      .catch((error: unknown) => {
        s.failure = asError(error);
      })
      .finally(() => {
        s.compacting = undefined;
        this.afterJob();
      });
  }

  /** A manual full compaction (after any running one): every table into one sorted run at the bottom. */
  async compactAll(): Promise<CompactionReport | null> {
    const s = this.state;
    await this.flush();
    while (s.compacting) await s.compacting;
    const plan = fullCompactionPlan(s.manifest.tables);
    if (!plan) return null;
    const running = this.runCompaction(plan);
    s.compacting = running.catch(() => undefined);
    try {
      return await running;
    } finally {
      s.compacting = undefined;
      this.afterJob();
    }
  }

  pauseCompaction(isPaused: boolean): void {
    this.state.isCompactionPaused = isPaused;
    if (!isPaused) this.scheduleCompaction();
    this.state.notify();
  }

  /** Merges the plan's tables, drops what no reader can see, writes the output level, swaps the manifest. */
  private async runCompaction(plan: CompactionPlan): Promise<CompactionReport> {
    const s = this.state;
    const started = performance.now();
    const inputs = [...plan.inputs, ...plan.overlaps];
    const runs: Entry[][] = [];
    let bytesRead = 0;
    for (const meta of inputs) {
      const reader = s.readers.get(meta.fileNumber);
      if (!reader) throw new Error(`table ${meta.fileNumber} is not open`);
      runs.push(await reader.readAll());
      bytesRead += meta.sizeBytes;
    }
    const merged = mergeRuns(runs);
    const horizonSeq = Math.min(s.manifest.lastSeq, s.lastSeq, ...s.snapshots.keys());
    const compacted = compactVersions(merged, { horizonSeq, isBottommost: plan.isBottommost });
    const outputs: TableMeta[] = [];
    for (const chunk of splitByFileSize(compacted.kept, s.options.targetFileBytes)) {
      outputs.push(
        await writeSstable(s.options.dir, s.allocateNumber(), plan.outputLevel, chunk, s.tableOptions()),
      );
    }
    const removed = new Set(inputs.map((t) => t.fileNumber));
    await this.editManifest((m) => ({
      ...m,
      horizonSeq: Math.max(m.horizonSeq, horizonSeq),
      tables: [...m.tables.filter((t) => !removed.has(t.fileNumber)), ...outputs],
    }));
    for (const meta of outputs) s.openReader(meta);
    // Closed at once (no read spans an await, so none holds them); deleted off the event loop.
    for (const number of removed) s.closeReader(number);
    await Promise.all([...removed].map((number) => unlink(fileNames.sstable(s.options.dir, number))));
    const bytesWritten = outputs.reduce((n, t) => n + t.sizeBytes, 0);
    s.counters.compactions += 1;
    s.counters.compactionBytesRead += bytesRead;
    s.counters.compactionBytesWritten += bytesWritten;
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
    s.lastCompaction = report;
    s.listener({ type: 'compaction', report });
    return report;
  }

  /** Waits until no flush or compaction is running and no level is over budget (tests, shutdown). */
  async idle(): Promise<void> {
    const s = this.state;
    for (;;) {
      if (s.flushing) await s.flushing.catch(() => undefined);
      else if (s.compacting) await s.compacting;
      else return;
    }
  }

  /** Every manifest edit under way, written. */
  async drained(): Promise<void> {
    await this.idle();
    await this.manifestChain;
  }
}
