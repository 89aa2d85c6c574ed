import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LabError } from '../lab/lab-error.ts';
import type { LabSettings } from '../lab/lab-settings.ts';
import { findTopology, repoRoot } from '../lab/registry.ts';
import { isSupervisorAlive, readState } from '../lab/state-file.ts';
import { httpClient } from '../nemesis/nemesis-client.ts';
import type { NemesisWorkload } from '../nemesis/workload.ts';
import { seededRandom } from '../testing/seeded-random.ts';
import { probeLiveView } from './live-view-probe.ts';

/** Runs the pattern's nemesis workload without faults for a while, so the picture has something in it. */
async function playScenario(dir: string, urls: Record<string, string>, seconds: number): Promise<void> {
  let workload: NemesisWorkload | undefined;
  try {
    const file = pathToFileURL(path.join(repoRoot, dir, 'src', 'nemesis.ts')).href;
    workload = ((await import(file)) as { workload?: NemesisWorkload }).workload;
  } catch {
    return; // No workload: the page is shot as it stands.
  }
  if (!workload) return;
  const operation = workload.operation;
  const client = httpClient(urls, { adminToken: process.env.LAB_ADMIN_TOKEN });
  const endsAt = Date.now() + seconds * 1_000;
  await Promise.all(
    [0, 1].map(async (worker) => {
      const random = seededRandom(worker + 1);
      for (let sequence = 0; Date.now() < endsAt; sequence++) {
        await operation({ client, random, worker, sequence, seed: 0, variant: undefined }).catch(
          () => 'fail',
        );
      }
    }),
  );
}

/**
 * `pnpm lab screenshot <pattern>`: plays a short scenario against the running pattern, then
 * writes a PNG of its live view (1400x900, headless Chromium as in the tests), by default
 * `patterns/<name>/docs/live-view.png`, and reports what axe-core found on the page.
 */
export async function screenshotCommand(
  pattern: string,
  flags: { out?: string; seconds: string },
  settings: LabSettings,
): Promise<number> {
  const topology = await findTopology(pattern);
  const state = readState(settings.stateDir, pattern);
  if (!state || !isSupervisorAlive(state)) {
    throw new LabError(`${pattern} is not running; start it first: pnpm lab up ${pattern} --detach`);
  }
  const services = state.processes.filter((p) => p.role === 'service');
  const first = services[0];
  if (!first) throw new LabError(`${pattern} runs no service to take a picture of`);
  const seconds = Number(flags.seconds);
  if (!(seconds >= 0 && seconds <= 60)) throw new LabError('--seconds must be between 0 and 60');
  console.log(`screenshot ${pattern}: ${seconds}s of its workload, then ${first.url}/`);
  await playScenario(topology.dir, Object.fromEntries(services.map((s) => [s.name, s.url])), seconds);
  const probe = await probeLiveView(`${first.url}/`);
  const out = path.resolve(flags.out ?? path.join(repoRoot, topology.dir, 'docs', 'live-view.png'));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, probe.png);
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
  for (const v of probe.violations)
    console.log(`  accessibility: ${v.impact} ${v.id} (${v.help}) at ${v.targets.join(', ')}`);
  if (probe.overflowPx > 0) console.log(`  the page is ${probe.overflowPx}px wider than a 1400px window`);
  return 0;
}
