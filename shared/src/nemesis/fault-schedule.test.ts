import { describe, expect, it } from 'vitest';
import { describeSchedule, planSchedule, usableKinds } from './fault-schedule.ts';
import type { ScheduleOptions } from './fault-schedule.ts';

const options: ScheduleOptions = {
  durationMs: 10_000,
  kinds: ['kill', 'pause', 'restart', 'cut', 'slow'],
  ratePerSecond: 1,
  targets: { processes: ['n1', 'n2', 'n3'], links: [{ service: 'svc', node: 'n1' }] },
};

describe('fault schedule from a seed', () => {
  it('the same seed gives the same schedule; another seed another one', () => {
    expect(planSchedule(42, options)).toEqual(planSchedule(42, options));
    expect(describeSchedule(planSchedule(42, options))).not.toEqual(
      describeSchedule(planSchedule(43, options)),
    );
  });

  it('every fault heals inside the run, in the first 70 % plus its duration, never two at once on one target', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const events = planSchedule(seed, options);
      expect(events.length).toBeGreaterThan(0);
      const byTarget = new Map<string, number>();
      for (const e of events) {
        expect(e.atMs).toBeGreaterThanOrEqual(0);
        expect(e.atMs).toBeLessThanOrEqual(7_000);
        expect(e.atMs + e.durationMs).toBeLessThanOrEqual(10_000);
        expect(e.atMs).toBeGreaterThanOrEqual(byTarget.get(e.target) ?? 0);
        byTarget.set(e.target, e.atMs + e.durationMs);
      }
    }
  });

  it('link faults need a link and process faults a process', () => {
    expect(usableKinds(['cut', 'kill'], { processes: [], links: [] })).toEqual([]);
    const onlyLinks = planSchedule(7, {
      ...options,
      targets: { processes: [], links: options.targets.links },
    });
    expect(onlyLinks.every((e) => e.kind === 'cut' || e.kind === 'slow')).toBe(true);
  });
});
