import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Signals by pid, for processes this process may not have spawned (the lab CLI
 * steering a supervisor's children, a reaper cleaning up after a dead parent).
 */

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the command name, which is parenthesised and may contain spaces.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    // No procfs (macOS) or the process just went away: kill(0) already answered.
    return false;
  }
}

/**
 * True while the process exists and has not exited. An exited child that no one
 * has reaped yet (a zombie, common when PID 1 does not reap orphans) counts as gone.
 */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Sends a signal; false when the process no longer exists. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Resolves true once the process is gone, false if it still runs after `timeoutMs`. */
export async function waitForPidExit(pid: number, timeoutMs: number, pollMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (isPidAlive(pid)) {
    if (performance.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/**
 * SIGTERM (with SIGCONT, since a stopped process only acts on SIGTERM once continued),
 * then SIGKILL if it has not exited within `graceMs`. Resolves once it is gone.
 */
export async function terminatePid(pid: number, graceMs = 5_000): Promise<void> {
  if (!signalPid(pid, 'SIGTERM')) return;
  signalPid(pid, 'SIGCONT');
  if (await waitForPidExit(pid, graceMs)) return;
  signalPid(pid, 'SIGKILL');
  await waitForPidExit(pid, 2_000);
}

/** SIGKILL and wait until the kernel has taken the process down. */
export async function killPid(pid: number): Promise<void> {
  if (!signalPid(pid, 'SIGKILL')) return;
  await waitForPidExit(pid, 2_000);
}
