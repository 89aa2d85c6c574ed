import { fromText } from './byte-string.ts';
import { describe, expect, it } from 'vitest';
import type { Entry } from './entry.ts';
import { ByteWriter } from './bytes.ts';
import { appendWalBatch, decodeWal, encodeWalRecord } from './wal-record.ts';

const entries: Entry[] = [
  { key: 'a', seq: 1, kind: 'put', value: 'hello' },
  { key: 'b', seq: 2, kind: 'delete', value: '' },
  { key: fromText('ключ'), seq: 2 ** 40, kind: 'put', value: 'x'.repeat(1000) },
];
const log = new Uint8Array(entries.flatMap((e) => [...encodeWalRecord(e)]));

describe('WAL records', () => {
  it('when a whole log is replayed, then every record comes back in order and nothing is discarded', () => {
    expect(decodeWal(log)).toEqual({ entries, validBytes: log.length, discardedBytes: 0 });
  });

  it('when the log is cut at every possible byte, then replay keeps exactly the whole records before the cut', () => {
    const ends = entries.map((_, i) =>
      entries.slice(0, i + 1).reduce((n, e) => n + encodeWalRecord(e).length, 0),
    );
    for (let cut = 0; cut <= log.length; cut++) {
      const replay = decodeWal(log.subarray(0, cut));
      const whole = ends.filter((end) => end <= cut).length;
      expect(replay.entries).toEqual(entries.slice(0, whole));
      expect(replay.validBytes + replay.discardedBytes).toBe(cut);
    }
  });

  it('when a byte in the last record is flipped, then that record and only it is discarded', () => {
    const copy = log.slice();
    copy[copy.length - 3] = (copy[copy.length - 3] ?? 0) ^ 1;
    const replay = decodeWal(copy);
    expect(replay.entries).toEqual(entries.slice(0, 2));
    expect(replay.discardedBytes).toBe(encodeWalRecord(entries[2]!).length);
    expect(replay.stopReason).toMatch(/checksum/);
  });

  it('when a batch record (MSET) is cut at every possible byte, then replay keeps all of its entries or none', () => {
    const single: Entry = { key: 'before', seq: 1, kind: 'put', value: 'x' };
    const batch: Entry[] = [
      { key: 'a', seq: 2, kind: 'put', value: '1' },
      { key: 'b', seq: 3, kind: 'put', value: 'y'.repeat(300) },
      { key: 'a', seq: 4, kind: 'put', value: '3' },
    ];
    const w = new ByteWriter();
    const first = encodeWalRecord(single);
    w.bytes(first);
    appendWalBatch(w, batch);
    const both = w.finish();
    expect(decodeWal(both).entries).toEqual([single, ...batch]);
    for (let cut = first.length; cut <= both.length; cut++) {
      const replayed = decodeWal(both.subarray(0, cut)).entries;
      expect(replayed).toEqual(cut === both.length ? [single, ...batch] : [single]);
    }
  });
});
