import type { PeerLink } from '../../cluster/peer-link.ts';
import type { RingConfig } from '../../config.ts';
import type { EngineSetup } from '../ring-engine.ts';
import { EtcdEngine } from './etcd-engine.ts';

/** The ring on etcd: no Redis, no Raft messages of ours; /readyz asks etcd for a linearizable read. */
export function etcdEngineSetup(config: RingConfig, peerLinks: readonly PeerLink[]): EngineSetup {
  const endpoints = config.etcdEndpoints
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const engine = new EtcdEngine(config, endpoints, peerLinks);
  return {
    engine,
    links: peerLinks,
    readiness: [{ name: 'etcd', critical: true, check: () => engine.ping() }],
    mountRoutes: () => undefined,
    closeIncoming: () => undefined,
    close: () => Promise.resolve(),
  };
}
