import { defineTopology } from '@kvs-lab/shared/topology';
import type { PatternTopology } from '@kvs-lab/shared/topology';

const base = {
  name: 'bloom-sstable',
  title: 'Bloom filters and SSTables',
  summary: 'an LSM store: WAL, MemTable, SSTables, Bloom filters, compaction, L1/L2 cache, RESP2 port',
  cap: 'CP',
  implemented: true,
  issue: 9,
  dir: 'patterns/bloom-sstable',
  entry: 'src/main.ts',
  portBlock: 7700,
} as const;

/** The same APIs on LevelDB (classic-level): its own process names, the same ports; the runner sets ENGINE=leveldb. */
const leveldbTopology = (): PatternTopology =>
  defineTopology({
    ...base,
    title: 'Bloom filters and SSTables (LevelDB)',
    summary: 'the same HTTP and RESP2 APIs served by LevelDB (classic-level) instead of the hand-made LSM',
    redis: [{ name: 'lsm-leveldb-cache', port: 7710 }],
    services: [
      {
        name: 'lsm-leveldb-node',
        port: 7701,
        redis: ['lsm-leveldb-cache'],
        extraPorts: { respPort: 7702 },
        // LevelDB's log, tables and MANIFEST: `pnpm lab up` passes .lab/bloom-sstable/lsm-leveldb-node-data.
        hasDataDir: true,
      },
    ],
  });

export const topology = defineTopology({
  ...base,
  redis: [
    {
      name: 'lsm-cache',
      port: 7710,
    },
  ],
  services: [
    {
      name: 'lsm-node',
      port: 7701,
      redis: ['lsm-cache'],
      extraPorts: {
        respPort: 7702,
      },
      // The WAL, SSTables and manifest: `pnpm lab up` passes .lab/bloom-sstable/lsm-node-data, compose a volume.
      hasDataDir: true,
    },
  ],
  engines: {
    default: 'lsm',
    others: { leveldb: leveldbTopology },
    descriptions: {
      lsm: 'The hand-made LSM: WAL, memtable, SSTables with Bloom filters, leveled compaction (the lesson)',
      leveldb:
        'LevelDB (classic-level) behind the same APIs: the answer key, figures it does not report are null',
    },
  },
});
