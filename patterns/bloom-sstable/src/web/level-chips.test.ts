import { describe, expect, it } from 'vitest';
import { chipsThatFit, compactedGhosts, formatBytes, freshFiles, keyRangeLabel } from './level-chips.js';

const chip = (file: number, smallestKey: string | null, largestKey: string | null) => ({
  file,
  sizeBytes: 100,
  smallestKey,
  largestKey,
});

describe('the live view SSTable chips', () => {
  it('keeps both ends of a long key range within the chip', () => {
    const label = keyRangeLabel(chip(1, 'customer:000001:orders', 'customer:999999:orders'), 22);
    expect(label.length).toBeLessThanOrEqual(22);
    expect(label.startsWith('customer')).toBe(true);
    expect(label).toContain('…');
    expect(keyRangeLabel(chip(2, 'a', 'b'))).toBe('a…b');
    expect(keyRangeLabel(chip(3, 'k', 'k'))).toBe('k');
    expect(keyRangeLabel(chip(4, null, null))).toBe('keys not reported');
  });

  it('when a level has more files than its row holds, the last slot counts the rest', () => {
    const files = Array.from({ length: 9 }, (_, i) => chip(i, 'a', 'b'));
    expect(chipsThatFit(files, 9)).toEqual({ shown: files, hidden: 0 });
    const { shown, hidden } = chipsThatFit(files, 4);
    expect(shown).toHaveLength(3);
    expect(hidden).toBe(6);
    expect(shown.length + hidden).toBe(files.length);
  });

  it('a compaction input still live is no ghost; one gone from every level is', () => {
    const shape = { levels: [{ files: [chip(7, 'a', 'z')] }, { files: [chip(9, 'a', 'z')] }] };
    const lastCompaction = {
      report: { outputFiles: [9] },
      inputs: [
        { ...chip(4, 'a', 'm'), level: 0 },
        { ...chip(7, 'a', 'z'), level: 0 },
      ],
    };
    expect(compactedGhosts(lastCompaction, shape).map((g) => g.file)).toEqual([4]);
    expect(compactedGhosts(null, shape)).toEqual([]);
    expect([...freshFiles({ fileNumber: 7 }, lastCompaction)].sort()).toEqual([7, 9]);
    expect([...freshFiles({ fileNumber: null }, null)]).toEqual([]);
  });

  it('sizes read in the unit a learner expects', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(4300)).toBe('4.2 KiB');
    expect(formatBytes(null)).toBe('n/a');
  });
});
