import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createRingApp } from './app.ts';
import { parsePeers } from './cluster/peer-link.ts';
import { loadConfig } from './config.ts';

// config -> redis -> app -> listen, and a graceful stop on SIGTERM.
const config = loadConfig(process.env);
// The kit's logger reads LOG_LEVEL when the service is created: hand it the validated value.
process.env.LOG_LEVEL = config.logLevel;
const [address] = parseRedisNodes(config.redisNodes);
if (!address) throw new Error('REDIS_NODES names no node');
const [redis] = await connectRedisNodes([address], { readyTimeoutMs: 10_000 });
if (!redis?.isReady) throw new Error(`${config.nodeId}: its Redis ${address.url} is not reachable`);
const { service } = await createRingApp({ config, redis, peers: parsePeers(config.peers) });
await runService(service, config.port);
