import type { RedisNode } from '@kvs-lab/shared/redis';
import type { Config } from '../../config.ts';
import type { EngineDeps } from '../../engine-deps.ts';
import { RouterEngine } from '../router/router-engine.ts';
import { SentinelWatch } from './sentinel-watch.ts';

/**
 * The router's ring, routing and rebalancing over shards that Redis Sentinel keeps alive: Sentinel
 * detects a dead master (a quorum of sentinels agrees), promotes its replica and repoints the old
 * master when it returns; the router's own detector only informs the view and readiness, and its
 * monitor follows whom Sentinel names (asked each sample, and at once on `+switch-master`).
 */
export class SentinelEngine extends RouterEngine {
  readonly watch: SentinelWatch;

  constructor(config: Config, nodes: readonly RedisNode[], deps: EngineDeps) {
    if (config.sentinels.length === 0) throw new Error('ENGINE=sentinel needs SENTINELS=host:port,...');
    const watch = new SentinelWatch(config.sentinels, nodes, deps.logger);
    super(config, nodes, deps, { engine: 'sentinel', externalPromotion: watch });
    this.watch = watch;
  }

  override async start(onSample: () => void): Promise<void> {
    await super.start(onSample);
    await this.watch.subscribe(() => void this.monitor.sample());
  }

  /** Each sentinel's view of every master it watches: where it is, its flags, the failover epoch. */
  override async authority(): Promise<Record<string, unknown>> {
    return { decidedBy: 'sentinel', sentinels: await this.watch.views() };
  }

  override async close(): Promise<void> {
    await this.watch.close();
    await super.close();
  }
}
