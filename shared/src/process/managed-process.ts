import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcessOptions {
  /** Used in error messages, e.g. `redis-server on port 7010`. */
  readonly label: string;
  /** Resolved at every start, so a missing binary fails with its own message each time. */
  readonly command: () => string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Own process group: a Ctrl-C to the terminal then reaches only the parent,
   * which stops things in order, instead of every child at once.
   */
  readonly detached?: boolean;
  /** Resolves true once this very process (the pid) serves; polled until readyTimeoutMs. */
  readonly isReady: (pid: number) => Promise<boolean>;
  readonly readyTimeoutMs: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  readonly stopGraceMs?: number;
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Right after each spawn, before readiness: lets a caller record the pid at once. */
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (exit: ProcessExit) => void;
}

export type ProcessStartFailure = 'exited' | 'timeout';

/** The process did not become ready; the message ends with its last output lines. */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  readonly reason: ProcessStartFailure;
  readonly outputTail: readonly string[];
  constructor(reason: ProcessStartFailure, message: string, outputTail: readonly string[]) {
    super(outputTail.length > 0 ? `${message}; its last output:\n${outputTail.join('\n')}` : message);
    this.reason = reason;
    this.outputTail = outputTail;
  }
}

const outputTailLines = 30;
const readyPollMs = 25;

/**
 * One long-lived child process through any number of kills and restarts, with
 * the faults the lab injects: SIGKILL (crash), SIGSTOP/SIGCONT (a frozen process),
 * and a clean stop. Redis nodes and lab services are both driven through it.
 */
export class ManagedProcess {
  readonly #options: ManagedProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<ProcessExit> = Promise.resolve({ pid: 0, code: null, signal: null });
  #isRunning = false;
  #isPaused = false;
  readonly #tail: string[] = [];

  constructor(options: ManagedProcessOptions) {
    this.#options = options;
  }

  /** The current pid; undefined while not running. */
  get pid(): number | undefined {
    return this.#isRunning ? this.#child?.pid : undefined;
  }

  get isRunning(): boolean {
    return this.#isRunning;
  }

  get isPaused(): boolean {
    return this.#isRunning && this.#isPaused;
  }

  /** The last lines it printed, for error messages. */
  outputTail(): readonly string[] {
    return [...this.#tail];
  }

  /** Spawns and resolves once isReady says so; rejects with ProcessStartError (and leaves nothing running). */
  async start(): Promise<void> {
    if (this.#isRunning) throw new Error(`${this.#options.label} is already running`);
    const command = this.#options.command();
    const child = spawn(command, this.#options.args, {
      cwd: this.#options.cwd,
      env: this.#options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.#options.detached ?? false,
    });
    this.#child = child;
    this.#isPaused = false;
    this.#tail.length = 0;
    this.#exited = this.#trackExit(child);
    this.#readLines(child);
    const { pid } = child;
    if (pid === undefined) {
      await this.#exited;
      throw new ProcessStartError('exited', `could not spawn ${command}`, this.outputTail());
    }
    this.#isRunning = true;
    this.#options.onSpawn?.(pid);
    await this.#waitUntilReady(child, pid);
  }

  /** SIGKILL: no shutdown code runs, like a machine losing power. Resolves once it is gone. */
  async kill(): Promise<void> {
    if (!this.#isRunning) return;
    this.#child?.kill('SIGKILL');
    await this.#exited;
  }

  /** SIGTERM, then SIGKILL if it is still there after the grace period. Resolves once it is gone. */
  async stop(graceMs = this.#options.stopGraceMs ?? 5_000): Promise<void> {
    if (!this.#isRunning) return;
    const child = this.#child;
    child?.kill('SIGTERM');
    // A stopped process only acts on SIGTERM once continued.
    if (this.#isPaused) child?.kill('SIGCONT');
    const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** SIGSTOP: its sockets stay open but nothing answers, like a long GC pause or a frozen VM. */
  pause(): void {
    if (!this.#isRunning) throw new Error(`${this.#options.label} is not running`);
    this.#child?.kill('SIGSTOP');
    this.#isPaused = true;
  }

  resume(): void {
    if (!this.#isRunning) throw new Error(`${this.#options.label} is not running`);
    this.#child?.kill('SIGCONT');
    this.#isPaused = false;
  }

  /** Stops it if it runs, then starts it again with the same command, args, dir and env. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  #trackExit(child: ChildProcess): Promise<ProcessExit> {
    return new Promise((resolve) => {
      let isDone = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (isDone) return;
        isDone = true;
        if (this.#child === child) this.#isRunning = false;
        const exit: ProcessExit = { pid: child.pid ?? 0, code, signal };
        this.#options.onExit?.(exit);
        resolve(exit);
      };
      child.once('exit', finish);
      child.once('error', (error) => {
        this.#remember(`spawn failed: ${error.message}`);
        finish(null, null);
      });
    });
  }

  #readLines(child: ChildProcess): void {
    const streams = [
      [child.stdout, 'stdout'],
      [child.stderr, 'stderr'],
    ] as const;
    for (const [stream, name] of streams) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.#remember(line);
        this.#options.onOutput?.(line, name);
      });
    }
  }

  #remember(line: string): void {
    this.#tail.push(line);
    if (this.#tail.length > outputTailLines) this.#tail.shift();
  }

  async #waitUntilReady(child: ChildProcess, pid: number): Promise<void> {
    const { label, readyTimeoutMs } = this.#options;
    const deadline = performance.now() + readyTimeoutMs;
    for (;;) {
      if (this.#child !== child || !this.#isRunning) {
        const exit = await this.#exited;
        // 'exit' can come before the last lines (often the reason) have been read.
        await Promise.race([once(child, 'close'), sleep(200)]);
        const how = exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
        throw new ProcessStartError('exited', `${label} exited during start-up (${how})`, this.outputTail());
      }
      if (await this.#options.isReady(pid)) return;
      if (performance.now() >= deadline) {
        await this.kill();
        throw new ProcessStartError(
          'timeout',
          `${label} was not ready within ${readyTimeoutMs} ms`,
          this.outputTail(),
        );
      }
      await sleep(readyPollMs);
    }
  }
}
