import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { startRedis } from '@kvs-lab/shared/testing';
import type { RedisHandle } from '@kvs-lab/shared/testing';
import { createApp } from '../../src/app.ts';
import type { RingApp } from '../../src/app.ts';
import { defaultConfig } from '../../src/config.ts';
import type { RingConfig } from '../../src/config.ts';
import { uniqueFreePorts } from './coordinator-ring-lab.ts';

export interface InProcessRing {
  readonly apps: RingApp[];
  readonly redises: RedisHandle[];
  /** Starts node `i` again on its port over its Redis (after its app was closed): a restart. */
  restart(i: number): Promise<RingApp>;
}

/**
 * A ring of `names.length` nodes inside the test process (supertest can reach
 * each app), each with its own real AOF Redis, talking to each other over
 * real HTTP on free ports. The caller closes the apps and stops the Redis.
 */
export async function startInProcessRing(
  names: readonly string[],
  overrides: Partial<RingConfig> = {},
): Promise<InProcessRing> {
  const ports = await uniqueFreePorts(names.length);
  const redises = await Promise.all(
    names.map((name) => startRedis({ name: `${name}-redis`, appendOnly: true })),
  );
  const start = async (i: number): Promise<RingApp> => {
    const name = names[i] ?? '';
    const handle = redises[i] as RedisHandle;
    const [redis] = await connectRedisNodes(parseRedisNodes(`${name}-redis=${handle.url}`));
    if (!redis) throw new Error(`${name}: no redis`);
    const peers = names
      .map((other, j) => ({ name: other, url: `http://127.0.0.1:${ports[j]}` }))
      .filter((p) => p.name !== name);
    const config = defaultConfig({ nodeId: name, port: ports[i] ?? 0, ...overrides });
    const app = await createApp({ config, redis, peers });
    await app.service.listen(ports[i] ?? 0, '127.0.0.1');
    return app;
  };
  const apps = await Promise.all(names.map((_, i) => start(i)));
  const restart = async (i: number): Promise<RingApp> => {
    const app = await start(i);
    apps[i] = app;
    return app;
  };
  return { apps, redises, restart };
}
