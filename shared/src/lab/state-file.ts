import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  role: z.enum(['redis', 'service', 'etcd', 'sentinel']),
  /** Null while the process is not running (killed, crashed, not started yet). */
  pid: z.number().int().nullable(),
  port: z.number().int(),
  url: z.string(),
  state: z.enum(['starting', 'running', 'paused', 'exited']),
  /** Extra TCP ports a service serves, e.g. `{ respPort: 7702 }`. */
  extraPorts: z.record(z.string(), z.number().int()),
  /** A Redis node's, etcd member's or sentinel's data dir. */
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
  /** The engine it runs (`--engine`), or null for a pattern with one engine. */
  engine: z.string().nullable().default(null),
  /** `--size`, or null for the default size. */
  size: z.number().int().nullable().default(null),
  /** Digests of the settings variables it was started with (see run-settings.ts): never the values. */
  envDigest: z.record(z.string(), z.string()).default({}),
  /** The secret its peered services share (`CLUSTER_SECRET`), one per run; null when no service has peers. */
  clusterSecret: z.string().nullable().default(null),
  processes: z.array(processRecordSchema),
});

export type ProcessRecord = z.infer<typeof processRecordSchema>;
export type ProcessRole = ProcessRecord['role'];
export type ProcessState = ProcessRecord['state'];
export type LabState = z.infer<typeof labStateSchema>;
/** What a supervisor writes: the defaulted fields are only defaults for files older than them. */
export type LabStateInput = z.input<typeof labStateSchema>;

export const patternStateDir = (stateDir: string, pattern: string): string => path.join(stateDir, pattern);
export const stateFilePath = (stateDir: string, pattern: string): string =>
  path.join(stateDir, pattern, 'state.json');
/** The reaper's input: the pids of every live process, one line. */
export const pidFilePath = (stateDir: string, pattern: string): string =>
  path.join(stateDir, pattern, 'pids');

/**
 * A folder only its owner may enter (0700), made so even when it already existed with wider rights:
 * the lab's state, logs and data may hold the admin token, the cluster secret and the learner's data.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** The state dir and one pattern's folder in it, both owner-only. */
export function ensurePatternDir(stateDir: string, pattern: string): string {
  ensurePrivateDir(stateDir);
  const dir = patternStateDir(stateDir, pattern);
  ensurePrivateDir(dir);
  return dir;
}

/** Atomic replace, owner-only (it holds the control token and the cluster secret). */
export function writeState(stateDir: string, state: LabStateInput): void {
  const file = stateFilePath(stateDir, state.pattern);
  ensurePatternDir(stateDir, state.pattern);
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
  switch (record.role) {
    case 'redis':
    case 'sentinel':
      // A sentinel is redis-server with --sentinel; its title reads `redis-server *:port [sentinel]`.
      return command.includes('redis-server') || command.includes('redis-sentinel');
    case 'etcd':
      return command.includes('etcd');
    case 'service':
      return command.includes('node');
  }
}

/** Pids the state lists that still run (supervisor and reaper excluded). */
export function livePids(state: LabState): number[] {
  return state.processes.flatMap((p) => (p.pid !== null && isRecordedProcessAlive(p) ? [p.pid] : []));
}
