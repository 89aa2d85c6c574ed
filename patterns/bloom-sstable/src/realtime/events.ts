import type { CompactionReport, FlushReport, ReadTrace } from '../engines/engine-types.ts';
import type { WriteStall } from '../domain/compaction-picker.ts';

export interface LevelView {
  readonly level: number;
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

/** The names of the pattern's own events (the index signature's names excluded). */
export type LiveEventName =
  'write:applied' | 'read:traced' | 'memtable:flushed' | 'compaction:finished' | 'stall:changed';

/** The live view's events, named entity:action. */
export interface LsmLiveEvents {
  'write:applied': { key: string; seq: number; kind: 'put' | 'delete'; memtable: ShapeView['memtable'] };
  'read:traced': { key: string; found: boolean; servedFrom: string; trace: ReadTrace | null };
  'memtable:flushed': { report: FlushReport; shape: ShapeView };
  'compaction:finished': { report: CompactionReport; shape: ShapeView };
  'stall:changed': { state: WriteStall | null };
  [event: `${string}:${string}`]: unknown;
}
