import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '@kvs-lab/shared/testing';

const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface NodeProcess {
  readonly url: string;
  readonly respPort: number;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
  /** Starts again on the same ports and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

/**
 * The real service as a child process (`node --import tsx src/main.ts`), so a
 * test can SIGKILL it mid-write exactly as a crash would, and start it again.
 */
export async function startNodeProcess(env: Record<string, string>): Promise<NodeProcess> {
  const port = await findFreePort();
  const respPort = await findFreePort();
  let child: ChildProcess | undefined;
  let log = '';
  const url = `http://127.0.0.1:${port}`;

  const start = async (): Promise<void> => {
    const started = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: patternDir,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        PORT_RESP: String(respPort),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    started.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null) throw new Error(`service exited with ${started.exitCode}: ${log}`);
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`service did not start within 60 s: ${log}`);
  };

  const exit = (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      current.once('exit', () => resolve());
      current.kill(signal);
    });
  };

  await start();
  return {
    url,
    respPort,
    kill: () => exit('SIGKILL'),
    restart: async () => {
      await exit('SIGKILL');
      await start();
    },
    stop: () => exit('SIGTERM'),
    output: () => log,
  };
}
