import { describe, expect, it } from 'vitest';
import { seededRandom } from '@kvs-lab/shared/testing';
import type { Entry } from './entry.ts';
import { compareEntries } from './entry.ts';
import { compactVersions, mergeIterators, mergeRuns, visibleAt, visibleIterator } from './merge.ts';

const put = (key: string, seq: number, value = `${key}@${seq}`): Entry => ({ key, seq, kind: 'put', value });
const del = (key: string, seq: number): Entry => ({ key, seq, kind: 'delete', value: '' });

describe('merging iterator', () => {
  it('when random sorted runs are merged, then the result equals sorting their union', () => {
    const random = seededRandom(42);
    let seq = 0;
    const runs = Array.from({ length: 5 }, () =>
      Array.from({ length: 40 }, () => put(`k${Math.floor(random() * 30)}`, ++seq)).sort(compareEntries),
    );
    expect(mergeRuns(runs)).toEqual(runs.flat().sort(compareEntries));
  });

  it('when the runs are merged lazily, then the result is the same as the eager merge, and visibility too', () => {
    const random = seededRandom(9);
    let seq = 0;
    const runs = Array.from({ length: 4 }, () =>
      Array.from({ length: 50 }, () =>
        random() < 0.2
          ? del(`k${Math.floor(random() * 20)}`, ++seq)
          : put(`k${Math.floor(random() * 20)}`, ++seq),
      ).sort(compareEntries),
    );
    const lazy = [...mergeIterators(runs.map((r) => r[Symbol.iterator]()))];
    expect(lazy).toEqual(mergeRuns(runs));
    expect([...visibleIterator(lazy, 120)]).toEqual(visibleAt(lazy, 120));
  });

  it('when the same version appears in two runs, then it is kept once', () => {
    expect(mergeRuns([[put('a', 1)], [put('a', 1)]])).toHaveLength(1);
  });

  it('when a key was deleted after being written, then a reader sees it only at snapshots before the delete', () => {
    const sorted = [del('a', 3), put('a', 1), put('b', 2)];
    expect(visibleAt(sorted, 10).map((e) => e.key)).toEqual(['b']);
    expect(visibleAt(sorted, 2).map((e) => e.key)).toEqual(['a', 'b']);
  });
});

describe('compaction rule', () => {
  const history = [put('a', 9), put('a', 6), put('a', 2), del('b', 8), put('b', 1), del('c', 3)];

  it('when no snapshot is live, then only the newest version of each key is kept', () => {
    const out = compactVersions(history, { horizonSeq: 10, isBottommost: false });
    expect(out.kept).toEqual([put('a', 9), del('b', 8), del('c', 3)]);
    expect(out.droppedVersions).toBe(3);
  });

  it('when a snapshot at seq 7 is live, then the version it sees survives beside the newer one', () => {
    const out = compactVersions(history, { horizonSeq: 7, isBottommost: false });
    expect(out.kept).toEqual([put('a', 9), put('a', 6), del('b', 8), put('b', 1), del('c', 3)]);
  });

  it('when the output is not the bottom level, then tombstones are kept; at the bottom they go', () => {
    expect(compactVersions(history, { horizonSeq: 10, isBottommost: false }).droppedTombstones).toBe(0);
    const bottom = compactVersions(history, { horizonSeq: 10, isBottommost: true });
    expect(bottom.kept).toEqual([put('a', 9)]);
    expect(bottom.droppedTombstones).toBe(2);
  });

  it('when a tombstone is newer than a live snapshot, then it is kept even at the bottom', () => {
    const out = compactVersions([del('b', 8), put('b', 1)], { horizonSeq: 5, isBottommost: true });
    expect(out.kept).toEqual([del('b', 8), put('b', 1)]);
  });
});
