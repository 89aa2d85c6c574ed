import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isPidAlive } from '../process/pid-control.ts';
import { processCommand } from '../process/port-owner.ts';

/**
 * `<stateDir>/<pattern>/state.json`: one file per running pattern, written only
 * by its supervisor and read by `lab status|down|kill|...` and by the reaper's pid file.
 */

export const processRecordSchema = z.object({
  name: z.string(),
  role: z.enum(['redis', 'service']),
  /** Null while the process is not running (killed, crashed, not started yet). */
  pid: z.number().int().nullable(),
  port: z.number().int(),
  url: z.string(),
  state: z.enum(['starting', 'running', 'paused', 'exited']),
  /** Extra TCP ports a service serves, e.g. `{ respPort: 7702 }`. */
  extraPorts: z.record(z.string(), z.number().int()),
  /** A Redis node's data dir. */
  dir: z.string().optional(),
  /** How it last exited, e.g. `signal SIGKILL`. */
  lastExit: z.string().optional(),
});

const labStateSchema = z.object({
  version: z.literal(1),
  pattern: z.string(),
  supervisorPid: z.number().int(),
  reaperPid: z.number().int().nullable(),
  controlPort: z.number().int().nullable(),
  controlToken: z.string(),
  phase: z.enum(['starting', 'ready', 'stopping']),
  portOffset: z.number().int(),
  startedAt: z.string(),
  logFile: z.string().nullable(),
  processes: z.array(processRecordSchema),
});

export type ProcessRecord = z.infer<typeof processRecordSchema>;
export type ProcessRole = ProcessRecord['role'];
export type ProcessState = ProcessRecord['state'];
export type LabState = z.infer<typeof labStateSchema>;

export const patternStateDir = (stateDir: string, pattern: string): string => path.join(stateDir, pattern);
export const stateFilePath = (stateDir: string, pattern: string): string =>
  path.join(stateDir, pattern, 'state.json');
/** The reaper's input: the pids of every live process, one line. */
export const pidFilePath = (stateDir: string, pattern: string): string =>
  path.join(stateDir, pattern, 'pids');

/** Atomic replace, owner-only (it holds the control token). */
export function writeState(stateDir: string, state: LabState): void {
  const file = stateFilePath(stateDir, state.pattern);
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}

export function readState(stateDir: string, pattern: string): LabState | undefined {
  let text: string;
  try {
    text = readFileSync(stateFilePath(stateDir, pattern), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return labStateSchema.parse(JSON.parse(text));
  } catch {
    // Unreadable state is as good as none; the reaper and `lab down` kill by the pid file.
    return undefined;
  }
}

export function removeState(stateDir: string, pattern: string): void {
  rmSync(stateFilePath(stateDir, pattern), { force: true });
  rmSync(pidFilePath(stateDir, pattern), { force: true });
}

/** Every pattern with a state file, running or stale. */
export function readAllStates(stateDir: string): LabState[] {
  let entries: string[];
  try {
    entries = readdirSync(stateDir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((pattern) => {
    const state = readState(stateDir, pattern);
    return state ? [state] : [];
  });
}

/**
 * The supervisor is alive and is really ours: after a reboot its old pid may
 * belong to anything, so where procfs tells, its command line must name the pattern.
 */
export function isSupervisorAlive(state: LabState): boolean {
  if (!isPidAlive(state.supervisorPid)) return false;
  const command = processCommand(state.supervisorPid);
  return command === undefined || command.includes(state.pattern);
}

/**
 * The process a record names still runs. Where procfs tells, the command line
 * must fit the role too, so a pid the OS has since handed to another program is not touched.
 */
export function isRecordedProcessAlive(record: ProcessRecord): boolean {
  if (record.pid === null || !isPidAlive(record.pid)) return false;
  const command = processCommand(record.pid);
  if (command === undefined) return true;
  return record.role === 'redis' ? command.includes('redis-server') : command.includes('node');
}

/** Pids the state lists that still run (supervisor and reaper excluded). */
export function livePids(state: LabState): number[] {
  return state.processes.flatMap((p) => (p.pid !== null && isRecordedProcessAlive(p) ? [p.pid] : []));
}
