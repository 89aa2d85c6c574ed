export interface ChipFile {
  readonly file: number;
  readonly sizeBytes: number;
  readonly smallestKey: string | null;
  readonly largestKey: string | null;
}
export interface MovedChip extends ChipFile {
  readonly level: number;
}
export interface CompactionSeen {
  readonly report: { readonly outputFiles: readonly number[] };
  readonly inputs: readonly MovedChip[];
}
export function formatBytes(bytes: number | null | undefined): string;
export function keyRangeLabel(file: ChipFile, chars?: number): string;
export function chipsThatFit<F>(files: readonly F[], slots: number): { shown: readonly F[]; hidden: number };
export function compactedGhosts(
  lastCompaction: CompactionSeen | null,
  shape: { readonly levels: readonly { readonly files: readonly ChipFile[] }[] },
): MovedChip[];
export function freshFiles(
  lastFlush: { readonly fileNumber: number | null } | null,
  lastCompaction: CompactionSeen | null,
): Set<number>;
