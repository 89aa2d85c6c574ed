import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

// config -> redis -> app -> listen, as every pattern's main.ts does.
const config = loadConfig();
const [address] = parseRedisNodes(config.REDIS_NODES);
if (!address) throw new Error('REDIS_NODES names no node');
const [redis] = await connectRedisNodes([address]);
if (!redis) throw new Error('no Redis node connected');
const { service } = await createApp({ redis, config });
await runService(service, config.PORT);
