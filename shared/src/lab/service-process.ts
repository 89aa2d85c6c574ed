import http from 'node:http';
import { ManagedProcess, type ProcessExit } from '../process/managed-process.ts';

export interface ServiceProcessOptions {
  readonly name: string;
  readonly port: number;
  /** The pattern's package dir. */
  readonly cwd: string;
  /** Absolute path of the TypeScript entry point. */
  readonly entry: string;
  /** On top of the runner's own environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly readyTimeoutMs: number;
  readonly onOutput?: (line: string) => void;
  readonly onSpawn?: (pid: number) => void;
  readonly onExit?: (exit: ProcessExit) => void;
}

/** tsx as an absolute URL, so a pattern package need not depend on it to be started. */
export function tsxLoaderUrl(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

/** GET /healthz answered 200 (no keep-alive: a restarted service must not meet a stale socket). */
export function answersHealthz(port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: timeoutMs },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * One service instance: `node --import tsx <entry>` in its package dir, ready
 * once /healthz answers; restart() starts it again with the very same env.
 */
export class ServiceProcess extends ManagedProcess {
  readonly options: ServiceProcessOptions;

  constructor(options: ServiceProcessOptions) {
    super({
      label: `service ${options.name} (port ${options.port})`,
      command: () => process.execPath,
      args: ['--import', tsxLoaderUrl(), options.entry],
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      detached: true,
      isReady: () => answersHealthz(options.port),
      readyTimeoutMs: options.readyTimeoutMs,
      // The service kit gives its own graceful shutdown 5 s before it exits by itself.
      stopGraceMs: 7_000,
      onOutput: options.onOutput,
      onSpawn: options.onSpawn,
      onExit: options.onExit,
    });
    this.options = options;
  }
}
