import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { RingApp } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import { uniqueFreePorts } from './coordinator-ring-lab.ts';

/**
 * ring-1 of a 3-node ring whose peers never answer, with a one-minute election
 * timeout: its term, vote and log change only through what a test sends it.
 */
export async function startLonelyNode(handle: RedisHandle, adminToken?: string): Promise<RingApp> {
  const [redis] = await connectRedisNodes(parseRedisNodes(`ring-1-redis=${handle.url}`));
  if (!redis) throw new Error('no redis');
  const [p2, p3] = await uniqueFreePorts(2);
  return createApp({
    config: defaultConfig({ nodeId: 'ring-1', electionTimeoutMinMs: 60_000, electionTimeoutMaxMs: 60_000 }),
    redis,
    peers: [
      { name: 'ring-2', url: `http://127.0.0.1:${p2}` },
      { name: 'ring-3', url: `http://127.0.0.1:${p3}` },
    ],
    ...(adminToken ? { adminToken } : {}),
  });
}
