import { filterHashes } from '../../domain/bloom-filter.ts';
import type { FilterHashes } from '../../domain/bloom-filter.ts';
import type { Entry } from '../../domain/entry.ts';
import { mergeIterators, visibleIterator } from '../../domain/merge.ts';
import type { ReadResult, ReadTrace } from '../engine-types.ts';
import { newReadTrace, SnapshotTooOldError } from '../engine-types.ts';
import type { EngineState } from './engine-state.ts';
import type { SstableReader } from './sstable-file.ts';

const maxSeq = Number.MAX_SAFE_INTEGER;

const noTableYet = 'no SSTable exists yet: every write is still in the memtable (POST /flush writes one)';
const outsideRanges =
  "the key is outside every SSTable's key range [smallestKey, largestKey], so no filter was asked";
const inMemtable = 'found in the memtable: no SSTable (and so no Bloom filter) was needed';

function checkHorizon(state: EngineState, asOf: number | undefined): void {
  if (asOf !== undefined && asOf < state.manifest.horizonSeq)
    throw new SnapshotTooOldError(asOf, state.manifest.horizonSeq);
}

const covers = (reader: SstableReader, key: string): boolean =>
  reader.meta.smallestKey <= key && key <= reader.meta.largestKey;

/** The one table of a sorted level whose range may hold `key` (the last one starting at or before it). */
function tableInLevel(level: readonly SstableReader[], key: string): SstableReader | undefined {
  let low = 0;
  let high = level.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((level[mid]?.meta.smallestKey ?? '') <= key) low = mid + 1;
    else high = mid;
  }
  const candidate = level[low - 1];
  return candidate && key <= candidate.meta.largestKey ? candidate : undefined;
}

/**
 * A point read: memtables, then L0 newest first, then the one table per
 * level whose range holds the key. With `isTraced` the read says what it
 * did (each filter asked, each block read); without, it builds nothing for
 * that: the counters behind /stats are kept either way.
 */
export function pointRead(
  state: EngineState,
  key: string,
  asOf: number | undefined,
  isTraced: boolean,
): ReadResult {
  checkHorizon(state, asOf);
  const at = asOf ?? maxSeq;
  state.counters.gets += 1;
  const inMemory = state.memtable.get(key, at) ?? state.immutable?.get(key, at);
  if (inMemory)
    return { entry: inMemory, servedFrom: 'memtable', trace: isTraced ? newReadTrace(inMemtable) : null };
  const trace = isTraced ? newReadTrace() : null;
  const order = state.readOrder();
  // Hashed once, and only when some table's range holds the key.
  let hashes: FilterHashes | undefined;
  let asked = 0;
  for (const reader of order.l0) {
    if (!covers(reader, key)) continue;
    asked += 1;
    hashes ??= filterHashes(key);
    const found = probeTable(state, reader, key, hashes, at, trace);
    if (found) return { entry: found, servedFrom: 'sstable', trace };
  }
  for (const level of order.levels) {
    const reader = tableInLevel(level, key);
    if (!reader) continue;
    asked += 1;
    hashes ??= filterHashes(key);
    const found = probeTable(state, reader, key, hashes, at, trace);
    if (found) return { entry: found, servedFrom: 'sstable', trace };
  }
  if (trace && asked === 0)
    trace.noFilterReason = state.manifest.tables.length === 0 ? noTableYet : outsideRanges;
  return { entry: undefined, servedFrom: undefined, trace };
}

/** Asks one table (filter first), counts what it cost, and notes it in the trace when there is one. */
function probeTable(
  state: EngineState,
  reader: SstableReader,
  key: string,
  hashes: FilterHashes,
  at: number,
  trace: ReadTrace | null,
): Entry | undefined {
  const c = state.counters;
  c.bloomChecks += 1;
  const probe = reader.probe(key, hashes, at, state.useFilters);
  if (probe === 'bloom-negative') {
    c.bloomNegatives += 1;
    if (trace) {
      trace.bloomChecks += 1;
      trace.bloomNegatives += 1;
      trace.levels.push({
        level: reader.meta.level,
        file: reader.meta.fileNumber,
        outcome: 'bloom-negative',
      });
    }
    return undefined;
  }
  c.tablesProbed += 1;
  c.blocksRead += reader.lastProbeBlocks;
  const isFalsePositive = probe === 'not-found';
  if (isFalsePositive) c.bloomFalsePositives += 1;
  if (trace) {
    trace.bloomChecks += 1;
    trace.sstablesRead += 1;
    if (isFalsePositive) trace.bloomFalsePositives += 1;
    trace.levels.push({
      level: reader.meta.level,
      file: reader.meta.fileNumber,
      outcome: isFalsePositive ? 'bloom-false-positive' : 'found',
    });
  }
  return isFalsePositive ? undefined : probe;
}

/** Live keys with start <= key < end (and the prefix), in order, merged across the memtables and every level. */
export function rangeScan(
  state: EngineState,
  options: { start?: string; end?: string; prefix?: string; limit: number; asOf?: number },
): { items: Entry[]; nextStart: string | null } {
  checkHorizon(state, options.asOf);
  const prefix = options.prefix ?? '';
  const start = [options.start ?? '', prefix].reduce((a, b) => (a > b ? a : b));
  const sources: Iterator<Entry>[] = [state.memtable.iterate(start, options.end)];
  if (state.immutable) sources.push(state.immutable.iterate(start, options.end));
  for (const reader of state.readers.values()) {
    const m = reader.meta;
    if (m.largestKey < start || (options.end !== undefined && m.smallestKey >= options.end)) continue;
    sources.push(reader.iterate(start, options.end));
  }
  // Lazy all the way: the scan stops reading every source once it has limit + 1 live keys.
  const items: Entry[] = [];
  let nextStart: string | null = null;
  for (const e of visibleIterator(mergeIterators(sources), options.asOf ?? maxSeq)) {
    if (!e.key.startsWith(prefix)) break;
    if (items.length === options.limit) {
      nextStart = e.key;
      break;
    }
    items.push(e);
  }
  return { items, nextStart };
}

/** Pins the current seq: compaction keeps every version a reader at this seq needs until it is released. */
export function createSnapshot(state: EngineState): number {
  const seq = state.lastSeq;
  state.snapshots.set(seq, (state.snapshots.get(seq) ?? 0) + 1);
  return seq;
}

export function releaseSnapshot(state: EngineState, seq: number): boolean {
  const count = state.snapshots.get(seq);
  if (count === undefined) return false;
  if (count <= 1) state.snapshots.delete(seq);
  else state.snapshots.set(seq, count - 1);
  return true;
}
