import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  patternBlockPorts,
  randomBelowEphemeralOffset,
  reservePortOffset,
  type PortReservation,
} from './port-reservation.ts';
import type { PatternTopology } from '../topology/index.ts';

export interface ShellRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ReadmeRunner {
  /** Whether the machine has the tools the READMEs' snippets use (bash, curl, jq). */
  readonly usable: boolean;
  /** The fenced shell blocks (```bash or ```sh) of the README section whose heading starts with `heading`. */
  shellBlocks(heading: string): string[];
  /** Runs a script in bash from the repository root, against this runner's state dir and port offset. */
  bash(script: string, timeoutMs?: number): Promise<ShellRun>;
  /** Picks a port offset at which the pattern's ports are free (for READMEs that run `lab up` themselves). */
  choosePortOffset(): Promise<number>;
  /** Picks a free port offset, then `pnpm lab up <pattern> --detach --fresh` through the real runner. */
  up(extraArgs?: string): Promise<ShellRun>;
  /** `up`, failing with the runner's output unless it exited 0: a suite's `beforeAll`. */
  upOrThrow(extraArgs?: string): Promise<void>;
  /** `pnpm lab down <pattern>`, then removes the state dir. */
  down(): Promise<void>;
}

export interface ReadmeRunnerOptions {
  /** The pattern's topology: its name, and the ports that must be free at the offset chosen. */
  readonly topology: PatternTopology;
  /** The pattern's README (`new URL('../README.md', import.meta.url)` from its test folder). */
  readonly readme: URL;
}

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version']).status === 0;
}

/**
 * A README's commands pasted as written into bash, against a lab the real runner started
 * (`pnpm lab up <pattern> --detach --fresh`) at a port offset, in a state dir of its own:
 * a README that drifts from the runner or the API fails the test that uses it.
 */
export function readmeRunner(options: ReadmeRunnerOptions): ReadmeRunner {
  const { topology } = options;
  const pattern = topology.name;
  const ports = patternBlockPorts(topology.portBlock);
  const readme = readFileSync(options.readme, 'utf8');
  const stateDir = mkdtempSync(path.join(tmpdir(), `kvs-lab-${pattern}-readme-`));
  let portOffset = 0;

  const shellBlocks = (heading: string): string[] => {
    const start = readme.indexOf(`\n${heading}`);
    if (start < 0) throw new Error(`no README section ${heading}`);
    const rest = readme.slice(start + heading.length + 1);
    // The next heading ends the section (a `#` comment inside a shell block does not).
    const end = rest.search(/\n#{2,4} /);
    const section = end < 0 ? rest : rest.slice(0, end);
    return [...section.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  };

  const bash = (script: string, timeoutMs = 90_000): Promise<ShellRun> =>
    new Promise((resolve, reject) => {
      // The runner must not believe it runs inside vitest (it would pick test defaults).
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST') && key !== 'NODE_ENV'),
      );
      const child = spawn('bash', ['-c', script], {
        cwd: repoRoot,
        env: {
          ...env,
          LAB_STATE_DIR: stateDir,
          LAB_PORT_OFFSET: String(portOffset),
          NO_COLOR: '1',
          LOG_LEVEL: 'warn',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`timed out after ${timeoutMs} ms:\n${stdout}\n${stderr}`));
      }, timeoutMs);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });

  let reservation: PortReservation | undefined;
  const choosePortOffset = async (): Promise<number> => {
    // Steps of 1,000: the patterns' port blocks are 100 apart, so two patterns never meet. Below
    // 20,000: every port stays under 32,768, where Linux hands out ephemeral ports (a port free now
    // could be an outgoing connection's by the time a README's `lab down; lab up` starts again),
    // and clear of the whole-lab suite's offsets (20,000 to 29,000). Claimed, so a test file in
    // another worker cannot choose the same ports before the runner binds them.
    reservation?.release();
    reservation = await reservePortOffset(ports, randomBelowEphemeralOffset);
    portOffset = reservation.offset;
    return portOffset;
  };

  const up = async (extraArgs = ''): Promise<ShellRun> => {
    await choosePortOffset();
    return bash(`pnpm --silent lab up ${pattern} --detach --fresh ${extraArgs}`.trim(), 120_000);
  };

  const upOrThrow = async (extraArgs = ''): Promise<void> => {
    const run = await up(extraArgs);
    if (run.code !== 0) {
      throw new Error(`pnpm lab up ${pattern} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    }
  };

  const down = async (): Promise<void> => {
    await bash(`pnpm --silent lab down ${pattern}`).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    reservation?.release();
  };

  return {
    usable: hasTool('jq') && hasTool('curl'),
    shellBlocks,
    bash,
    choosePortOffset,
    up,
    upOrThrow,
    down,
  };
}
