import { describe, expect, it } from 'vitest';
import { mayContain } from './bloom-filter.ts';
import { CorruptionError } from './bytes.ts';
import type { Entry } from './entry.ts';
import {
  blocksFor,
  decodeBlock,
  decodeFilter,
  decodeFooter,
  decodeIndex,
  encodeSstable,
  footerBytes,
} from './sstable-format.ts';

const entries: Entry[] = [];
for (let i = 0; i < 300; i++) {
  const key = `key:${String(i).padStart(4, '0')}`;
  entries.push({
    key,
    seq: 1000 + i,
    kind: i % 10 === 0 ? 'delete' : 'put',
    value: i % 10 === 0 ? '' : `value-${i}-é`,
  });
  if (i === 150)
    for (let v = 0; v < 40; v++) entries.push({ key, seq: 999 - v, kind: 'put', value: `old-${v}` });
}

describe('SSTable format', () => {
  const table = encodeSstable(entries, { blockBytes: 512, bitsPerKey: 10 });
  const { bytes } = table;

  it('when a table is encoded, then footer, index, filter and blocks decode back to the same entries', () => {
    const footer = decodeFooter(bytes.subarray(bytes.length - footerBytes));
    expect(footer).toEqual(table.footer);
    const index = decodeIndex(bytes.subarray(footer.indexOffset, footer.indexOffset + footer.indexLength));
    expect(index.length).toBeGreaterThan(5);
    const decoded = index.flatMap((h) => decodeBlock(bytes.subarray(h.offset, h.offset + h.length)));
    expect(decoded).toEqual(entries);
    const filter = decodeFilter(
      bytes.subarray(footer.filterOffset, footer.filterOffset + footer.filterLength),
    );
    expect(entries.every((e) => mayContain(filter, e.key))).toBe(true);
    expect(table.tombstoneCount).toBe(30);
  });

  it('when one key has versions across several blocks, then blocksFor returns every block that may hold them', () => {
    const footer = decodeFooter(bytes.subarray(bytes.length - footerBytes));
    const index = decodeIndex(bytes.subarray(footer.indexOffset, footer.indexOffset + footer.indexLength));
    const blocks = blocksFor(index, 'key:0150');
    const versions = blocks
      .flatMap((h) => decodeBlock(bytes.subarray(h.offset, h.offset + h.length)))
      .filter((e) => e.key === 'key:0150');
    expect(versions).toHaveLength(41);
    expect(blocksFor(index, 'key:9999')).toEqual([]);
  });

  it('when any byte of a block is flipped, then decoding fails with a checksum error instead of returning data', () => {
    const footer = decodeFooter(bytes.subarray(bytes.length - footerBytes));
    const index = decodeIndex(bytes.subarray(footer.indexOffset, footer.indexOffset + footer.indexLength));
    const h = index[2]!;
    const copy = bytes.slice(h.offset, h.offset + h.length);
    copy[10] = (copy[10] ?? 0) ^ 0xff;
    expect(() => decodeBlock(copy)).toThrow(CorruptionError);
    const footerCopy = bytes.slice(bytes.length - footerBytes);
    footerCopy[0] = 0;
    expect(() => decodeFooter(footerCopy)).toThrow(CorruptionError);
  });
});
