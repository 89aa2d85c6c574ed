import { describe, expect, it } from 'vitest';
import type { EngineCounters } from './lsm-figures.ts';
import { amplification, bloomFigures, emptyCounters } from './lsm-figures.ts';
import type { TableMeta } from './manifest.ts';

const counters = (overrides: Partial<EngineCounters>): EngineCounters => ({
  ...emptyCounters(),
  ...overrides,
});

const table = (keyCount: number, bitsPerKey: number, hashCount: number): TableMeta => ({
  fileNumber: 1,
  level: 0,
  sizeBytes: 1,
  entryCount: keyCount,
  tombstoneCount: 0,
  smallestKey: 'a',
  largestKey: 'z',
  minSeq: 1,
  maxSeq: 1,
  filterBytes: Math.ceil((keyCount * bitsPerKey) / 8),
  bitsPerKey,
  hashCount,
  keyCount,
});

describe('LSM figures', () => {
  it('when 100 user bytes cost 110 WAL, 100 flush and 200 compaction bytes, then write amplification is 4.1', () => {
    const figures = amplification(
      counters({ userBytes: 100, walBytes: 110, flushBytes: 100, compactionBytesWritten: 200 }),
    );
    expect(figures.writeAmplification).toBe(4.1);
    expect(figures.readAmplification).toBeNull();
  });

  it('when 10 reads opened 3 tables, then read amplification is 0.3', () => {
    expect(amplification(counters({ gets: 10, tablesProbed: 3 })).readAmplification).toBe(0.3);
  });

  it('when tables have different densities, then the theoretical rate is their key-weighted average', () => {
    const dense = table(1000, 10, 7);
    const sparse = table(3000, 4, 3);
    const figures = bloomFigures(
      [dense, sparse],
      10,
      counters({ bloomNegatives: 990, bloomFalsePositives: 10, bloomChecks: 1000 }),
    );
    expect(figures.theoreticalFalsePositiveRate).toBeCloseTo((1000 * 0.00819 + 3000 * 0.1469) / 4000, 3);
    expect(figures.observedFalsePositiveRate).toBe(0.01);
    expect(figures.hashCount).toBe(7);
  });
});
