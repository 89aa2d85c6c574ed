import { connectRedisNodes, parseRedisNodes } from '../redis/index.ts';
import { runService } from '../service/index.ts';
import { createDemoApp } from './demo-app.ts';

// config -> redis -> app -> listen, as every pattern's main.ts does.
const port = Number(process.env.PORT ?? 7001);
const [address] = parseRedisNodes(process.env.REDIS_NODES ?? 'demo-redis=redis://127.0.0.1:7010');
if (!address) throw new Error('REDIS_NODES names no node');
const [redis] = await connectRedisNodes([address]);
if (!redis) throw new Error('no Redis node connected');
await runService(createDemoApp({ redis }), port);
