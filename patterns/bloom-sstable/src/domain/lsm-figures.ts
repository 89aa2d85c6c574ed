import { optimalHashCount, theoreticalFalsePositiveRate } from './bloom-filter.ts';
import type { CompactionPolicy } from './compaction-picker.ts';
import { levelMaxBytes, levelScores, tablesAt } from './compaction-picker.ts';
import type { TableMeta } from './manifest.ts';

/** What the engine counts as it works; the figures below are derived from these and the live tables. */
export interface EngineCounters {
  userBytes: number;
  walBytes: number;
  flushBytes: number;
  compactionBytesRead: number;
  compactionBytesWritten: number;
  flushes: number;
  compactions: number;
  gets: number;
  tablesProbed: number;
  blocksRead: number;
  bloomChecks: number;
  bloomNegatives: number;
  bloomFalsePositives: number;
  slowedWrites: number;
  stoppedWrites: number;
}

/** Every counter at zero: what an engine starts with (they restart with the process). */
export function emptyCounters(): EngineCounters {
  return {
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
}

export interface LevelFigure {
  readonly level: number;
  readonly files: number;
  readonly bytes: number;
  /** The byte budget (null for L0, which is bounded by file count). */
  readonly maxBytes: number | null;
  /** >= 1 means the level is due for compaction. */
  readonly score: number;
  readonly smallestKey: string | null;
  readonly largestKey: string | null;
}

export interface BloomFigures {
  readonly bitsPerKey: number;
  readonly hashCount: number;
  readonly theoreticalFalsePositiveRate: number;
  readonly observedFalsePositiveRate: number | null;
  readonly checks: number;
  readonly negatives: number;
  readonly falsePositives: number;
  readonly filterBytes: number;
}

export interface Amplification {
  readonly writeAmplification: number | null;
  readonly readAmplification: number | null;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Per level: files, bytes, budget, urgency and key range. */
export function levelFigures(tables: readonly TableMeta[], policy: CompactionPolicy): LevelFigure[] {
  const scores = levelScores(tables, policy);
  return Array.from({ length: policy.maxLevels }, (_, level) => {
    const files = tablesAt(tables, level);
    const keys = files.flatMap((t) => [t.smallestKey, t.largestKey]).sort();
    return {
      level,
      files: files.length,
      bytes: files.reduce((n, t) => n + t.sizeBytes, 0),
      maxBytes: level === 0 ? null : levelMaxBytes(level, policy),
      score: round2(scores[level] ?? 0),
      smallestKey: keys[0] ?? null,
      largestKey: keys[keys.length - 1] ?? null,
    };
  });
}

/**
 * The filters' promised false-positive rate (each table's own m, n, k,
 * weighted by its keys) beside the rate reads measured: false positives
 * over the checks of keys the table did not hold.
 */
export function bloomFigures(
  tables: readonly TableMeta[],
  bitsPerKey: number,
  counters: EngineCounters,
): BloomFigures {
  const keys = tables.reduce((n, t) => n + t.keyCount, 0);
  const theory =
    keys === 0
      ? theoreticalFalsePositiveRate(bitsPerKey, 1, optimalHashCount(bitsPerKey))
      : tables.reduce(
          (sum, t) =>
            sum +
            t.keyCount *
              theoreticalFalsePositiveRate(
                Math.max(64, Math.ceil(t.keyCount * t.bitsPerKey)),
                t.keyCount,
                t.hashCount,
              ),
          0,
        ) / keys;
  const absentChecks = counters.bloomNegatives + counters.bloomFalsePositives;
  return {
    bitsPerKey,
    hashCount: optimalHashCount(bitsPerKey),
    theoreticalFalsePositiveRate: theory,
    observedFalsePositiveRate: absentChecks === 0 ? null : counters.bloomFalsePositives / absentChecks,
    checks: counters.bloomChecks,
    negatives: counters.bloomNegatives,
    falsePositives: counters.bloomFalsePositives,
    filterBytes: tables.reduce((n, t) => n + t.filterBytes, 0),
  };
}

/**
 * Write amplification: bytes the disk took (WAL + flushes + compaction
 * output) per byte the user wrote. Read amplification: tables whose data a
 * point read had to open, per read (filters and key ranges keep it low).
 */
export function amplification(counters: EngineCounters): Amplification {
  const written = counters.walBytes + counters.flushBytes + counters.compactionBytesWritten;
  return {
    writeAmplification: counters.userBytes === 0 ? null : round2(written / counters.userBytes),
    readAmplification: counters.gets === 0 ? null : round2(counters.tablesProbed / counters.gets),
  };
}
