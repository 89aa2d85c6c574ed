import { describe, expect, it } from 'vitest';
import { eventLine } from './event-lines.js';

describe('the live view event log lines', () => {
  it('says what happened in one line, not the payload', () => {
    expect(eventLine('write:applied', { kind: 'put', key: 'user:1', seq: 7, memtable: {} })).toBe(
      'write:applied put user:1 seq 7',
    );
    expect(
      eventLine('memtable:flushed', { report: { fileNumber: 11, entries: 300 }, shape: { levels: [] } }),
    ).toBe('memtable:flushed 300 entries → L0 #11');
    expect(
      eventLine('compaction:finished', {
        report: { level: 0, outputLevel: 1, inputFiles: [4, 6], outputFiles: [9] },
        inputs: [],
        shape: { levels: [] },
      }),
    ).toBe('compaction:finished L0 #4 #6 → L1 #9');
    expect(
      eventLine('read:traced', {
        key: 'k',
        found: false,
        servedFrom: 'none',
        isSnapshotRead: false,
        hasL2: false,
        trace: { bloomChecks: 1, bloomNegatives: 1, sstablesRead: 0, levels: [] },
      }),
    ).toBe('read:traced GET k → absent · 1 Bloom check, 1 said no · 0 tables read');
  });
});
