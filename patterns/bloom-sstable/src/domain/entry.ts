import { utf8Length } from './bytes.ts';

/**
 * One version of one key: the unit the WAL, the memtable and every SSTable
 * hold. A delete is a version too (a tombstone): it must shadow older
 * versions in lower levels until compaction reaches the bottom.
 */
export type EntryKind = 'put' | 'delete';

export interface Entry {
  readonly key: string;
  /** Global write order: the newest version of a key has the highest seq. */
  readonly seq: number;
  readonly kind: EntryKind;
  /** Empty for a tombstone. */
  readonly value: string;
}

/** The internal order of every sorted run: key ascending, then seq descending (newest version first). */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  return b.seq - a.seq;
}

/** The bytes an entry costs in memory accounting and on disk (key + value + fixed header). */
export function entrySizeBytes(entry: Entry): number {
  return utf8Length(entry.key) + utf8Length(entry.value) + 15;
}

/** Index of the first entry not before (key, seq) in a sorted run: where a read at snapshot `seq` starts. */
export function lowerBound(run: readonly Entry[], key: string, seq: number): number {
  let low = 0;
  let high = run.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const e = run[mid];
    if (e && (e.key < key || (e.key === key && e.seq > seq))) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The newest version of `key` with seq <= asOf in a sorted run, tombstones included. */
export function findVersion(run: readonly Entry[], key: string, asOf: number): Entry | undefined {
  const e = run[lowerBound(run, key, asOf)];
  return e && e.key === key ? e : undefined;
}
