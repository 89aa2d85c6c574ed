import { spawn } from 'node:child_process';
import { closeSync, fchmodSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isPidAlive, terminatePid } from '../process/pid-control.ts';
import type { LabSettings } from './lab-settings.ts';
import { repoRoot } from './registry.ts';
import { tsxLoaderUrl } from './service-process.ts';
import { ensurePatternDir, readState } from './state-file.ts';
import type { UpOptions } from './up-command.ts';
import { formatUrlTable } from './url-table.ts';

const cliPath = fileURLToPath(new URL('./cli.ts', import.meta.url));
const logTailLines = 40;

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * `lab up <pattern> --detach`: the same supervisor, started in its own session
 * with its output in `<state>/<pattern>/lab.log`. Waits until its state file
 * says ready, prints the URL table, and returns; on failure prints the log's end.
 */
export async function upDetached(
  pattern: string,
  settings: LabSettings,
  options: UpOptions,
  title: string,
): Promise<number> {
  const dir = ensurePatternDir(settings.stateDir, pattern);
  const logFile = path.join(dir, 'lab.log');
  // Owner-only: a service's log may quote what a request carried. The mode given to open only applies
  // to a new file, so an older log is narrowed too.
  const logFd = openSync(logFile, 'w', 0o600);
  fchmodSync(logFd, 0o600);
  const args = [
    ...['--import', tsxLoaderUrl(), cliPath, 'supervise', pattern],
    ...['--log-file', logFile, '--timeout', String(options.readyTimeoutMs / 1000)],
    ...(options.isFresh ? ['--fresh'] : []),
    ...(options.size === undefined ? [] : ['--size', String(options.size)]),
    ...(options.engine === undefined ? [] : ['--engine', options.engine]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, LAB_STATE_DIR: settings.stateDir, LAB_PORT_OFFSET: String(settings.portOffset) },
  });
  closeSync(logFd);
  child.unref();
  const supervisorPid = child.pid;
  if (supervisorPid === undefined) {
    console.error(`could not start the supervisor: ${tail(logFile, logTailLines)}`);
    return 1;
  }
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? 1));

  // Generous: the supervisor's own ready timeout applies per group of processes.
  const deadline = performance.now() + 2 * options.readyTimeoutMs + 15_000;
  for (;;) {
    const state = readState(settings.stateDir, pattern);
    if (state?.supervisorPid === supervisorPid && state.phase === 'ready') {
      console.log(formatUrlTable(`${title} (${pattern}) is up, detached:`, state.processes));
      console.log(`\nlogs: ${logFile}\n\`pnpm lab status\` shows it, \`pnpm lab down ${pattern}\` stops it.`);
      return 0;
    }
    if (exitCode !== null || !isPidAlive(supervisorPid)) {
      console.error(`${pattern} did not come up; the end of ${logFile}:\n${tail(logFile, logTailLines)}`);
      return 1;
    }
    if (performance.now() > deadline) {
      await terminatePid(supervisorPid, 15_000);
      console.error(
        `${pattern} was not ready in time; the end of ${logFile}:\n${tail(logFile, logTailLines)}`,
      );
      return 1;
    }
    await sleep(100);
  }
}
