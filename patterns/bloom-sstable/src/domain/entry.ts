import type { ByteString } from './byte-string.ts';

/**
 * One version of one key: the unit the WAL, the memtable and every SSTable
 * hold. A delete is a version too (a tombstone): it must shadow older
 * versions in lower levels until compaction reaches the bottom.
 */
export type EntryKind = 'put' | 'delete';

export interface Entry {
  /** Bytes (see byte-string.ts): binary-safe, compared in byte order. */
  readonly key: ByteString;
  /** Global write order: the newest version of a key has the highest seq. */
  readonly seq: number;
  readonly kind: EntryKind;
  /** Bytes; empty for a tombstone. */
  readonly value: ByteString;
}

/**
 * Why a key is refused, or undefined when it is fine: 1..maxKeyBytes bytes, any bytes (binary-safe, as in
 * Redis). HTTP and RESP2 apply the same rule; HTTP also refuses control characters in its text keys.
 */
export function keyProblem(key: ByteString, maxKeyBytes: number): string | undefined {
  if (key.length === 0) return 'a key is at least 1 byte';
  if (key.length > maxKeyBytes) return `at most ${maxKeyBytes} bytes`;
  return undefined;
}

/** The byte a WAL record and an SSTable entry store for the kind: both formats use the same codes. */
export const entryKindCodes = { put: 1, delete: 2 } as const;

/** The kind a stored byte stands for; undefined for a byte no writer produces (corruption). */
export function entryKindOf(code: number): EntryKind | undefined {
  return code === entryKindCodes.put ? 'put' : code === entryKindCodes.delete ? 'delete' : undefined;
}

/** The internal order of every sorted run: key ascending, then seq descending (newest version first). */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  return b.seq - a.seq;
}

/** The bytes an entry costs in memory accounting and on disk (key + value + fixed header). */
export function entrySizeBytes(entry: Entry): number {
  return entry.key.length + entry.value.length + 15;
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
