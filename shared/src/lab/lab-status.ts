import { isPidAlive } from '../process/pid-control.ts';
import {
  isRecordedProcessAlive,
  isSupervisorAlive,
  livePids,
  readAllStates,
  removeState,
  type LabState,
  type ProcessRecord,
} from './state-file.ts';

/**
 * One process as `pnpm lab status --json` prints it: name, role, pid (null
 * when not running), port, url, state, plus each extra port as its own key
 * (e.g. `respPort`).
 */
export type ProcessStatus = Omit<ProcessRecord, 'extraPorts'> & { readonly [extraPort: string]: unknown };

export interface PatternStatus {
  readonly pattern: string;
  readonly phase: LabState['phase'];
  readonly supervisorPid: number;
  readonly reaperPid: number | null;
  readonly portOffset: number;
  readonly startedAt: string;
  readonly logFile: string | null;
  /** The engine it runs, or null for a pattern with one engine. */
  readonly engine: string | null;
  readonly processes: readonly ProcessStatus[];
}

/** `status --json`: an object keyed by pattern name; only patterns whose supervisor is alive. */
export type LabStatus = Readonly<Record<string, PatternStatus>>;

export interface StaleLab {
  readonly pattern: string;
  readonly supervisorPid: number;
  readonly leftoverPids: readonly number[];
}

/** A state record as status shows it: liveness checked against the OS, extra ports flattened. */
export function toProcessStatus(record: ProcessRecord): ProcessStatus {
  const { extraPorts, ...rest } = record;
  // The state file may lag a crash by a moment: trust the OS over it.
  const isAlive = isRecordedProcessAlive(record);
  return {
    ...rest,
    pid: isAlive ? record.pid : null,
    state: isAlive
      ? record.state
      : record.state === 'starting' && record.pid === null
        ? 'starting'
        : 'exited',
    ...extraPorts,
  };
}

/**
 * What runs now, from the state files. A state whose supervisor is gone is
 * dropped (its file deleted) once none of its processes is left; while some
 * are, it is reported as stale so `lab down` can finish the job.
 */
export function readLabStatus(stateDir: string): {
  readonly running: LabStatus;
  readonly stale: readonly StaleLab[];
} {
  const running: Record<string, PatternStatus> = {};
  const stale: StaleLab[] = [];
  for (const state of readAllStates(stateDir)) {
    if (!isSupervisorAlive(state)) {
      const leftoverPids = livePids(state);
      if (leftoverPids.length === 0 && (state.reaperPid === null || !isPidAlive(state.reaperPid))) {
        removeState(stateDir, state.pattern);
      } else if (leftoverPids.length > 0) {
        stale.push({ pattern: state.pattern, supervisorPid: state.supervisorPid, leftoverPids });
      }
      continue;
    }
    running[state.pattern] = {
      pattern: state.pattern,
      phase: state.phase,
      supervisorPid: state.supervisorPid,
      reaperPid: state.reaperPid,
      portOffset: state.portOffset,
      startedAt: state.startedAt,
      logFile: state.logFile,
      engine: state.engine,
      processes: state.processes.map(toProcessStatus),
    };
  }
  return { running, stale };
}

/** The human view of `lab status`. */
export function formatLabStatus(status: ReturnType<typeof readLabStatus>): string {
  const blocks = Object.values(status.running).map((pattern) => {
    const rows = [
      ['NAME', 'ROLE', 'STATE', 'PID', 'URL'],
      ...pattern.processes.map((p) => [p.name, p.role, p.state, p.pid === null ? '-' : String(p.pid), p.url]),
    ];
    const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
    const lines = rows.map(
      (row) =>
        `  ${row
          .map((cell, column) => cell.padEnd(widths[column] ?? 0))
          .join('  ')
          .trimEnd()}`,
    );
    const log = pattern.logFile === null ? '' : `, log ${pattern.logFile}`;
    const engine = pattern.engine === null ? '' : ` on engine ${pattern.engine}`;
    return [
      `${pattern.pattern}${engine}: ${pattern.phase}, supervisor pid ${pattern.supervisorPid}, since ${pattern.startedAt}${log}`,
      ...lines,
    ].join('\n');
  });
  const warnings = status.stale.map(
    (s) =>
      `${s.pattern}: its supervisor (pid ${s.supervisorPid}) is gone but pids ${s.leftoverPids.join(', ')} remain; ` +
      `\`pnpm lab down ${s.pattern}\` stops them`,
  );
  if (blocks.length === 0 && warnings.length === 0)
    return 'nothing is running (`pnpm lab up <pattern>` starts one)';
  return [...blocks, ...warnings].join('\n\n');
}
