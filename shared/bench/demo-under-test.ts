import { pino } from 'pino';
import { startBaselineServer } from '../src/bench/index.ts';
import { createDemoApp } from '../src/demo/demo-app.ts';
import { connectRedisNodes } from '../src/redis/index.ts';
import { startRedis } from '../src/testing/index.ts';

/** The kit demo and the bare Express baseline, both on one fresh redis-server, as the kit's benches measure them. */
export async function startDemoUnderTest(name: string): Promise<{
  demoUrl: string;
  baselineUrl: string;
  close: () => Promise<void>;
}> {
  const redis = await startRedis({ name });
  const [node] = await connectRedisNodes([
    { name: 'demo-redis', url: redis.url, host: redis.host, port: redis.port },
  ]);
  if (!node) throw new Error('no Redis node');
  // Request logs would measure the terminal, not the kit.
  const app = createDemoApp({ redis: node, logger: pino({ level: 'warn' }) });
  const address = await app.listen(0, '127.0.0.1');
  const baseline = await startBaselineServer(redis.url);
  return {
    demoUrl: `http://127.0.0.1:${address.port}`,
    baselineUrl: baseline.url,
    close: async () => {
      await baseline.close();
      await app.close();
      await redis.stop();
    },
  };
}
