import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mountCheck } from '@kvs-lab/shared/history';
import { mountLiveView } from '@kvs-lab/shared/live-view';
import type { RedisNode } from '@kvs-lab/shared/redis';
import { redisReadinessChecks } from '@kvs-lab/shared/redis';
import { createService } from '@kvs-lab/shared/service';
import type { PatternApp, ServiceOptions } from '@kvs-lab/shared/service';
import { checkLsmHistory } from './check/lsm-check.ts';
import { registerRoutes } from './http/routes.ts';
import { LsmService } from './lsm-service.ts';
import type { LsmLiveEvents } from './realtime/events.ts';
import type { KvEngine } from './engines/kv-engine.ts';
import { L2Cache } from './store/l2-cache.ts';
import { lsmErrors } from './errors.ts';

export interface LsmAppDeps {
  /** The storage engine, chosen once in main.ts from `ENGINE` (the hand-made LSM by default). */
  readonly engine: KvEngine;
  /** The L2 cache node (`lsm-cache`); without it the store runs with L1 only. */
  readonly cache?: RedisNode;
  /** Changes on each start, so L2 entries a previous process may have left stale are never read. */
  readonly cacheEpoch: string;
  readonly l1Entries: number;
  readonly l2TtlSeconds: number;
  readonly maxKeyBytes: number;
  readonly maxValueBytes: number;
  readonly instance?: string;
  /** Guards the admin routes (chaos, settings, DELETE /history); defaults to LAB_ADMIN_TOKEN. */
  readonly adminToken?: string;
  readonly logger?: ServiceOptions['logger'];
}

/** Builds the HTTP service around an open engine; does not listen. */
// Async as every pattern's createApp is (one shape in seven); this one is handed an open engine, so it waits on nothing.
// eslint-disable-next-line @typescript-eslint/require-await
export async function createApp(deps: LsmAppDeps): Promise<PatternApp<{ lsm: LsmService }>> {
  const l2 = deps.cache
    ? new L2Cache(deps.cache, { ttlSeconds: deps.l2TtlSeconds, epoch: deps.cacheEpoch })
    : undefined;
  const lsm = new LsmService({ engine: deps.engine, ...(l2 ? { l2 } : {}), l1Entries: deps.l1Entries });
  const service = createService({
    name: 'bloom-sstable',
    errors: lsmErrors,
    ...(deps.instance ? { instance: deps.instance } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.adminToken ? { adminToken: deps.adminToken } : {}),
    description:
      'An LSM store you can read: WAL, memtable, SSTables with Bloom filters, leveled compaction, L1/L2 cache. ' +
      'The Redis `lsm-cache` is only the L2 cache: when it is down the store keeps working (`/readyz` says degraded). ' +
      'It also speaks RESP2 on its own port: `redis-cli -p <respPort>`.',
    // The cache is optional: losing it makes the service degraded, not down.
    readiness: deps.cache ? redisReadinessChecks([deps.cache], { critical: false }) : [],
    links: deps.cache ? [deps.cache] : [],
    faults: deps.engine.faults(),
  });
  const live = mountLiveView<LsmLiveEvents>(service, {
    pageDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'web'),
    page: { title: 'bloom-sstable', stylesheet: './lsm-view.css', script: './lsm-view.js' },
    snapshot: () => lsm.liveSnapshot(),
  });
  lsm.setEmitter(
    (event, payload) => live.emit(event, payload),
    () => live.namespace.sockets.size > 0,
  );
  registerRoutes(service, lsm, { maxKeyBytes: deps.maxKeyBytes, maxValueBytes: deps.maxValueBytes });
  // Mounted last (its routes after the store's); the protocol messages go to its trace log.
  lsm.setTraceSink(mountCheck(service, { history: lsm.history, check: checkLsmHistory }).trace);
  service.onClose(async () => {
    await lsm.close();
    await deps.cache?.close();
  });
  return { service, lsm };
}
