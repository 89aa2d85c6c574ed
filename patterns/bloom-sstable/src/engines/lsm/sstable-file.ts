import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { BloomFilter, FilterHashes } from '../../domain/bloom-filter.ts';
import { mayContainHashes } from '../../domain/bloom-filter.ts';
import { CorruptionError } from '../../domain/bytes.ts';
import type { Entry } from '../../domain/entry.ts';
import { compareEntries, findVersion } from '../../domain/entry.ts';
import type { LruCache } from '../../domain/lru-cache.ts';
import type { TableMeta } from '../../domain/manifest.ts';
import type { BlockHandle } from '../../domain/sstable-format.ts';
import {
  decodeBlock,
  firstBlockFor,
  decodeFilter,
  decodeFooter,
  decodeIndex,
  encodeSstable,
  footerBytes,
} from '../../domain/sstable-format.ts';
import { writeFileSynced } from './durable-file.ts';
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
  await writeFileSynced(file, encoded.bytes);
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

/** Decoded data blocks of every open table, keyed by `blockCacheKey`. */
export type BlockCache = LruCache<Entry[], number>;

/** A number, not a `file:offset` string: a point read builds no key text per block. */
const blockCacheKey = (fileNumber: number, offset: number): number => fileNumber * 0x1_0000_0000 + offset;

/** What a point read found in one table: the filter said no, the blocks did not hold the key, or its version. */
export type TableProbe = 'bloom-negative' | 'not-found' | Entry;

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
  private readonly blockCache: BlockCache | undefined;
  blocksRead = 0;
  /** Blocks the last `probe` read: a read path reports them without an object per probe. */
  lastProbeBlocks = 0;

  private constructor(
    meta: TableMeta,
    file: string,
    fd: number,
    filter: BloomFilter,
    index: BlockHandle[],
    blockCache: BlockCache | undefined,
  ) {
    this.meta = meta;
    this.blockCache = blockCache;
    this.file = file;
    this.fd = fd;
    this.filter = filter;
    this.index = index;
  }

  static open(dir: string, meta: TableMeta, blockCache?: BlockCache): SstableReader {
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

  /**
   * Filter first; only a "maybe" costs block reads (counted in `lastProbeBlocks`). Without the filter every
   * probe reads a block. Allocates nothing when the filter says no: that is most probes of an absent key.
   */
  probe(key: string, hashes: FilterHashes, asOf: number, useFilter: boolean): TableProbe {
    this.lastProbeBlocks = 0;
    if (useFilter && !mayContainHashes(this.filter, hashes)) return 'bloom-negative';
    const index = this.index;
    // As `blocksFor`, without building its array: the versions of a key may run over several blocks.
    for (let i = firstBlockFor(index, key); i < index.length; i++) {
      const handle = index[i];
      if (!handle || handle.firstKey > key) break;
      this.lastProbeBlocks += 1;
      const found = findVersion(this.readBlock(handle), key, asOf);
      if (found) return found;
      if (handle.lastKey > key) break;
    }
    return 'not-found';
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
    const cacheKey = blockCacheKey(this.meta.fileNumber, handle.offset);
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
