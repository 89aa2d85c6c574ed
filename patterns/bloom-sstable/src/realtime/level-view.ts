/** One level of the LSM tree as the live view draws it: its files and what makes it due for compaction. */
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
