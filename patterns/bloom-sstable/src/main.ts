import { randomUUID } from 'node:crypto';
import { connectRedisNodes, parseRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { parseConfig } from './config.ts';
import { startRespServer } from './resp/resp-server.ts';
import { openEngine } from './engines/open-engine.ts';

// config -> engine on the data directory (recovery) -> Redis (L2 cache) -> app -> HTTP and RESP listeners.
const config = parseConfig(process.env);
const engine = await openEngine(config.engineName, { dir: config.dataDir, ...config.engine });
const addresses = parseRedisNodes(config.redisNodes);
// The one Redis node is the L2 cache (`lsm-cache`, or `lsm-leveldb-cache` on the leveldb engine).
const [cache] = await connectRedisNodes(addresses.slice(0, 1));
const { service, lsm } = await createApp({
  engine,
  ...(cache ? { cache } : {}),
  cacheEpoch: randomUUID().slice(0, 8),
  l1Entries: config.l1CacheEntries,
  l2TtlSeconds: config.l2TtlSeconds,
  maxKeyBytes: config.maxKeyBytes,
  maxValueBytes: config.maxValueBytes,
  instance: config.serviceName,
});
// Loopback unless HOST says otherwise (compose sets HOST=0.0.0.0 inside the container).
const resp = await startRespServer(lsm, {
  port: config.respPort,
  host: process.env.HOST ?? '127.0.0.1',
  limits: { maxKeyBytes: config.maxKeyBytes, maxValueBytes: config.maxValueBytes },
  info: () => infoText(),
});
service.onClose(() => resp.close());
service.logger.info(
  { engine: engine.engineName, dataDir: config.dataDir, respPort: resp.port, wal: engine.stats().wal },
  `RESP2 on port ${resp.port}: redis-cli -p ${resp.port}`,
);
await runService(service, config.port);

function infoText(): string {
  const s = lsm.stats();
  const levels = Array.isArray(s.levels)
    ? (s.levels as { level: number; files: number; bytes: number }[])
    : [];
  return [
    '# Server',
    'redis_version:7.0.0-lsm-lab',
    `lsm_engine:${engine.engineName}`,
    `tcp_port:${resp.port}`,
    '# Clients',
    `connected_clients:${resp.connections()}`,
    '# Keyspace-LSM',
    `last_seq:${s.lastSeq}`,
    ...levels.map((l) => `level${l.level}:files=${l.files},bytes=${l.bytes}`),
    '',
  ].join('\r\n');
}
