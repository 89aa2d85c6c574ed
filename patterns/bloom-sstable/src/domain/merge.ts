import type { Entry } from './entry.ts';
import { compareEntries, entrySizeBytes } from './entry.ts';

/**
 * The merging iterator at the heart of reads, scans and compaction: k sorted
 * runs in, one sorted run out. Runs are passed newest first; seqs are unique,
 * so ties cannot happen between distinct versions (the same version read from
 * two runs, as during a flush, is kept once).
 */
export function mergeRuns(runs: readonly (readonly Entry[])[]): Entry[] {
  const heads = runs.map(() => 0);
  const out: Entry[] = [];
  for (;;) {
    let best = -1;
    let bestEntry: Entry | undefined;
    for (let r = 0; r < runs.length; r++) {
      const e = runs[r]?.[heads[r] ?? 0];
      if (e && (!bestEntry || compareEntries(e, bestEntry) < 0)) {
        best = r;
        bestEntry = e;
      }
    }
    if (!bestEntry) return out;
    heads[best] = (heads[best] ?? 0) + 1;
    const last = out[out.length - 1];
    if (!last || last.key !== bestEntry.key || last.seq !== bestEntry.seq) out.push(bestEntry);
  }
}

/**
 * The same merge, lazily: pulls one entry at a time from each sorted source,
 * so a range scan with a limit reads only as far into each table as it needs.
 */
export function* mergeIterators(sources: readonly Iterator<Entry>[]): Generator<Entry> {
  const heads = sources.map((s) => s.next());
  let last: Entry | undefined;
  for (;;) {
    let best = -1;
    let bestEntry: Entry | undefined;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head && !head.done && (!bestEntry || compareEntries(head.value, bestEntry) < 0)) {
        best = i;
        bestEntry = head.value;
      }
    }
    if (!bestEntry) return;
    heads[best] = sources[best]?.next() ?? { done: true, value: undefined };
    if (!last || last.key !== bestEntry.key || last.seq !== bestEntry.seq) yield bestEntry;
    last = bestEntry;
  }
}

/** Lazy `visibleAt`: the newest live version per key at `asOf`, in key order. */
export function* visibleIterator(sorted: Iterable<Entry>, asOf: number): Generator<Entry> {
  let lastKey: string | undefined;
  for (const e of sorted) {
    if (e.seq > asOf || e.key === lastKey) continue;
    lastKey = e.key;
    if (e.kind === 'put') yield e;
  }
}

/** What a reader at snapshot `asOf` sees: the newest version of each key with seq <= asOf, tombstones removed. */
export function visibleAt(sorted: readonly Entry[], asOf: number): Entry[] {
  const out: Entry[] = [];
  let lastKey: string | undefined;
  for (const e of sorted) {
    if (e.seq > asOf || e.key === lastKey) continue;
    lastKey = e.key;
    if (e.kind === 'put') out.push(e);
  }
  return out;
}

export interface CompactedRun {
  readonly kept: Entry[];
  /** Older versions no reader can see any more. */
  readonly droppedVersions: number;
  /** Tombstones with nothing left below them to shadow. */
  readonly droppedTombstones: number;
}

/**
 * Compaction's garbage rule. `horizonSeq` is the oldest snapshot a reader may
 * still ask for: every version newer than it is kept (a snapshot between may
 * need it), plus the one version a reader at the horizon sees. A tombstone is
 * dropped only at the bottommost level, where no older version can hide below.
 */
export function compactVersions(
  sorted: readonly Entry[],
  options: { readonly horizonSeq: number; readonly isBottommost: boolean },
): CompactedRun {
  const kept: Entry[] = [];
  let droppedVersions = 0;
  let droppedTombstones = 0;
  let currentKey: string | undefined;
  let hasHorizonVersion = false;
  for (const e of sorted) {
    if (e.key !== currentKey) {
      currentKey = e.key;
      hasHorizonVersion = false;
    }
    if (e.seq > options.horizonSeq) {
      kept.push(e);
    } else if (!hasHorizonVersion) {
      hasHorizonVersion = true;
      if (e.kind === 'delete' && options.isBottommost) droppedTombstones += 1;
      else kept.push(e);
    } else if (e.kind === 'delete') {
      droppedTombstones += 1;
    } else {
      droppedVersions += 1;
    }
  }
  return { kept, droppedVersions, droppedTombstones };
}

/** Cuts a sorted run into files of about `targetBytes`, never splitting one key's versions across two files. */
export function splitByFileSize(entries: readonly Entry[], targetBytes: number): Entry[][] {
  const chunks: Entry[][] = [];
  let current: Entry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const last = current[current.length - 1];
    if (bytes >= targetBytes && last && last.key !== e.key) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += entrySizeBytes(e);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
