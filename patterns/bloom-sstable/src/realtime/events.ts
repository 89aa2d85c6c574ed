import type { CompactionReport, FlushReport } from '../engines/engine-types.ts';
import type { WriteStall } from '../domain/compaction-picker.ts';
import type { LevelView } from './level-view.ts';
import type { MovedFile, ReadOutcome } from './protocol-messages.ts';

export type { LevelView } from './level-view.ts';

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
