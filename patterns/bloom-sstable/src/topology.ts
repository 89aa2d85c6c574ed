import { defineTopology } from '@kvs-lab/shared/topology';

export const topology = defineTopology({
  name: 'bloom-sstable',
  title: 'Bloom filters and SSTables',
  summary: 'an LSM store: WAL, MemTable, SSTables, Bloom filters, compaction, L1/L2 cache, RESP2 port',
  cap: 'CP',
  implemented: true,
  issue: 9,
  dir: 'patterns/bloom-sstable',
  entry: 'src/main.ts',
  portBlock: 7700,
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
});
