import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { RingApp } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import { uniqueFreePorts } from './coordinator-ring-lab.ts';

/**
 * A ring of `names.length` nodes inside the test process (supertest can reach
 * each app), each with its own real AOF Redis, talking to each other over
 * real HTTP on free ports. The caller closes the apps and stops the Redis.
 */
export async function startInProcessRing(
  names: readonly string[],
): Promise<{ apps: RingApp[]; redises: RedisHandle[] }> {
  const ports = await uniqueFreePorts(names.length);
  const redises = await Promise.all(
    names.map((name) => startRedis({ name: `${name}-redis`, appendOnly: true })),
  );
  const apps = await Promise.all(
    names.map(async (name, i) => {
      const handle = redises[i] as RedisHandle;
      const [redis] = await connectRedisNodes(parseRedisNodes(`${name}-redis=${handle.url}`));
      if (!redis) throw new Error(`${name}: no redis`);
      const peers = names
        .map((other, j) => ({ name: other, url: `http://127.0.0.1:${ports[j]}` }))
        .filter((p) => p.name !== name);
      return createApp({ config: defaultConfig({ nodeId: name, port: ports[i] ?? 0 }), redis, peers });
    }),
  );
  await Promise.all(apps.map((app, i) => app.service.listen(ports[i] ?? 0, '127.0.0.1')));
  return { apps, redises };
}
