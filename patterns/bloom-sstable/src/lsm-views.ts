import { displayText } from './domain/byte-string.ts';
import type { ShapeView } from './realtime/events.ts';
import type { LsmEngine } from './engines/lsm/lsm-engine.ts';

/** The LSM shape the live view draws: the memtable, then each level's files (L0 newest first, deeper levels by key). */
export function shapeView(engine: LsmEngine): ShapeView {
  const tables = engine.tables();
  const levels = engine.levelFigures().map((l) => ({
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
  return { memtable: engine.memtableFigures(), levels, writeStall: engine.writeStall };
}

/** What GET /sstables answers: every live table per level, with its key range, entries, size and filter. */
export function sstablesView(engine: LsmEngine) {
  const tables = engine.tables();
  const levels = engine.levelFigures().map((l) => ({
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
