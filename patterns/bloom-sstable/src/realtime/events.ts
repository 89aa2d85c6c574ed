import type { CompactionReport, FlushReport, ReadTrace } from '../storage/engine-types.ts';
import type { WriteStall } from '../domain/compaction-picker.ts';

export interface LevelView {
  readonly level: number;
  readonly files: readonly {
    readonly file: number;
    readonly sizeBytes: number;
    readonly smallestKey: string;
    readonly largestKey: string;
    readonly entries: number;
  }[];
}

/** What the live view needs to redraw the LSM shape. */
export interface ShapeView {
  readonly memtable: {
    readonly entries: number;
    readonly bytes: number;
    readonly limitBytes: number;
    readonly immutableEntries: number;
  };
  readonly levels: readonly LevelView[];
  readonly writeStall: WriteStall;
}

/** The names of the pattern's own events (the index signature's names excluded). */
export type LiveEventName =
  'write:applied' | 'read:traced' | 'memtable:flushed' | 'compaction:finished' | 'stall:changed';

/** The live view's events, named entity:action. */
export interface LsmLiveEvents {
  'write:applied': { key: string; seq: number; kind: 'put' | 'delete'; memtable: ShapeView['memtable'] };
  'read:traced': { key: string; found: boolean; servedFrom: string; trace: ReadTrace };
  'memtable:flushed': { report: FlushReport; shape: ShapeView };
  'compaction:finished': { report: CompactionReport; shape: ShapeView };
  'stall:changed': { state: WriteStall };
  [event: `${string}:${string}`]: unknown;
}
