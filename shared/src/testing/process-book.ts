import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startReaper, writePidFile } from '../process/reaper.ts';

/**
 * The processes one test process started, in a temp root of their own. Three layers make sure none
 * outlives the test process: the caller's stop()/stopAll in afterAll, a process 'exit' hook for a normal
 * end, and a reaper (a detached watcher) for a worker that is killed outright (vitest's forks can be).
 * Created on first use, so a test that starts nothing leaves nothing behind.
 */
export class ProcessBook<Process extends { readonly pid: number | undefined }> {
  private state: { readonly rootDir: string; readonly pidFile: string } | undefined;
  readonly members = new Set<Process>();
  private readonly prefix: string;

  /** `prefix`: the temp root's name, e.g. `kvs-lab-redis-`. */
  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The temp root, made (with its reaper and exit hook) the first time it is asked for. */
  get rootDir(): string {
    if (this.state) return this.state.rootDir;
    const rootDir = mkdtempSync(path.join(tmpdir(), this.prefix));
    const pidFile = path.join(rootDir, 'pids');
    this.state = { rootDir, pidFile };
    writePidFile(pidFile, []);
    startReaper({ watchPid: process.pid, pidFile, removePaths: [rootDir] });
    process.once('exit', () => this.killAllNow());
    return rootDir;
  }

  get isStarted(): boolean {
    return this.state !== undefined;
  }

  /** Call on every spawn and exit, so the reaper always sees each live pid. */
  readonly syncPidFile = (): void => {
    if (this.state) writePidFile(this.state.pidFile, this.livePids());
  };

  private livePids(): number[] {
    return [...this.members].flatMap((member) => (member.pid === undefined ? [] : [member.pid]));
  }

  /** Synchronous on purpose: it runs from process 'exit', where nothing async completes. */
  private killAllNow(): void {
    if (!this.state) return;
    for (const pid of this.livePids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(this.state.rootDir, { recursive: true, force: true });
  }
}
