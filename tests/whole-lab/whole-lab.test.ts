import { afterAll, beforeAll } from 'vitest';
import { describeHostileSweep } from './hostile-sweep.ts';
import { describeLiveViews } from './live-views.ts';
import { describeNemesis } from './nemesis.ts';
import { startWholeLab, stopWholeLab } from './running-lab.ts';
import type { RunningLab } from './running-lab.ts';

/**
 * The whole lab as a user runs it: every pattern started once by the real runner (with an admin
 * token), then the security sweep, the live views in a browser, and seeded fault runs against it.
 * One start for all three keeps the suite's time and CPU in bounds.
 */
let running: RunningLab | undefined;
const lab = (): RunningLab => {
  if (!running) throw new Error('the lab did not start');
  return running;
};

beforeAll(async () => {
  running = await startWholeLab();
}, 180_000);

afterAll(() => stopWholeLab(running), 60_000);

describeHostileSweep(lab);
describeLiveViews(lab);
describeNemesis(lab);
