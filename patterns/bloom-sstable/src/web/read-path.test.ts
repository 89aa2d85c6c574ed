import { describe, expect, it } from 'vitest';
import type { ReadSeen } from './read-path.js';
import { readHeadline, readStations } from './read-path.js';

const read = (over: Partial<ReadSeen>): ReadSeen => ({
  key: 'user:35',
  found: false,
  servedFrom: 'none',
  isSnapshotRead: false,
  hasL2: true,
  trace: null,
  ...over,
});

describe('the live view read path', () => {
  it('an absent key walks both caches and the memtable, and each SSTable filter that said no read no block', () => {
    const stations = readStations(
      read({
        trace: {
          bloomChecks: 2,
          bloomNegatives: 2,
          sstablesRead: 0,
          levels: [
            { level: 0, file: 12, outcome: 'bloom-negative' },
            { level: 0, file: 9, outcome: 'bloom-negative' },
          ],
        },
      }),
    );
    expect(stations.map((s) => `${s.node}:${s.state}`)).toEqual([
      'l1-cache:miss',
      'l2-cache:miss',
      'memtable:miss',
      'L0:bloom-no',
      'L0:bloom-no',
    ]);
    expect(stations.filter((s) => s.bloom === 'no').map((s) => s.file)).toEqual([12, 9]);
  });

  it('a present key: the filter that said maybe read the block that held it', () => {
    const r = read({
      found: true,
      servedFrom: 'sstable',
      isSnapshotRead: true,
      trace: {
        bloomChecks: 2,
        bloomNegatives: 1,
        sstablesRead: 1,
        levels: [
          { level: 0, file: 12, outcome: 'bloom-negative' },
          { level: 1, file: 4, outcome: 'found' },
        ],
      },
    });
    const stations = readStations(r);
    // asOf reads skip the caches: the first station is the memtable.
    expect(stations[0]?.node).toBe('memtable');
    expect(stations.at(-1)).toMatchObject({ node: 'L1', file: 4, bloom: 'maybe', state: 'found' });
    expect(readHeadline(r)).toBe(
      'GET user:35 (asOf: caches skipped) → found in sstable · 2 Bloom checks, 1 said no · 1 table read',
    );
  });

  it('an L1 hit stops at the cache; LevelDB says its path is not reported', () => {
    expect(readStations(read({ found: true, servedFrom: 'l1' })).map((s) => s.node)).toEqual(['l1-cache']);
    const leveldb = readStations(read({ found: true, servedFrom: 'sstable', hasL2: false }));
    expect(leveldb.map((s) => `${s.node}:${s.state}`)).toEqual(['l1-cache:miss', 'leveldb:unreported']);
  });
});
