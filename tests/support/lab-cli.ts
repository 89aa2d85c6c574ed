import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { patternBlockPorts, randomBelowEphemeralOffset, reservePortOffset } from '@kvs-lab/shared/testing';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliPath = path.join(repoRoot, 'shared/src/lab/cli.ts');

export interface LabRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The runner as a learner drives it, in its own state dir and port offset, without vitest's variables. */
export function labCli(settings: { stateDir: string; portOffset: number; env?: Record<string, string> }) {
  const env = (): NodeJS.ProcessEnv => ({
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV'),
    ),
    LAB_STATE_DIR: settings.stateDir,
    LAB_PORT_OFFSET: String(settings.portOffset),
    LOG_LEVEL: 'warn',
    NO_COLOR: '1',
    ...settings.env,
  });
  const start = (args: readonly string[]): ChildProcessWithoutNullStreams =>
    spawn(process.execPath, ['--import', 'tsx', cliPath, ...args], { cwd: repoRoot, env: env() });
  const run = async (...args: string[]): Promise<LabRun> => {
    const child = start(args);
    return collect(child);
  };
  return { start, run };
}

/** Waits for a child to end and hands back what it printed. */
export async function collect(child: ChildProcessWithoutNullStreams): Promise<LabRun> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * An offset that moves every pattern's block (7000-7999, and cluster bus ports +10000) clear of others,
 * claimed until this test process exits so a test file in another worker cannot take the same ports.
 */
export async function pickPortOffset(): Promise<number> {
  const ports = Array.from({ length: 10 }, (_, i) => patternBlockPorts(7000 + 100 * i)).flat();
  const { offset } = await reservePortOffset(ports, randomBelowEphemeralOffset);
  return offset;
}
