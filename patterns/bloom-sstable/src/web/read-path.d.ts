export interface ReadSeen {
  readonly key: string;
  readonly found: boolean;
  readonly servedFrom: string;
  readonly isSnapshotRead: boolean;
  readonly hasL2: boolean;
  readonly trace: {
    readonly bloomChecks: number;
    readonly bloomNegatives: number;
    readonly sstablesRead: number;
    readonly levels: readonly {
      readonly level: number;
      readonly file: number;
      readonly outcome: 'bloom-negative' | 'bloom-false-positive' | 'found';
    }[];
  } | null;
}
export interface Station {
  readonly node: string;
  readonly title: string;
  readonly lines: readonly string[];
  readonly state: 'hit' | 'miss' | 'bloom-no' | 'false-positive' | 'found' | 'unreported';
  readonly file?: number;
  readonly bloom?: 'no' | 'maybe';
}
export function readStations(read: ReadSeen): Station[];
export function readHeadline(read: ReadSeen): string;
