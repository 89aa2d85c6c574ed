import { describe, expect, it } from 'vitest';
import type { CompactionPolicy } from './compaction-picker.ts';
import { fullCompactionPlan, levelMaxBytes, pickCompaction, writeStallFor } from './compaction-picker.ts';
import type { TableMeta } from './manifest.ts';

const policy: CompactionPolicy = {
  l0CompactionTrigger: 4,
  l0SlowdownTrigger: 8,
  l0StopTrigger: 12,
  level1MaxBytes: 1000,
  levelSizeRatio: 10,
  maxLevels: 4,
};

let nextNumber = 1;
function table(level: number, smallestKey: string, largestKey: string, sizeBytes = 100): TableMeta {
  return {
    fileNumber: nextNumber++,
    level,
    sizeBytes,
    entryCount: 1,
    tombstoneCount: 0,
    smallestKey,
    largestKey,
    minSeq: 1,
    maxSeq: 1,
    filterBytes: 8,
    bitsPerKey: 10,
    hashCount: 7,
    keyCount: 1,
  };
}

describe('compaction picker', () => {
  it('when L0 is below its trigger and every level within budget, then nothing is picked', () => {
    expect(pickCompaction([table(0, 'a', 'z'), table(1, 'a', 'm')], policy)).toBeUndefined();
  });

  it('when L0 reaches its trigger, then all of L0 goes down with exactly the L1 files it overlaps', () => {
    const l0 = [table(0, 'c', 'f'), table(0, 'a', 'd'), table(0, 'e', 'g'), table(0, 'b', 'c')];
    const inside = table(1, 'f', 'h');
    const outside = table(1, 'x', 'z');
    const plan = pickCompaction([...l0, inside, outside], policy);
    expect(plan).toMatchObject({ level: 0, outputLevel: 1 });
    expect(plan?.inputs).toHaveLength(4);
    expect(plan?.overlaps).toEqual([inside]);
  });

  it('when a deeper level holds keys of the range, then the plan is not bottommost (tombstones must stay)', () => {
    const l0 = [table(0, 'a', 'b'), table(0, 'a', 'b'), table(0, 'a', 'b'), table(0, 'a', 'b')];
    expect(pickCompaction([...l0, table(2, 'b', 'c')], policy)?.isBottommost).toBe(false);
    expect(pickCompaction([...l0, table(2, 'x', 'y')], policy)?.isBottommost).toBe(true);
  });

  it('when L1 exceeds its byte budget, then its first file moves to L2; each level may hold ratio times more', () => {
    expect(levelMaxBytes(2, policy)).toBe(10_000);
    const plan = pickCompaction(
      [table(1, 'm', 'p', 600), table(1, 'a', 'c', 600), table(2, 'b', 'd')],
      policy,
    );
    expect(plan).toMatchObject({ level: 1, outputLevel: 2 });
    expect(plan?.inputs.map((t) => t.smallestKey)).toEqual(['a']);
    expect(plan?.overlaps.map((t) => t.smallestKey)).toEqual(['b']);
  });

  it('when a full compaction is planned, then everything goes to the deepest level in use and it is bottommost', () => {
    const plan = fullCompactionPlan([table(0, 'a', 'b'), table(2, 'c', 'd'), table(1, 'e', 'f')]);
    expect(plan).toMatchObject({ outputLevel: 2, isBottommost: true });
    expect((plan?.inputs.length ?? 0) + (plan?.overlaps.length ?? 0)).toBe(3);
  });

  it('when L0 deepens, then writes go from normal to slowed down to stopped', () => {
    expect([0, 7, 8, 11, 12].map((n) => writeStallFor(n, policy))).toEqual([
      'none',
      'none',
      'slowdown',
      'slowdown',
      'stop',
    ]);
  });
});
