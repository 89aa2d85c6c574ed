import { spawn } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';

/**
 * A reaper is a tiny detached `sh` loop that outlives its parent: it polls
 * `watchPid` and, once that process is gone (even by SIGKILL, when no exit
 * handler can run), SIGKILLs every pid listed in `pidFile`. It is plain sh so it
 * costs a megabyte rather than a Node runtime, and needs no transpiler.
 */
const reaperScript = `
watch=$1; pidfile=$2; interval=$3; shift 3
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  read -r stat < "/proc/$1/stat" || return 0
  state=\${stat##*) }; state=\${state%% *}
  [ "$state" != Z ] && [ "$state" != X ]
}
while alive "$watch"; do sleep "$interval"; done
if [ -r "$pidfile" ]; then
  read -r pids < "$pidfile"
  for pid in $pids; do
    case $pid in ''|*[!0-9]*) continue ;; esac
    kill -CONT "$pid" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  done
  rm -f -- "$pidfile"
fi
for path in "$@"; do rm -rf -- "$path"; done
`;

export interface ReaperOptions {
  /** The process whose death triggers the reaping (a test worker, a lab supervisor). */
  readonly watchPid: number;
  /** One line of space-separated pids, kept current with writePidFile. */
  readonly pidFile: string;
  /** Files or folders to delete after the kill (temp dirs, a stale state file). */
  readonly removePaths?: readonly string[];
  readonly pollMs?: number;
}

/** Starts a reaper and returns its pid; it exits by itself after reaping. */
export function startReaper(options: ReaperOptions): number {
  const intervalSeconds = ((options.pollMs ?? 250) / 1000).toFixed(3);
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      reaperScript,
      'lab-reaper',
      String(options.watchPid),
      options.pidFile,
      intervalSeconds,
      ...(options.removePaths ?? []),
    ],
    // Its own session: Ctrl-C to the terminal's process group must not take it down before the others.
    { detached: true, stdio: 'ignore' },
  );
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the reaper (/bin/sh)');
  return child.pid;
}

/** Replaces the pid file atomically, so a reaper never reads half a line. */
export function writePidFile(file: string, pids: Iterable<number>): void {
  const temporary = `${file}.${process.pid}.tmp`;
  // Owner-only, like everything else the lab writes.
  writeFileSync(temporary, `${[...pids].join(' ')}\n`, { mode: 0o600 });
  renameSync(temporary, file);
}
