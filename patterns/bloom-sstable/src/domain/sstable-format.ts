import type { BloomFilter } from './bloom-filter.ts';
import { buildBloomFilter, decodeBloomFilter, encodeBloomFilter } from './bloom-filter.ts';
import { ByteReader, ByteWriter, CorruptionError } from './bytes.ts';
import { crc32 } from './crc32.ts';
import type { Entry } from './entry.ts';
import { entryKindCodes, entryKindOf, entrySizeBytes } from './entry.ts';

/**
 * The SSTable file format, as bytes (the storage layer does the file I/O):
 *
 *   [data block 0] ... [data block n-1] [filter] [index] [footer]
 *
 * - data block: u32 count, then per entry u8 kind, seq, u16+key, u32+value; then a crc32.
 * - filter: the Bloom filter of every distinct key, then a crc32.
 * - index: u32 block count, then per block first key, last key, u32 offset, u32 length; then a crc32.
 * - footer (fixed size, at the end so a reader finds it first): magic, version,
 *   entry count, filter and index positions, seq range, tombstone count, crc32.
 *
 * A point read loads the footer, filter and index once, then needs at most
 * the one block whose key range covers the key, and none when the filter says no.
 */

export const sstableMagic = 0x4c534d31; // "LSM1"
export const footerBytes = 48;
const formatVersion = 1;

export interface BlockHandle {
  readonly firstKey: string;
  readonly lastKey: string;
  readonly offset: number;
  readonly length: number;
}

export interface Footer {
  readonly entryCount: number;
  readonly filterOffset: number;
  readonly filterLength: number;
  readonly indexOffset: number;
  readonly indexLength: number;
  readonly minSeq: number;
  readonly maxSeq: number;
}

export interface EncodedSstable {
  readonly bytes: Uint8Array;
  readonly footer: Footer;
  readonly index: readonly BlockHandle[];
  readonly filter: BloomFilter;
  readonly tombstoneCount: number;
}

/** Encodes a sorted run (key asc, seq desc) into one SSTable file's bytes. */
export function encodeSstable(
  entries: readonly Entry[],
  options: { readonly blockBytes: number; readonly bitsPerKey: number },
): EncodedSstable {
  if (entries.length === 0) throw new Error('an SSTable holds at least one entry');
  // Sized for the entries up front: the table is written into one buffer, without growing it by doubling.
  const dataBytes = entries.reduce((n, e) => n + entrySizeBytes(e), 0);
  const w = new ByteWriter(
    dataBytes + Math.ceil((entries.length * options.bitsPerKey) / 8) + dataBytes / 32 + 1024,
  );
  const index: BlockHandle[] = [];
  const keys: string[] = [];
  let minSeq = Number.MAX_SAFE_INTEGER;
  let maxSeq = 0;
  let tombstoneCount = 0;
  let i = 0;
  while (i < entries.length) {
    const blockStart = w.size;
    // The entry count goes first but is known last: written as 0, then patched (no buffer per block).
    w.u32(0);
    const bodyStart = w.size;
    let count = 0;
    const first = entries[i];
    let last = first;
    while (i < entries.length && (count === 0 || w.size - bodyStart < options.blockBytes)) {
      const e = entries[i++];
      if (!e) break;
      w.u8(entryKindCodes[e.kind]);
      w.seq(e.seq);
      w.shortString(e.key);
      w.longString(e.value);
      if (keys[keys.length - 1] !== e.key) keys.push(e.key);
      minSeq = Math.min(minSeq, e.seq);
      maxSeq = Math.max(maxSeq, e.seq);
      if (e.kind === 'delete') tombstoneCount += 1;
      last = e;
      count += 1;
    }
    w.patchU32(blockStart, count);
    w.checksumSince(blockStart, crc32);
    if (first && last) {
      index.push({ firstKey: first.key, lastKey: last.key, offset: blockStart, length: w.size - blockStart });
    }
  }

  const filter = buildBloomFilter(keys, options.bitsPerKey);
  const filterOffset = w.size;
  w.bytes(encodeBloomFilter(filter));
  w.checksumSince(filterOffset, crc32);
  const filterLength = w.size - filterOffset;

  const indexOffset = w.size;
  w.u32(index.length);
  for (const h of index) {
    w.shortString(h.firstKey);
    w.shortString(h.lastKey);
    w.u32(h.offset);
    w.u32(h.length);
  }
  w.checksumSince(indexOffset, crc32);
  const indexLength = w.size - indexOffset;

  const footer: Footer = {
    entryCount: entries.length,
    filterOffset,
    filterLength,
    indexOffset,
    indexLength,
    minSeq,
    maxSeq,
  };
  const footerStart = w.size;
  w.u32(sstableMagic);
  w.u16(formatVersion);
  w.u16(0);
  w.u32(footer.entryCount);
  w.u32(footer.filterOffset);
  w.u32(footer.filterLength);
  w.u32(footer.indexOffset);
  w.u32(footer.indexLength);
  w.seq(footer.minSeq);
  w.seq(footer.maxSeq);
  w.checksumSince(footerStart, crc32);
  return { bytes: w.finish(), footer, index, filter, tombstoneCount };
}

