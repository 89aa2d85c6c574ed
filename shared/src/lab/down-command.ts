import { isPidAlive, killPid, signalPid, waitForPidExit } from '../process/pid-control.ts';
import { processCommand } from '../process/port-owner.ts';
import type { LabSettings } from './lab-settings.ts';
import { isSupervisorAlive, livePids, readState, removeState } from './state-file.ts';

// Services get 7 s each to stop, then Redis nodes 5 s: stopping runs them in parallel, so this is ample.
const supervisorStopMs = 30_000;

/**
 * `lab down <pattern>`: asks the supervisor to stop everything (SIGTERM) and
 * waits for it; whatever is still alive after that (a supervisor that was
 * killed and a reaper that did not run) is SIGKILLed by pid. Returns the exit code.
 */
export async function downCommand(pattern: string, settings: LabSettings): Promise<number> {
  const state = readState(settings.stateDir, pattern);
  if (!state) {
    console.log(`${pattern} is not running`);
    return 0;
  }
  if (isSupervisorAlive(state)) {
    signalPid(state.supervisorPid, 'SIGTERM');
    if (!(await waitForPidExit(state.supervisorPid, supervisorStopMs))) {
      console.error(`the supervisor (pid ${state.supervisorPid}) did not stop in time; killing what it ran`);
      await killPid(state.supervisorPid);
    }
  }
  const leftovers = livePids(state);
  await Promise.all(leftovers.map(killPid));
  const { reaperPid } = state;
  if (
    reaperPid !== null &&
    isPidAlive(reaperPid) &&
    processCommand(reaperPid)?.includes('lab-reaper') !== false
  ) {
    // It exits by itself once the supervisor is gone; give it that moment before ending it.
    if (!(await waitForPidExit(reaperPid, 1_000))) await killPid(reaperPid);
  }
  removeState(settings.stateDir, pattern);
  const note = leftovers.length > 0 ? ` (SIGKILLed leftover pids ${leftovers.join(', ')})` : '';
  console.log(`${pattern} stopped${note}`);
  return 0;
}
