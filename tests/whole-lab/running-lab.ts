import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { loadPatternTopologies } from '@kvs-lab/shared/lab';
import type { PatternTopology } from '@kvs-lab/shared/topology';
import { labCli, pickPortOffset } from '../support/lab-cli.ts';

/** Every pattern started once by the real runner, shared by the whole-lab suites. */
export interface RunningLab {
  readonly stateDir: string;
  readonly portOffset: number;
  readonly adminToken: string;
  readonly cli: ReturnType<typeof labCli>;
  readonly topologies: readonly PatternTopology[];
}

export const adminToken = 'whole-lab-token';

export async function startWholeLab(): Promise<RunningLab> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'kvs-lab-whole-'));
  const portOffset = await pickPortOffset();
  const cli = labCli({ stateDir, portOffset, env: { LAB_ADMIN_TOKEN: adminToken } });
  const topologies = (await loadPatternTopologies()).filter(
    (t) => t.implemented && t.dir.startsWith('patterns/'),
  );
  const ups = await Promise.all(topologies.map((t) => cli.run('up', t.name, '--detach', '--fresh')));
  ups.forEach((run, i) => expect(run.code, `${topologies[i]?.name}: ${run.stderr}`).toBe(0));
  return { stateDir, portOffset, adminToken, cli, topologies };
}

export async function stopWholeLab(lab: RunningLab | undefined): Promise<void> {
  if (!lab) return;
  await Promise.all(lab.topologies.map((t) => lab.cli.run('down', t.name)));
  rmSync(lab.stateDir, { recursive: true, force: true });
}

/** The first service instance's URL of a running pattern. */
export function serviceUrl(lab: RunningLab, pattern: string, index = 0): string {
  const topology = lab.topologies.find((t) => t.name === pattern);
  const service = topology?.services[index];
  if (!service) throw new Error(`no service ${index} in ${pattern}`);
  return `http://127.0.0.1:${service.port + lab.portOffset}`;
}
