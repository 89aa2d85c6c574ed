import { connectRedisNodes } from '@kvs-lab/shared/redis';
import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { parseConfig } from './config.ts';

// config -> redis -> app -> listen, as every pattern's main.ts does.
const config = parseConfig(process.env);
// A replica that is down at start-up must not stop the coordinator: it is the lab's everyday fault.
const nodes = await connectRedisNodes(config.replicas, { readyTimeoutMs: 1_000 });
const { service } = await createApp({
  nodes,
  instance: config.instance,
  settings: config.settings,
  maxClockEntries: config.maxClockEntries,
  merkleDepth: config.merkleDepth,
  hintReplayIntervalMs: config.hintReplayIntervalMs,
  antiEntropyIntervalMs: config.antiEntropyIntervalMs,
  tombstoneGraceMs: config.tombstoneGraceMs,
  peers: () => config.peers,
});
await runService(service, config.port);
