import { whatIfReport } from './domain/rebalance-plan.ts';
import type { Autoscaler } from './autoscaler.ts';
import type { ShardingService } from './sharding-service.ts';
import type { ShardStore } from './shard-store.ts';

/** GET /stats: the figures of every part, in one answer. */
export function statsView(sharding: ShardingService, autoscaler: Autoscaler) {
  const { store } = sharding;
  return {
    engine: store.engine,
    ring: { virtualNodes: store.ringEvent().virtualNodes, shards: store.loads().map((l) => l.shard) },
    shards: store.shards(),
    failovers: store.failovers(),
    rejoins: store.rejoins(),
    rebalance: store.rebalance() ?? null,
    hotKeys: sharding.hotKeys.report(),
    autoscale: autoscaler.view(),
    history: { operations: sharding.history.entries().length, evicted: sharding.history.evicted },
  };
}

/** What-if figures for exercises 1 and 2 over synthetic keys; the live ring is not changed. */
export function balanceView(store: ShardStore, virtualNodes: number, sampleKeys: number) {
  const active = store
    .shards()
    .filter((s) => s.state !== 'standby' && s.state !== 'joining')
    .map((s) => s.id);
  const standby = store.standby() ?? `shard-${active.length + 1}`;
  return whatIfReport(active, standby, { virtualNodes, sampleKeys });
}

/** The live view's first picture, before any event. */
export function liveSnapshot(sharding: ShardingService, missedPingsToFail: number) {
  const { store } = sharding;
  return {
    engine: store.engine,
    missedPingsToFail,
    ring: store.ringEvent(),
    shards: store.shards(),
    failovers: store.failovers(),
    rebalance: store.rebalance() ?? null,
    hotKeys: sharding.hotKeys.report(),
  };
}
