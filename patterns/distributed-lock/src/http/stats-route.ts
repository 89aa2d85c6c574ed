import type { Service } from '@kvs-lab/shared/service';
import type { LockService } from '../lock-service.ts';
import type { LockNodes } from '../store/lock-nodes.ts';
import { statsSchema } from './schemas.ts';

/** GET /stats: this instance's own figures (the kit cannot know which matter). */
export function mountStatsRoute(
  service: Service,
  deps: { locks: LockService; nodes: LockNodes; settings: { isFencingCheckOn: boolean } },
): void {
  const { locks, nodes } = deps;
  service.route({
    method: 'get',
    path: '/stats',
    summary:
      'Acquisitions, contention, timeouts, releases, extensions, expiries, wait times, per-node health',
    tags: ['stats'],
    responses: { 200: { description: 'Figures since this instance started', schema: statsSchema } },
    handler: () => {
      const { waitMs, ...counts } = locks.stats;
      return {
        status: 200,
        body: {
          instance: service.instance,
          lockNodes: nodes.size,
          quorum: locks.quorum,
          ...counts,
          outcomes: { ...counts.outcomes },
          waiting: locks.waiting,
          waitMs: waitMs.summary(),
          isFencingCheckOn: deps.settings.isFencingCheckOn,
          nodes: nodes.nodes.map((node) => {
            const s = nodes.stats.get(node.name);
            return {
              node: node.name,
              isUp: node.isReady && node.linkState().mode !== 'cut',
              calls: s?.calls ?? 0,
              errors: s?.errors ?? 0,
              lastError: s?.lastError ?? null,
              latencyMs: s?.latencyMs.summary() ?? { count: 0, p50: 0, p99: 0 },
            };
          }),
        },
      };
    },
  });
}
