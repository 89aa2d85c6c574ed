import path from 'node:path';
import { repoRoot } from './registry.ts';
import { LabError } from './lab-error.ts';

/** Where the runner keeps its state and how it shifts ports, read from the environment once. */
export interface LabSettings {
  /** `LAB_STATE_DIR`, else `<repo>/.lab`: state files, Redis data dirs and detached logs. */
  readonly stateDir: string;
  /** `LAB_PORT_OFFSET`, added to every port, so tests can run beside a learner's lab. */
  readonly portOffset: number;
}

export function labSettings(env: NodeJS.ProcessEnv = process.env): LabSettings {
  const rawOffset = env.LAB_PORT_OFFSET ?? '0';
  const portOffset = Number(rawOffset);
  if (!Number.isInteger(portOffset)) {
    throw new LabError(`LAB_PORT_OFFSET must be an integer, got '${rawOffset}'`);
  }
  const stateDir = env.LAB_STATE_DIR ? path.resolve(env.LAB_STATE_DIR) : path.join(repoRoot, '.lab');
  return { stateDir, portOffset };
}
