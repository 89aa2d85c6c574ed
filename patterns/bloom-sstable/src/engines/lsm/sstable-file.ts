import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BloomFilter } from '../../domain/bloom-filter.ts';
import { mayContain } from '../../domain/bloom-filter.ts';
import { CorruptionError } from '../../domain/bytes.ts';
import type { Entry } from '../../domain/entry.ts';
import { compareEntries, findVersion } from '../../domain/entry.ts';
import type { LruCache } from '../../domain/lru-cache.ts';
import type { TableMeta } from '../../domain/manifest.ts';
import type { BlockHandle } from '../../domain/sstable-format.ts';
import {
  blocksFor,
  decodeBlock,
  decodeFilter,
  decodeFooter,
  decodeIndex,
  encodeSstable,
  footerBytes,
} from '../../domain/sstable-format.ts';
import { writeFileDurably } from './durable-file.ts';
import { fileNames } from './file-names.ts';

/** Writes a sorted run as SSTable `number` at `level`, durably, and returns its manifest entry. */
export async function writeSstable(
  dir: string,
  number: number,
  level: number,
  entries: readonly Entry[],
  options: { readonly blockBytes: number; readonly bitsPerKey: number },
): Promise<TableMeta> {
  const encoded = encodeSstable(entries, options);
  const file = fileNames.sstable(dir, number);
  await writeFileDurably(file, encoded.bytes, fileNames.temporary(file));
  const first = entries[0];
  const last = entries[entries.length - 1];
  return {
    fileNumber: number,
    level,
    sizeBytes: encoded.bytes.length,
    entryCount: entries.length,
    tombstoneCount: encoded.tombstoneCount,
    smallestKey: first?.key ?? '',
    largestKey: last?.key ?? '',
    minSeq: encoded.footer.minSeq,
    maxSeq: encoded.footer.maxSeq,
    filterBytes: encoded.filter.bits.length,
    bitsPerKey: options.bitsPerKey,
    hashCount: encoded.filter.hashCount,
    keyCount: encoded.filter.keyCount,
  };
}

/** What a point read did in one table: the lesson of the trace. */
export type TableProbe =
  | { readonly outcome: 'bloom-negative' }
  | { readonly outcome: 'bloom-false-positive'; readonly blocksRead: number }
  | { readonly outcome: 'found'; readonly entry: Entry; readonly blocksRead: number };

/**
 * An open SSTable: footer, filter and index in memory, data blocks read from
 * disk on demand with pread. Reads are synchronous on purpose: a point read
 * never spans an await, so a compaction can swap tables between two reads
 * without a reader ever holding a deleted file.
 */
export class SstableReader {
  readonly meta: TableMeta;
  readonly filter: BloomFilter;
  readonly index: readonly BlockHandle[];
  private readonly fd: number;
  private readonly file: string;
  private readonly blockCache: LruCache<Entry[]> | undefined;
  blocksRead = 0;

  private constructor(
    meta: TableMeta,
    file: string,
    fd: number,
    filter: BloomFilter,
    index: BlockHandle[],
    blockCache: LruCache<Entry[]> | undefined,
  ) {
    this.meta = meta;
    this.blockCache = blockCache;
    this.file = file;
    this.fd = fd;
    this.filter = filter;
    this.index = index;
  }

  static open(dir: string, meta: TableMeta, blockCache?: LruCache<Entry[]>): SstableReader {
    const file = fileNames.sstable(dir, meta.fileNumber);
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size < footerBytes) throw new CorruptionError(`${file}: shorter than a footer`);
      const footer = decodeFooter(readAt(fd, size - footerBytes, footerBytes));
      const filter = decodeFilter(readAt(fd, footer.filterOffset, footer.filterLength));
      const index = decodeIndex(readAt(fd, footer.indexOffset, footer.indexLength));
      return new SstableReader(meta, file, fd, filter, index, blockCache);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Filter first; only a "maybe" costs block reads. Without the filter every probe reads a block. */
  probe(key: string, asOf: number, useFilter = true): TableProbe {
    if (useFilter && !mayContain(this.filter, key)) return { outcome: 'bloom-negative' };
    let blocksRead = 0;
    for (const handle of blocksFor(this.index, key)) {
      blocksRead += 1;
      const found = findVersion(this.readBlock(handle), key, asOf);
      if (found) return { outcome: 'found', entry: found, blocksRead };
    }
    return { outcome: 'bloom-false-positive', blocksRead };
  }

  /** Lazily, every version with start <= key < end, in order: a block is read only when the scan reaches it. */
  *iterate(start: string, end: string | undefined): Generator<Entry> {
    for (const handle of this.index) {
      if (handle.lastKey < start) continue;
      if (end !== undefined && handle.firstKey >= end) return;
      for (const e of this.readBlock(handle)) {
        if (end !== undefined && e.key >= end) return;
        if (e.key >= start) yield e;
      }
    }
  }

  /** The whole table, verified block by block, for compaction (async: it may be large). */
  async readAll(): Promise<Entry[]> {
    const data = await readFile(this.file);
    const out: Entry[] = [];
    for (const handle of this.index) {
      out.push(...decodeBlock(data.subarray(handle.offset, handle.offset + handle.length)));
    }
    for (let i = 1; i < out.length; i++) {
      const a = out[i - 1];
      const b = out[i];
      if (a && b && compareEntries(a, b) >= 0)
        throw new CorruptionError(`${this.file}: entries out of order`);
    }
    return out;
  }

  /** Through the shared block cache: hot blocks are decoded once, as LevelDB's block cache does. */
  private readBlock(handle: BlockHandle): Entry[] {
    this.blocksRead += 1;
    const cacheKey = `${this.meta.fileNumber}:${handle.offset}`;
    const cached = this.blockCache?.get(cacheKey);
    if (cached) return cached;
    const entries = decodeBlock(readAt(this.fd, handle.offset, handle.length));
    this.blockCache?.set(cacheKey, entries);
    return entries;
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readAt(fd: number, position: number, length: number): Uint8Array {
  const buffer = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, position + read);
    if (n === 0) throw new CorruptionError(`short read at ${position + read}`);
    read += n;
  }
  return buffer;
}
