import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { LsmEngine } from '../src/engines/lsm/lsm-engine.ts';
import { engineOptions, removeTempDirs, tempDataDir, waitFor } from './support/bloom-sstable-lab.ts';

afterAll(() => removeTempDirs());

describe('leveled compaction', () => {
  it('when L0 reaches its trigger, then background compaction moves it into L1 and reads stay correct', async () => {
    const dir = tempDataDir('compaction-bg');
    const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'off' }));
    for (let i = 0; i < 3000; i++) await engine.put(`k${i % 700}`, `v${i}`);
    await engine.idle();
    const l0 = engine.tables().filter((t) => t.level === 0).length;
    expect(l0).toBeLessThan(4);
    expect(engine.tables().some((t) => t.level >= 1)).toBe(true);
    expect(engine.counters.compactions).toBeGreaterThan(0);
    // Only the newest version survives below L0: 700 keys, one entry each in L1+.
    for (let k = 0; k < 700; k++) {
      const newest = k + 700 * Math.floor((2999 - k) / 700);
      expect(engine.get(`k${k}`).entry?.value).toBe(`v${newest}`);
    }
    await engine.close();
  });

  it('when keys are overwritten and deleted and fully compacted, then only live newest versions remain and space comes back', async () => {
    const dir = tempDataDir('compaction-full');
    const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'off' }));
    // Every overwrite stays on disk until the full compaction below.
    engine.pauseCompaction(true);
    for (let round = 0; round < 5; round++)
      for (let i = 0; i < 200; i++) await engine.put(`k${i}`, `r${round}-${'x'.repeat(50)}`);
    for (let i = 0; i < 100; i++) await engine.delete(`k${i}`);
    await engine.flush();
    await engine.idle();
    const bytesBefore = engine.tables().reduce((n, t) => n + t.sizeBytes, 0);
    const report = await engine.compactAll();
    expect(report?.droppedTombstones).toBeGreaterThan(0);
    const tables = engine.tables();
    expect(tables.reduce((n, t) => n + t.entryCount, 0)).toBe(100);
    expect(tables.reduce((n, t) => n + t.tombstoneCount, 0)).toBe(0);
    expect(tables.reduce((n, t) => n + t.sizeBytes, 0)).toBeLessThan(bytesBefore / 2);
    expect(engine.get('k5').entry).toBeUndefined();
    expect(engine.get('k150').entry?.value).toMatch(/^r4-/);
    // Files on disk are exactly the manifest's tables plus the WAL and the manifest.
    const sst = readdirSync(dir).filter((n) => n.endsWith('.sst'));
    expect(sst).toHaveLength(tables.length);
    await engine.close();
  });

  it('when a key is deleted and L0 is compacted over its older version, then it stays deleted, and a full compaction removes the tombstone', async () => {
    const dir = tempDataDir('compaction-tombstone');
    const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'off' }));
    await engine.put('a', 'old');
    await engine.put('z', 'old');
    await engine.compactAll();
    expect(engine.tables().map((t) => t.level)).toEqual([1]);
    engine.pauseCompaction(true);
    await engine.delete('a');
    for (let i = 0; i < 4; i++) {
      await engine.put(`m${i}`, 'x');
      await engine.flush();
    }
    engine.pauseCompaction(false);
    await waitFor(() => engine.tables().every((t) => t.level > 0), 15_000, 'L0 compaction');
    await engine.idle();
    expect(engine.get('a').entry?.kind ?? 'absent').not.toBe('put');
    await engine.compactAll();
    expect(engine.tables().reduce((n, t) => n + t.tombstoneCount, 0)).toBe(0);
    expect(engine.get('a').entry).toBeUndefined();
    expect(engine.get('z').entry?.value).toBe('old');
    await engine.close();
  });

  it('when a snapshot is pinned, then compaction keeps the version it sees until it is released', async () => {
    const dir = tempDataDir('compaction-snapshot');
    const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'off' }));
    await engine.put('k', 'v1');
    const snapshot = engine.createSnapshot();
    await engine.put('k', 'v2');
    await engine.delete('k');
    await engine.compactAll();
    expect(engine.get('k', snapshot).entry?.value).toBe('v1');
    expect(engine.get('k').entry?.kind).toBe('delete');
    engine.releaseSnapshot(snapshot);
    await engine.compactAll();
    expect(engine.tables().reduce((n, t) => n + t.entryCount, 0)).toBe(0);
    expect(() => engine.get('k', snapshot)).toThrow(/horizon/);
    await engine.close();
  });

  it('when compaction is paused and L0 grows past the slowdown trigger, then writes slow down and still succeed, and the stall ends when compaction drains L0', async () => {
    const dir = tempDataDir('compaction-stall');
    const engine = await LsmEngine.open(engineOptions(dir, { fsync: 'off' }));
    engine.pauseCompaction(true);
    for (let i = 0; i < 9; i++) {
      await engine.put(`s${i}`, 'x');
      await engine.flush();
    }
    await engine.put('one-more', 'x');
    expect(engine.writeStall).toBe('slowdown');
    expect(engine.counters.slowedWrites).toBeGreaterThan(0);
    const changes: string[] = [];
    engine.onEvent((e) => {
      if (e.type === 'stall') changes.push(e.state);
    });
    engine.pauseCompaction(false);
    await engine.idle();
    // No write since: the compaction itself must have recomputed the stall (and told the live view).
    expect(engine.writeStall).toBe('none');
    expect(changes).toEqual(['none']);
    await engine.put('after', 'x');
    await engine.close();
  });
});
