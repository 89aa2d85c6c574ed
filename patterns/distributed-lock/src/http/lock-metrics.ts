import type { Service } from '@kvs-lab/shared/service';
import type { LockBackend } from '../lock-backend.ts';

type Labels = Record<string, string>;
interface Sample {
  readonly metricName?: string;
  readonly labels: Labels;
  readonly value: number;
}
type Registry = Service['metrics'];

/**
 * One metric computed when scraped, from the figures /stats shows: the
 * service counts once, and both endpoints read the same numbers. prom-client's
 * classes are not a dependency of this pattern, so this is the shape its
 * Registry reads (name, help, type, get()).
 */
function register(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'gauge' | 'histogram',
  samples: () => Sample[],
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: samples() }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** Lock figures in /metrics: acquisitions by outcome, queue waits, waiters, per-node calls and errors. */
export function registerLockMetrics(service: Service, deps: { locks: LockBackend }): void {
  const { locks } = deps;
  const registry = service.metrics;
  register(
    registry,
    'lock_acquisitions_total',
    'Acquire requests by outcome: granted, held (409 at once), timeout (waitMs ran out), unavailable (503), too_slow',
    'counter',
    () => {
      const o = locks.stats.outcomes;
      return [
        { labels: { outcome: 'granted' }, value: o.granted },
        { labels: { outcome: 'held' }, value: o.held },
        { labels: { outcome: 'timeout' }, value: o.timeout },
        { labels: { outcome: 'unavailable' }, value: o.unavailable },
        { labels: { outcome: 'too_slow' }, value: o.tooSlow },
      ];
    },
  );
  register(
    registry,
    'lock_lease_events_total',
    'Lease events here: releases, extensions, expiries (the nodes let it lapse), lost (extend too late), not_holder',
    'counter',
    () => [
      { labels: { event: 'release' }, value: locks.stats.releases },
      { labels: { event: 'extension' }, value: locks.stats.extensions },
      { labels: { event: 'expiry' }, value: locks.stats.expiries },
      { labels: { event: 'lost' }, value: locks.stats.lost },
      { labels: { event: 'not_holder' }, value: locks.stats.notHolder },
    ],
  );
  register(
    registry,
    'lock_wait_seconds',
    'Time a granted waiter spent in the FIFO queue',
    'histogram',
    () => {
      const h = locks.waitHistogram;
      return [
        ...h
          .buckets()
          .map((b) => ({ metricName: 'lock_wait_seconds_bucket', labels: { le: b.le }, value: b.count })),
        { metricName: 'lock_wait_seconds_sum', labels: {}, value: h.sumSeconds },
        { metricName: 'lock_wait_seconds_count', labels: {}, value: h.count },
      ];
    },
  );
  register(registry, 'lock_queue_waiters', 'Waiters queued through this instance now', 'gauge', () => [
    { labels: {}, value: locks.waiting },
  ]);
  register(registry, 'lock_node_calls_total', 'Calls to each lock node', 'counter', () =>
    locks.nodeFigures().map((s) => ({ labels: { node: s.node }, value: s.calls })),
  );
  register(registry, 'lock_node_errors_total', 'Failed calls to each lock node', 'counter', () =>
    locks.nodeFigures().map((s) => ({ labels: { node: s.node }, value: s.errors })),
  );
}
