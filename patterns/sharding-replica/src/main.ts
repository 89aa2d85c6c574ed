import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

// config -> redis -> app -> monitor -> listen.
const config = loadConfig();
const nodes = await connectRedisNodes(config.redisNodes, { commandTimeoutMs: config.redisCommandTimeoutMs });
const { service, sharding } = await createApp({ config, nodes });
await sharding.start();
await runService(service, config.port);
