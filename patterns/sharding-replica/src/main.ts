import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

// config -> redis -> app -> monitor -> listen.
const config = loadConfig();
// Auto-pipelining: the GETs and SETs of concurrent requests to one node leave in one socket write.
const nodes = await connectRedisNodes(config.redisNodes, {
  commandTimeoutMs: config.redisCommandTimeoutMs,
  autoPipelining: true,
});
const { service, sharding } = await createApp({ config, nodes });
await sharding.start();
await runService(service, config.port);
