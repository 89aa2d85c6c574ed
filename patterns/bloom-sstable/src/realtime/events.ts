import type { CompactionReport, FlushReport } from '../engines/engine-types.ts';
import type { WriteStall } from '../domain/compaction-picker.ts';
import type { MovedFile, ReadOutcome } from './protocol-messages.ts';

export interface LevelView {
  readonly level: number;
  /** What makes the level due for compaction (absent where the engine does not say): */
  /** L0 is bounded by its file count, */
  readonly compactAtFiles?: number | null;
  /** deeper levels by bytes, each `LEVEL_SIZE_RATIO` times the one above; */
  readonly maxBytes?: number | null;
  /** and >= 1 means due. */
  readonly score?: number;
  readonly files: readonly {
    readonly file: number;
    readonly sizeBytes: number;
    readonly smallestKey: string | null;
    readonly largestKey: string | null;
    readonly entries: number | null;
  }[];
}

/** What the live view needs to redraw the LSM shape. */
export interface ShapeView {
  /** Null figures: the engine (LevelDB) does not report them. */
  readonly memtable: {
    readonly entries: number | null;
    readonly bytes: number | null;
    readonly limitBytes: number;
    readonly immutableEntries: number | null;
  };
  readonly levels: readonly LevelView[];
  readonly writeStall: WriteStall | null;
}

/** The last read as the live view draws its path (the snapshot carries it to a freshly opened page). */
export type ReadView = ReadOutcome;

/** A compaction with the levels its input files left, so the picture can draw them moving. */
export interface CompactionView {
  readonly report: CompactionReport;
  readonly inputs: readonly MovedFile[];
}

/** What a page gets on connect: the same state a page open all along has built from the events. */
export interface LiveSnapshot {
  readonly engine: 'lsm' | 'leveldb';
  readonly shape: ShapeView;
  readonly stats: unknown;
  readonly lastFlush: FlushReport | null;
  readonly lastCompaction: CompactionView | null;
  readonly lastRead: ReadView | null;
}

/** The names of the pattern's own events (the index signature's names excluded). */
export type LiveEventName =
  'write:applied' | 'read:traced' | 'memtable:flushed' | 'compaction:finished' | 'stall:changed';

/** The live view's events, named entity:action. */
export interface LsmLiveEvents {
  'write:applied': { key: string; seq: number; kind: 'put' | 'delete'; memtable: ShapeView['memtable'] };
  'read:traced': ReadView;
  'memtable:flushed': { report: FlushReport; shape: ShapeView };
  'compaction:finished': CompactionView & { shape: ShapeView };
  'stall:changed': { state: WriteStall | null };
  [event: `${string}:${string}`]: unknown;
}
