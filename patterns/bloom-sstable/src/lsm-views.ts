import { statSync } from 'node:fs';
import { displayText } from './domain/byte-string.ts';
import type { Amplification, BloomFigures, LevelFigure } from './domain/lsm-figures.ts';
import { amplification, bloomFigures, levelFigures } from './domain/lsm-figures.ts';
import type { ShapeView } from './realtime/events.ts';
import type { EngineStats, SstablesView } from './engines/kv-engine.ts';
import type { LsmEngine } from './engines/lsm/lsm-engine.ts';
import type { FsyncPolicy } from './engines/lsm/wal-writer.ts';

/**
 * What the hand-made engine's state looks like from outside: the figures of
 * /stats, /sstables and the live view, computed from the engine's state on
 * demand (never on the write or read path).
 */

export function memtableFigures(engine: LsmEngine): ShapeView['memtable'] {
  const s = engine.state;
  return {
    entries: s.memtable.count,
    bytes: s.memtable.sizeBytes,
    limitBytes: s.options.memtableBytes,
    immutableEntries: s.immutable?.count ?? 0,
  };
}

export function walFigures(engine: LsmEngine): {
  fileNumber: number;
  sizeBytes: number;
  fsync: FsyncPolicy;
  fsyncBatchMs: number;
  fsyncs: number;
} {
  const { wal, options } = engine.state;
  let sizeBytes = wal.sizeBytes;
  try {
    sizeBytes = statSync(wal.file).size;
  } catch {
    // Being switched by a flush: the writer's own count is as good.
  }
  return {
    fileNumber: wal.number,
    sizeBytes,
    fsync: options.fsync,
    fsyncBatchMs: options.fsyncBatchMs,
    fsyncs: wal.fsyncCount,
  };
}

export function levelFiguresOf(engine: LsmEngine): LevelFigure[] {
  return levelFigures(engine.tables(), engine.compactionPolicy);
}

/** The filters' promised rate (per table, weighted by keys) beside what reads measured. */
export function bloomFiguresOf(engine: LsmEngine): BloomFigures {
  return bloomFigures(engine.tables(), engine.bitsPerKey, engine.counters);
}

/** Bytes the disk took per byte the user wrote, and tables touched per point read. */
export function amplificationOf(engine: LsmEngine): Amplification {
  return amplification(engine.counters);
}

/** The engine's part of /stats. */
export function lsmStats(engine: LsmEngine): EngineStats {
  return {
    engine: 'lsm (hand-made)',
    lastSeq: engine.currentSeq,
    horizonSeq: engine.horizonSeq,
    snapshots: engine.state.snapshotSeqs(),
    memtable: memtableFigures(engine),
    levels: levelFiguresOf(engine),
    bloom: bloomFiguresOf(engine),
    wal: { ...walFigures(engine), recovery: engine.recovery },
    amplification: amplificationOf(engine),
    io: { ...engine.counters },
    compaction: { isPaused: engine.compactionPaused, last: engine.lastCompaction ?? null },
    writeStall: {
      state: engine.writeStall,
      slowedWrites: engine.counters.slowedWrites,
      stoppedWrites: engine.counters.stoppedWrites,
    },
  };
}

/** The LSM shape the live view draws: the memtable, then each level's files (L0 newest first, deeper levels by key). */
export function shapeView(engine: LsmEngine): ShapeView {
  const tables = engine.tables();
  const levels = levelFiguresOf(engine).map((l) => ({
    level: l.level,
    compactAtFiles: l.level === 0 ? engine.compactionPolicy.l0CompactionTrigger : null,
    maxBytes: l.maxBytes,
    score: l.score,
    files: tables
      .filter((t) => t.level === l.level)
      .sort((a, b) => (l.level === 0 ? b.fileNumber - a.fileNumber : a.smallestKey < b.smallestKey ? -1 : 1))
      .map((t) => ({
        file: t.fileNumber,
        sizeBytes: t.sizeBytes,
        smallestKey: displayText(t.smallestKey),
        largestKey: displayText(t.largestKey),
        entries: t.entryCount,
      })),
  }));
  return { memtable: memtableFigures(engine), levels, writeStall: engine.writeStall };
}

/** What GET /sstables answers: every live table per level, with its key range, entries, size and filter. */
export function sstablesView(engine: LsmEngine): SstablesView {
  const tables = engine.tables();
  const levels = levelFiguresOf(engine).map((l) => ({
    level: l.level,
    tables: tables
      .filter((t) => t.level === l.level)
      .map((t) => ({
        file: t.fileNumber,
        level: t.level,
        smallestKey: displayText(t.smallestKey),
        largestKey: displayText(t.largestKey),
        entries: t.entryCount,
        tombstones: t.tombstoneCount,
        keys: t.keyCount,
        sizeBytes: t.sizeBytes,
        filterBytes: t.filterBytes,
        bitsPerKey: t.bitsPerKey,
        hashCount: t.hashCount,
        minSeq: t.minSeq,
        maxSeq: t.maxSeq,
      })),
  }));
  return { levels };
}
