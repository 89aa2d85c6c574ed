import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { History, mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { PatternApp, ServiceOptions } from '@kvs-lab/shared/service';
import { PeerLink } from './cluster/peer-link.ts';
import type { PeerAddress } from './cluster/peer-link.ts';
import type { RingConfig } from './config.ts';
import { checkRingHistory } from './check/ring-check.ts';
import type { RingInput, RingOutput } from './check/ring-check.ts';
import { etcdEngineSetup } from './engines/etcd/etcd-engine-setup.ts';
import { raftEngineSetup } from './engines/raft/raft-engine.ts';
import type { EngineSetup, RingEngine } from './engines/ring-engine.ts';
import { kvRoutes } from './http/kv-routes.ts';
import { ringRoutes } from './http/ring-routes.ts';
import { LiveMemory } from './realtime/live-memory.ts';
import type { RingLiveEvents } from './realtime/events.ts';
import { RingService } from './ring-service.ts';
import { ringErrors } from './errors.ts';

export interface RingAppDeps {
  readonly config: RingConfig;
  /** The Raft engine's own Redis, already connected (tests); connected from REDIS_NODES when absent. */
  readonly redis?: RedisNode;
  readonly peers: readonly PeerAddress[];
  readonly logger?: ServiceOptions['logger'];
  readonly now?: () => number;
  readonly random?: () => number;
  /** Overrides LAB_ADMIN_TOKEN (tests). */
  readonly adminToken?: string;
}

/** The service plus the parts tests and the bench reach for: the engine and the ring service. */
export type RingApp = PatternApp<{ readonly node: RingEngine; readonly ring: RingService }>;

/** The one place that picks the engine (ENGINE): the rest of the app sees only the RingEngine port. */
function setUpEngine(deps: RingAppDeps, peerLinks: readonly PeerLink[]): Promise<EngineSetup> {
  const { config } = deps;
  switch (config.engine) {
    case 'raft':
      return raftEngineSetup({
        config,
        peerLinks,
        ...(deps.redis ? { redis: deps.redis } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.random ? { random: deps.random } : {}),
      });
    case 'etcd':
      return Promise.resolve(etcdEngineSetup(config, peerLinks));
  }
}

/**
 * Builds one ring node's service: the engine (started), the client API, the
 * engine's own routes, /check and the live view. It does not listen; main.ts
 * and the tests do.
 */
export async function createApp(deps: RingAppDeps): Promise<RingApp> {
  const { config } = deps;
  const peerLinks = deps.peers.map((address) => new PeerLink(address, config.peerAuth));
  const setup = await setUpEngine(deps, peerLinks);
  const node = setup.engine;
  const service = createService({
    name: 'coordinator-ring',
    errors: ringErrors,
    instance: config.nodeId,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'A CP key-value store run by a ring of nodes: gossip heartbeats around the ring, Raft elections with ' +
      'terms, writes ordered by the leader and acknowledged once a majority stores them, vector clocks. ' +
      `This node runs the \`${config.engine}\` engine. The live view is at \`/\`; \`internal\` routes are the ` +
      'node-to-node messages, each signed with the cluster secret.',
    // AppendEntries batches carry up to MAX_BATCH_ENTRIES values of up to 4 KiB.
    bodyLimitBytes: 4 * 1024 * 1024,
    // Heartbeats and AppendEntries arrive many times a second: the request log shows only what learners send.
    quietPathPrefixes: ['/internal/'],
    readiness: setup.readiness,
    links: setup.links,
  });
  const history = new History<RingInput, RingOutput>({ capacity: 50_000 });
  const ring = new RingService(node, history, config.writeTimeoutMs + config.rpcTimeoutMs);

  kvRoutes(service, ring);
  ringRoutes(service, ring);
  setup.mountRoutes(service);
  const { trace } = mountCheck(service, {
    history,
    check: async (operations) => {
      const acknowledged = operations.flatMap((op) => {
        const { index, term } = op.output ?? {};
        const isWrite = (op.kind === 'write' || op.kind === 'delete') && op.outcome === 'ok';
        return isWrite && index !== undefined && term !== undefined
          ? [{ key: op.input.key, index, term }]
          : [];
      });
      return checkRingHistory(operations, await node.checkFacts(acknowledged));
    },
  });
  const memory = new LiveMemory();
  const live = mountLiveView<RingLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'coordinator ring', stylesheet: './ring-view.css', script: './ring-view.js' },
    snapshot: () => ({
      engine: config.engine,
      ring: node.ring(),
      status: node.status(),
      ...memory.snapshot(),
    }),
  });
  node.onEvent((event, payload) => {
    if (event === 'entry:committed') memory.noteCommitted(payload as RingLiveEvents['entry:committed']);
    live.emit(event, payload);
  });
  node.onMessages((messages) => {
    // Elections are rare and are the lesson: the page keeps them even when a flood skips the trace.
    memory.noteMessages(messages);
    // The live picture draws what the trace keeps: a benchmark's flood is sampled for both.
    if (trace.recordMessages(messages)) live.emit('protocol:messages', messages);
  });

  await node.start();
  service.onClose(async () => {
    await node.stop();
    await setup.close();
  });
  // The peers' streams are cut first: the server's close waits for every connection to end.
  const close = async () => {
    setup.closeIncoming();
    await service.close();
  };
  return { service: { ...service, close }, node, ring };
}
