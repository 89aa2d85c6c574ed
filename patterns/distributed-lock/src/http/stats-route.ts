import type { Service } from '@kvs-lab/shared/service';
import type { LockBackend } from '../lock-backend.ts';
import { statsSchema } from './schemas.ts';

/** GET /stats: this instance's own figures (the kit cannot know which matter). */
export function mountStatsRoute(
  service: Service,
  deps: { locks: LockBackend; settings: { isFencingCheckOn: boolean }; engine: string },
): void {
  const { locks } = deps;
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
          engine: deps.engine,
          lockNodes: locks.nodeCount,
          quorum: locks.quorum,
          ...counts,
          outcomes: { ...counts.outcomes },
          waiting: locks.waiting,
          waitMs: waitMs.summary(),
          isFencingCheckOn: deps.settings.isFencingCheckOn,
          nodes: locks.nodeFigures(),
        },
      };
    },
  });
}
