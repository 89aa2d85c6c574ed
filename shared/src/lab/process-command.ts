import { sendControl, type ProcessAction } from './control-channel.ts';
import { LabError } from './lab-error.ts';
import type { LabSettings } from './lab-settings.ts';
import { isSupervisorAlive, readState, type ProcessRecord } from './state-file.ts';

// A restarted service may take the whole ready timeout to answer /healthz.
const controlTimeoutMs = 180_000;

const describe = (action: ProcessAction, before: number | null, after: ProcessRecord): string => {
  switch (action) {
    case 'kill':
      return `${after.name} killed (SIGKILL, was pid ${before ?? '?'}); \`lab restart\` brings it back on port ${after.port}`;
    case 'pause':
      return `${after.name} paused (SIGSTOP, pid ${after.pid ?? '?'}): it holds its connections and answers nothing`;
    case 'resume':
      return `${after.name} resumed (SIGCONT, pid ${after.pid ?? '?'})`;
    case 'restart':
      return `${after.name} restarted: pid ${after.pid ?? '?'}, ${after.url}`;
  }
};

/** `lab kill|restart|pause|resume <pattern> <process>`: a real process fault, carried out by the supervisor. */
export async function processCommand(
  action: ProcessAction,
  pattern: string,
  name: string,
  settings: LabSettings,
): Promise<number> {
  const state = readState(settings.stateDir, pattern);
  if (!state || !isSupervisorAlive(state)) {
    throw new LabError(`${pattern} is not running; \`pnpm lab up ${pattern}\` starts it`);
  }
  const before = state.processes.find((p) => p.name === name)?.pid ?? null;
  const after = await sendControl(state, name, action, controlTimeoutMs);
  console.log(describe(action, before, after));
  return 0;
}
