import type { CompactionReport, FlushReport, ReadTrace } from '../engines/engine-types.ts';
import type { LevelView } from './level-view.ts';

/**
 * The store's protocol as messages between its parts, for the trace's space-time diagram. The
 * node names are the live view's: `client`, `wal`, `memtable`, `L0`…`Ln`, `l1-cache`,
 * `l2-cache` (Redis), `compactor`, and `leveldb` where LevelDB answers as one.
 */
export interface LsmMessage {
  readonly from: string;
  readonly to: string;
  readonly kind: string;
  readonly detail?: unknown;
}

export const levelNode = (level: number): string => `L${level}`;

/** A put or delete: the WAL first (durability), then the memtable, then the L2 cache with the seq. */
export function writeMessages(write: {
  key: string;
  seq: number;
  isDelete: boolean;
  hasL2: boolean;
}): LsmMessage[] {
  const what = { key: write.key, seq: write.seq, ...(write.isDelete ? { tombstone: true } : {}) };
  const messages: LsmMessage[] = [
    { from: 'client', to: 'wal', kind: 'append', detail: what },
    { from: 'wal', to: 'memtable', kind: 'insert', detail: what },
  ];
  if (write.hasL2) messages.push({ from: 'client', to: 'l2-cache', kind: 'set-if-newer', detail: what });
  return messages;
}

/** What the service knows of one read once it is answered. */
export interface ReadOutcome {
  readonly key: string;
  readonly found: boolean;
  readonly servedFrom: string;
  /** `asOf` reads skip both caches: they hold only the newest version. */
  readonly isSnapshotRead: boolean;
  readonly hasL2: boolean;
  readonly trace: ReadTrace | null;
  readonly traceUnavailable?: string;
}

/**
 * A get's path, each hop asking the next part and carrying that part's answer: L1 and L2 cache
 * hit or miss, memtable hit or miss, then each SSTable's Bloom check (`no`: skipped unread;
 * `maybe`: one block read, which held the key or not), and the reply back to the client.
 */
export function readMessages(read: ReadOutcome): LsmMessage[] {
  const messages: LsmMessage[] = [];
  let at = 'client';
  const ask = (to: string, kind: string, detail: Record<string, unknown>) => {
    messages.push({ from: at, to, kind, detail: { key: read.key, ...detail } });
    at = to;
  };
  if (!read.isSnapshotRead) {
    ask('l1-cache', 'get', { answer: read.servedFrom === 'l1' ? 'hit' : 'miss' });
    if (read.servedFrom !== 'l1' && read.hasL2)
      ask('l2-cache', 'get', { answer: read.servedFrom === 'l2' ? 'hit' : 'miss' });
  }
  const isCacheHit = read.servedFrom === 'l1' || read.servedFrom === 'l2';
  if (!isCacheHit && read.trace === null) {
    ask('leveldb', 'get', { answer: read.found ? 'found' : 'absent', unavailable: read.traceUnavailable });
  } else if (!isCacheHit && read.trace) {
    ask('memtable', 'get', { answer: read.servedFrom === 'memtable' ? 'hit' : 'miss' });
    for (const step of read.trace.levels) {
      ask(levelNode(step.level), 'bloom-check', {
        file: step.file,
        bloom: step.outcome === 'bloom-negative' ? 'no' : 'maybe',
        blockRead: step.outcome !== 'bloom-negative',
        found: step.outcome === 'found',
      });
    }
  }
  messages.push({
    from: at,
    to: 'client',
    kind: 'reply',
    detail: { key: read.key, found: read.found, servedFrom: read.servedFrom },
  });
  return messages;
}

/** A flush: the frozen memtable written out as one L0 SSTable. */
export function flushMessages(report: FlushReport): LsmMessage[] {
  return [
    {
      from: 'memtable',
      to: levelNode(0),
      kind: 'flush',
      detail: {
        file: report.fileNumber,
        entries: report.entries,
        bytes: report.bytesWritten,
        ...(report.unavailable ? { unavailable: report.unavailable } : {}),
      },
    },
  ];
}

/** Input files as they stood before a compaction: each with the level it left. */
export interface MovedFile {
  readonly level: number;
  readonly file: number;
  readonly sizeBytes: number;
  readonly smallestKey: string | null;
  readonly largestKey: string | null;
}

/** The compaction's input files found in the shape before it, each with its level. */
export function compactionInputs(report: CompactionReport, before: readonly LevelView[]): MovedFile[] {
  const wanted = new Set(report.inputFiles);
  return before.flatMap((l) =>
    l.files
      .filter((f) => wanted.has(f.file))
      .map((f) => ({
        level: l.level,
        file: f.file,
        sizeBytes: f.sizeBytes,
        smallestKey: f.smallestKey,
        largestKey: f.largestKey,
      })),
  );
}

/** A compaction: every input level sends its files to the compactor, which writes the output level's. */
export function compactionMessages(report: CompactionReport, inputs: readonly MovedFile[]): LsmMessage[] {
  const byLevel = new Map<number, number[]>();
  for (const f of inputs) byLevel.set(f.level, [...(byLevel.get(f.level) ?? []), f.file]);
  // Files the shape did not show (LevelDB lists only what it reports) still count as read from the input level.
  const known = new Set(inputs.map((f) => f.file));
  const unplaced = report.inputFiles.filter((f) => !known.has(f));
  if (unplaced.length > 0) byLevel.set(report.level, [...(byLevel.get(report.level) ?? []), ...unplaced]);
  const messages: LsmMessage[] = [...byLevel.entries()]
    .sort(([a], [b]) => a - b)
    .map(([level, files]) => ({
      from: levelNode(level),
      to: 'compactor',
      kind: 'compact-input',
      detail: { files, reason: report.reason },
    }));
  messages.push({
    from: 'compactor',
    to: levelNode(report.outputLevel),
    kind: 'compact-output',
    detail: {
      files: report.outputFiles,
      droppedVersions: report.droppedVersions,
      droppedTombstones: report.droppedTombstones,
    },
  });
  return messages;
}
