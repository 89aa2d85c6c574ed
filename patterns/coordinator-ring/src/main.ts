import { runService } from '@kvs-lab/shared/service';
import { createApp } from './app.ts';
import { parsePeers } from './cluster/peer-link.ts';
import { loadConfig } from './config.ts';

// config -> engine (its Redis or etcd) -> app -> listen, and a graceful stop on SIGTERM.
const config = loadConfig(process.env);
// The kit's logger reads LOG_LEVEL when the service is created: hand it the validated value.
process.env.LOG_LEVEL = config.logLevel;
const { service } = await createApp({ config, peers: parsePeers(config.peers) });
await runService(service, config.port);
