import { describe, expect, it } from 'vitest';
import type { ProcessRecord } from './state-file.ts';
import { formatUrlTable } from './url-table.ts';

const service: ProcessRecord = {
  name: 'bloom-sstable-1',
  role: 'service',
  pid: 1,
  port: 7701,
  url: 'http://127.0.0.1:7701',
  state: 'running',
  extraPorts: { respPort: 7702 },
};

describe('formatUrlTable', () => {
  it('when a service serves RESP, then its row says how to reach it with redis-cli', () => {
    const table = formatUrlTable('bloom-sstable', [service]);
    expect(table).toContain('http://127.0.0.1:7701/docs');
    expect(table).toMatch(/127\.0\.0\.1:7702\s+RESP: redis-cli -p 7702/);
  });
});
