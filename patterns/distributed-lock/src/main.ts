import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { loadConfig, splitNodes } from './config.ts';

// config -> redis -> app -> listen (runService shuts down on SIGTERM/SIGINT).
const config = loadConfig();
const { lockNodes, resourceNode } = splitNodes(config);
const [[store], locks] = await Promise.all([
  connectRedisNodes([resourceNode]),
  connectRedisNodes(lockNodes, { autoPipelining: config.isAutoPipeliningOn }),
]);
if (!store) throw new Error('no resource node connected');
const { service } = await createApp({ config, lockNodes: locks, resourceNode: store });
await runService(service, config.port);
