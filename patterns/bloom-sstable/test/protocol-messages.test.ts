import { describe, expect, it } from 'vitest';
import type { CompactionReport } from '../src/engines/engine-types.ts';
import {
  compactionInputs,
  compactionMessages,
  readMessages,
  writeMessages,
} from '../src/realtime/protocol-messages.ts';

const hop = (m: { from: string; to: string; kind: string }) => `${m.from}>${m.to}:${m.kind}`;

describe('the protocol messages the trace records', () => {
  it('a write goes to the WAL before the memtable, then to the L2 cache with its seq', () => {
    expect(writeMessages({ key: 'k', seq: 7, isDelete: false, hasL2: true }).map(hop)).toEqual([
      'client>wal:append',
      'wal>memtable:insert',
      'client>l2-cache:set-if-newer',
    ]);
    expect(writeMessages({ key: 'k', seq: 8, isDelete: true, hasL2: false })[0]?.detail).toEqual({
      key: 'k',
      seq: 8,
      tombstone: true,
    });
  });

  it('a read of an absent key asks each part in turn, each SSTable filter answers, and the last part replies', () => {
    const messages = readMessages({
      key: 'user:35',
      found: false,
      servedFrom: 'none',
      isSnapshotRead: false,
      hasL2: true,
      trace: {
        bloomChecks: 2,
        bloomNegatives: 1,
        bloomFalsePositives: 1,
        sstablesRead: 1,
        noFilterReason: null,
        levels: [
          { level: 0, file: 12, outcome: 'bloom-negative' },
          { level: 1, file: 4, outcome: 'bloom-false-positive' },
        ],
      },
    });
    expect(messages.map(hop)).toEqual([
      'client>l1-cache:get',
      'l1-cache>l2-cache:get',
      'l2-cache>memtable:get',
      'memtable>L0:bloom-check',
      'L0>L1:bloom-check',
      'L1>client:reply',
    ]);
    expect(messages[3]?.detail).toEqual({
      key: 'user:35',
      file: 12,
      bloom: 'no',
      blockRead: false,
      found: false,
    });
    expect(messages[4]?.detail).toMatchObject({ file: 4, bloom: 'maybe', blockRead: true, found: false });
  });

  it('a compaction sends each input level its own files, and the compactor writes the output level', () => {
    const report: CompactionReport = {
      reason: 'L0 has 4 files',
      level: 0,
      outputLevel: 1,
      inputFiles: [5, 6, 2],
      outputFiles: [9],
      entriesIn: 10,
      entriesOut: 8,
      droppedVersions: 2,
      droppedTombstones: 0,
      bytesRead: 100,
      bytesWritten: 80,
      durationMs: 1,
    };
    const chip = (file: number) => ({ file, sizeBytes: 1, smallestKey: 'a', largestKey: 'z', entries: 1 });
    const inputs = compactionInputs(report, [
      { level: 0, files: [chip(6), chip(5)] },
      { level: 1, files: [chip(2), chip(3)] },
    ]);
    expect(inputs.map((f) => `${f.level}:${f.file}`)).toEqual(['0:6', '0:5', '1:2']);
    const messages = compactionMessages(report, inputs);
    expect(messages.map(hop)).toEqual([
      'L0>compactor:compact-input',
      'L1>compactor:compact-input',
      'compactor>L1:compact-output',
    ]);
    expect(messages[0]?.detail).toMatchObject({ files: [6, 5] });
    expect(messages[2]?.detail).toMatchObject({ files: [9], droppedVersions: 2 });
  });
});
