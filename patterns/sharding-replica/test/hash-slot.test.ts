import { seededRandom, startRedis, stopAllRedis } from '@kvs-lab/shared/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSlot } from '../src/domain/hash-slot.ts';

describe('hash slot against a real Redis Cluster node', () => {
  afterAll(async () => {
    await stopAllRedis();
  });

  it('hashSlot agrees with CLUSTER KEYSLOT on 1,000 random keys, hash tags and non-ASCII included', async () => {
    const node = await startRedis({
      name: 'keyslot-reference',
      extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
    });
    const client = new Redis({ host: node.host, port: node.port, lazyConnect: true });
    try {
      await client.connect();
      const random = seededRandom(16384);
      // Braces are frequent on purpose, so empty tags, nested and unclosed braces all occur.
      const alphabet = [...'abcXYZ019:._-{}{}{}', 'é', 'ß', '漢', '🙂'];
      const keys = Array.from({ length: 1000 }, () => {
        const length = 1 + Math.floor(random() * 24);
        return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      });
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.call('CLUSTER', 'KEYSLOT', key);
      const replies = (await pipeline.exec()) ?? [];
      const mismatches = keys.filter((key, i) => replies[i]?.[1] !== hashSlot(key));
      expect(mismatches).toEqual([]);
      expect(keys.filter((k) => /\{[^}]+\}/.test(k)).length).toBeGreaterThan(100);
    } finally {
      client.disconnect();
    }
  });
});
