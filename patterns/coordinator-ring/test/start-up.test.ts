import { afterAll, describe, expect, it } from 'vitest';
import { sendRedisCommand, startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import type { RingApp } from '../src/app.ts';
import { keys } from '../src/engines/raft/keys.ts';
import { startLonelyNode } from './support/lonely-node.ts';

let app: RingApp | undefined;

afterAll(async () => {
  await app?.service.close();
  await stopAllRedis();
});

describe('coordinator-ring start-up', () => {
  it('when the stored log is larger than one Redis reply may be, then the node still starts with every entry', async () => {
    const handle = await startRedis({ name: 'startup-ring-1-redis', appendOnly: true });
    // Redis drops a client whose pending reply passes 1 MiB: a single LRANGE 0 -1 of this log cannot be read.
    await sendRedisCommand(handle.port, ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 1mb 0']);
    const entries = 3_000;
    const value = 'x'.repeat(1_000);
    for (let first = 1; first <= entries; first += 500) {
      const batch = Array.from({ length: 500 }, (_, i) =>
        JSON.stringify({
          index: first + i,
          term: 1,
          command: {
            type: 'put',
            key: `k${first + i}`,
            value,
            clock: { 'ring-2': { counter: first + i, timestamp: first + i } },
          },
        }),
      );
      await sendRedisCommand(handle.port, ['RPUSH', keys.log('ring-1'), ...batch], { timeoutMs: 10_000 });
    }
    await sendRedisCommand(handle.port, [
      'HSET',
      keys.election('ring-1'),
      'currentTerm',
      '1',
      'votedFor',
      'ring-2',
    ]);

    app = await startLonelyNode(handle);
    expect(app.node.status()).toMatchObject({ term: 1, votedFor: 'ring-2', lastLogIndex: entries });
    expect((await app.node.checkFacts([])).entryTermAt(entries)).toBe(1);
  }, 60_000);
});
