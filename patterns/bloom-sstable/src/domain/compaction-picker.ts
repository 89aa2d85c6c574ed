import type { TableMeta } from './manifest.ts';

/**
 * Leveled compaction (LevelDB's shape). L0 holds whole flushed memtables,
 * so its files overlap each other; from L1 down each level is one sorted
 * run cut into non-overlapping files and may hold `ratio` times more bytes
 * than the level above. A level over its budget pushes a file down and
 * merges it with the files it overlaps there.
 */
export interface CompactionPolicy {
  /** L0 files that trigger an L0 -> L1 compaction. */
  readonly l0CompactionTrigger: number;
  /** L0 files at which each write is slowed down. */
  readonly l0SlowdownTrigger: number;
  /** L0 files at which writes wait for compaction. */
  readonly l0StopTrigger: number;
  readonly level1MaxBytes: number;
  readonly levelSizeRatio: number;
  /** Levels including L0; the last one is the bottom. */
  readonly maxLevels: number;
}

export interface CompactionPlan {
  readonly level: number;
  readonly outputLevel: number;
  readonly inputs: readonly TableMeta[];
  /** Files of the output level whose key range overlaps the inputs: they are rewritten too. */
  readonly overlaps: readonly TableMeta[];
  /** No deeper level holds any key of this range: tombstones can go. */
  readonly isBottommost: boolean;
  readonly reason: string;
}

export type WriteStall = 'none' | 'slowdown' | 'stop';

/** The byte budget of level >= 1: L1 max, times the ratio per level below. */
export function levelMaxBytes(level: number, policy: CompactionPolicy): number {
  return policy.level1MaxBytes * policy.levelSizeRatio ** Math.max(0, level - 1);
}

/** The tables of one level, in the order given. */
export function tablesAt(tables: readonly TableMeta[], level: number): TableMeta[] {
  return tables.filter((t) => t.level === level);
}

function keyRange(tables: readonly TableMeta[]): { smallest: string; largest: string } | undefined {
  if (tables.length === 0) return undefined;
  let smallest = tables[0]?.smallestKey ?? '';
  let largest = tables[0]?.largestKey ?? '';
  for (const t of tables) {
    if (t.smallestKey < smallest) smallest = t.smallestKey;
    if (t.largestKey > largest) largest = t.largestKey;
  }
  return { smallest, largest };
}

/** Tables of `level` whose [smallest, largest] intersects the range (both ends inclusive). */
export function overlapping(
  tables: readonly TableMeta[],
  level: number,
  smallest: string,
  largest: string,
): TableMeta[] {
  return tablesAt(tables, level).filter((t) => !(t.largestKey < smallest || t.smallestKey > largest));
}

function isBottommostFor(
  tables: readonly TableMeta[],
  outputLevel: number,
  inputs: readonly TableMeta[],
): boolean {
  const range = keyRange(inputs);
  if (!range) return true;
  return !tables.some(
    (t) => t.level > outputLevel && !(t.largestKey < range.smallest || t.smallestKey > range.largest),
  );
}

function plan(
  tables: readonly TableMeta[],
  level: number,
  inputs: TableMeta[],
  reason: string,
): CompactionPlan {
  const range = keyRange(inputs);
  const overlaps = range ? overlapping(tables, level + 1, range.smallest, range.largest) : [];
  return {
    level,
    outputLevel: level + 1,
    inputs,
    overlaps,
    isBottommost: isBottommostFor(tables, level + 1, [...inputs, ...overlaps]),
    reason,
  };
}

/** How urgent each level is: >= 1 means over its trigger or budget. */
export function levelScores(tables: readonly TableMeta[], policy: CompactionPolicy): number[] {
  const scores: number[] = [];
  for (let level = 0; level < policy.maxLevels - 1; level++) {
    const files = tablesAt(tables, level);
    scores.push(
      level === 0
        ? files.length / policy.l0CompactionTrigger
        : files.reduce((sum, t) => sum + t.sizeBytes, 0) / levelMaxBytes(level, policy),
    );
  }
  return scores;
}

/**
 * The next background compaction, or undefined when every level is within
 * budget. The most urgent level goes first; L0 moves as a whole because its
 * files overlap; from L1 the file with the smallest key goes (a simple,
 * deterministic choice; LevelDB rotates a cursor through the key space).
 */
export function pickCompaction(
  tables: readonly TableMeta[],
  policy: CompactionPolicy,
): CompactionPlan | undefined {
  const scores = levelScores(tables, policy);
  let best = -1;
  for (let level = 0; level < scores.length; level++) {
    if ((scores[level] ?? 0) >= 1 && (best === -1 || (scores[level] ?? 0) > (scores[best] ?? 0)))
      best = level;
  }
  if (best === -1) return undefined;
  const files = tablesAt(tables, best);
  if (best === 0) {
    return plan(tables, 0, files, `L0 has ${files.length} files (trigger ${policy.l0CompactionTrigger})`);
  }
  const first = [...files].sort((a, b) => (a.smallestKey < b.smallestKey ? -1 : 1))[0];
  if (!first) return undefined;
  return plan(tables, best, [first], `L${best} holds more than ${levelMaxBytes(best, policy)} bytes`);
}

/**
 * A manual full compaction: every table into one sorted run at the deepest
 * level in use (at least L1). It is always bottommost, so every tombstone
 * at or below the horizon goes and the space comes back.
 */
export function fullCompactionPlan(tables: readonly TableMeta[]): CompactionPlan | undefined {
  if (tables.length === 0) return undefined;
  const outputLevel = Math.max(1, ...tables.map((t) => t.level));
  return {
    level: Math.min(...tables.map((t) => t.level)),
    outputLevel,
    inputs: tables.filter((t) => t.level < outputLevel),
    overlaps: tables.filter((t) => t.level === outputLevel),
    isBottommost: true,
    reason: 'manual full compaction',
  };
}

/** Back-pressure from L0: reads get slower with every L0 file, so writes slow down, then wait. */
export function writeStallFor(l0Files: number, policy: CompactionPolicy): WriteStall {
  if (l0Files >= policy.l0StopTrigger) return 'stop';
  if (l0Files >= policy.l0SlowdownTrigger) return 'slowdown';
  return 'none';
}
