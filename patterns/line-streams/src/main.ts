import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { loadConfig } from './config.ts';

// config -> redis -> app (API, or API + delivery worker by ROLE) -> listen.
const config = loadConfig();
const [address] = parseRedisNodes(config.REDIS_NODES);
if (!address) throw new Error('REDIS_NODES names no node');
const [node] = await connectRedisNodes([address]);
if (!node) throw new Error('no Redis node connected');
const { service } = await createApp({ node, settings: config });
await runService(service, config.PORT);
