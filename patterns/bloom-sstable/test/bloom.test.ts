import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import { bloomFiguresOf } from '../src/lsm-views.ts';
import { engineOptions, removeTempDirs, tempDataDir } from './support/bloom-sstable-lab.ts';

describe('Bloom filters in the read path', () => {
  let engine: LsmEngine;
  const keyCount = 20_000;

  beforeAll(async () => {
    const dir = tempDataDir('bloom');
    engine = await LsmEngine.open(
      engineOptions(dir, {
        memtableBytes: 256 * 1024,
        targetFileBytes: 256 * 1024,
        blockBytes: 4096,
        fsync: 'off',
      }),
    );
    // Batches of concurrent puts share a WAL write (group commit): the load takes a fraction of the time.
    for (let from = 0; from < keyCount; from += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, j) => engine.put(`user:${from + j}`, `value-${from + j}`)),
      );
    }
    await engine.flush();
    await engine.idle();
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    removeTempDirs();
  });

  it('when every written key is read back, then none is missed: zero false negatives', () => {
    let missing = 0;
    for (let i = 0; i < keyCount; i++)
      if (engine.get(`user:${i}`).entry?.value !== `value-${i}`) missing += 1;
    expect(missing).toBe(0);
  });

  it('when 100k absent keys inside the key range are read, then the measured false-positive rate is within 1.5x of theory and >= 98 % of reads touch no SSTable data', () => {
    const before = { ...engine.counters };
    let touchedNoData = 0;
    const probes = 100_000;
    for (let i = 0; i < probes; i++) {
      const { entry, trace } = engine.get(`user:${i % keyCount}~absent${i}`, undefined, true);
      expect(entry).toBeUndefined();
      if (trace?.sstablesRead === 0) touchedNoData += 1;
    }
    const checks = engine.counters.bloomChecks - before.bloomChecks;
    const falsePositives = engine.counters.bloomFalsePositives - before.bloomFalsePositives;
    const theory = bloomFiguresOf(engine).theoreticalFalsePositiveRate;
    expect(checks).toBeGreaterThanOrEqual(probes);
    expect(falsePositives / checks).toBeLessThanOrEqual(theory * 1.5);
    expect(touchedNoData / probes).toBeGreaterThanOrEqual(0.98);
  });
});
