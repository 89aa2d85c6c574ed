import { sendControl, type ProcessAction } from '../lab/control-channel.ts';
import { LabError } from '../lab/lab-error.ts';
import type { LabSettings } from '../lab/lab-settings.ts';
import { isSupervisorAlive, readState } from '../lab/state-file.ts';

export interface ControlledProcess {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly url: string;
}

/** What the nemesis needs from a running lab: its processes, and real faults on them. */
export interface LabControl {
  processes(): ControlledProcess[];
  act(name: string, action: ProcessAction): Promise<void>;
}

// A restarted service may take its whole ready timeout.
const actionTimeoutMs = 60_000;

/** The running pattern's supervisor, found through its state file, as `pnpm lab kill` finds it. */
export function supervisorControl(pattern: string, settings: LabSettings): LabControl {
  const state = () => {
    const current = readState(settings.stateDir, pattern);
    if (!current || !isSupervisorAlive(current)) {
      throw new LabError(`${pattern} is not running; start it first: pnpm lab up ${pattern} --detach`);
    }
    return current;
  };
  state();
  return {
    processes: () => state().processes,
    act: async (name, action) => {
      await sendControl(state(), name, action, actionTimeoutMs);
    },
  };
}
