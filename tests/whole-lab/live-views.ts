import { describe, expect, it } from 'vitest';
import { probeLiveView } from '@kvs-lab/shared/live-view';
import type { RunningLab } from './running-lab.ts';
import { serviceUrl } from './running-lab.ts';

/** Every pattern's live view, as the runner serves it, in headless Chromium at 1400x900. */
export function describeLiveViews(lab: () => RunningLab): void {
  describe('live views', () => {
    it('every live view reads on the dark theme (no serious axe-core violation) and fits 1400 px', async () => {
      const failures: string[] = [];
      for (const topology of lab().topologies) {
        const probe = await probeLiveView(`${serviceUrl(lab(), topology.name)}/`);
        for (const v of probe.violations)
          failures.push(`${topology.name}: ${v.impact} ${v.id} at ${v.targets.join(', ')}`);
        if (probe.overflowPx > 0)
          failures.push(`${topology.name}: ${probe.overflowPx}px wider than the window`);
      }
      expect(failures).toEqual([]);
    }, 180_000);
  });
}