/** Verifies a section's trailing crc32 and returns the bytes before it. */
function verified(section: Uint8Array, what: string): Uint8Array {
  if (section.length < 4) throw new CorruptionError(`${what}: too short`);
  const body = section.subarray(0, section.length - 4);
  const stored = new DataView(section.buffer, section.byteOffset, section.byteLength).getUint32(
    body.length,
    true,
  );
  if (crc32(body) !== stored) throw new CorruptionError(`${what}: checksum mismatch`);
  return body;
}

/** Parses the last `footerBytes` bytes of a file. */
export function decodeFooter(data: Uint8Array): Footer {
  if (data.length !== footerBytes) throw new CorruptionError(`footer: expected ${footerBytes} bytes`);
  const r = new ByteReader(verified(data, 'footer'));
  if (r.u32() !== sstableMagic) throw new CorruptionError('footer: bad magic (not an SSTable)');
  const version = r.u16();
  if (version !== formatVersion) throw new CorruptionError(`footer: unknown format version ${version}`);
  r.u16();
  const entryCount = r.u32();
  const filterOffset = r.u32();
  const filterLength = r.u32();
  const indexOffset = r.u32();
  const indexLength = r.u32();
  const minSeq = r.seq();
  const maxSeq = r.seq();
  return { entryCount, filterOffset, filterLength, indexOffset, indexLength, minSeq, maxSeq };
}

/** The table's Bloom filter section, checksum verified. */
export function decodeFilter(section: Uint8Array): BloomFilter {
  return decodeBloomFilter(verified(section, 'filter'));
}

/** The index section (one handle per data block: key range, offset, length), checksum verified. */
export function decodeIndex(section: Uint8Array): BlockHandle[] {
  const r = new ByteReader(verified(section, 'index'));
  const count = r.u32();
  const handles: BlockHandle[] = [];
  for (let i = 0; i < count; i++) {
    handles.push({ firstKey: r.shortString(), lastKey: r.shortString(), offset: r.u32(), length: r.u32() });
  }
  return handles;
}

/** One data block's entries in run order, checksum verified. */
export function decodeBlock(section: Uint8Array): Entry[] {
  const r = new ByteReader(verified(section, 'data block'));
  const count = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const code = r.u8();
    const kind = entryKindOf(code);
    if (!kind) throw new CorruptionError(`data block: unknown entry kind ${code}`);
    const seq = r.seq();
    entries.push({ key: r.shortString(), seq, kind, value: r.longString() });
  }
  return entries;
}

/**
 * The blocks a point read of `key` must look at, in order: the first block
 * whose last key is >= key, and the following ones while they start with
 * the key (many versions of one key can span blocks).
 */
export function blocksFor(index: readonly BlockHandle[], key: string): BlockHandle[] {
  const out: BlockHandle[] = [];
  for (let i = firstBlockFor(index, key); i < index.length; i++) {
    const h = index[i];
    if (!h || h.firstKey > key) break;
    out.push(h);
    if (h.lastKey > key) break;
  }
  return out;
}

/** Index of the first block whose last key is >= key (index.length when none): where `blocksFor` starts. */
export function firstBlockFor(index: readonly BlockHandle[], key: string): number {
  let low = 0;
  let high = index.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((index[mid]?.lastKey ?? '') < key) low = mid + 1;
    else high = mid;
  }
  return low;
}
