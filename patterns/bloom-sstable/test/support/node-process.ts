import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort } from '@kvs-lab/shared/testing';

const patternDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface NodeProcess {
  readonly url: string;
  readonly respPort: number;
  /** SIGKILL, resolved once the process has exited. */
  kill(): Promise<void>;
  /** Starts again on the same ports, env and data directory (after a kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The real service as a child process (the kit's ServiceProcess: `node --import tsx src/main.ts`),
 * so a test can SIGKILL it mid-write exactly as a crash would, and start it again.
 */
export async function startNodeProcess(env: Record<string, string>): Promise<NodeProcess> {
  const port = await findFreePort();
  const respPort = await findFreePort();
  const child = new ServiceProcess({
    name: 'lsm-node',
    port,
    cwd: patternDir,
    entry: path.join(patternDir, 'src', 'main.ts'),
    // LAB_PARENT_PID: the service exits by itself if this test process dies first.
    env: {
      LAB_PARENT_PID: String(process.pid),
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      PORT_RESP: String(respPort),
      ...env,
    },
    // A loaded 2-core CI machine can take long to start tsx.
    readyTimeoutMs: 60_000,
  });
  await child.start();
  return {
    url: `http://127.0.0.1:${port}`,
    respPort,
    kill: () => child.kill(),
    restart: () => child.restart(),
    stop: () => child.stop(),
  };
}
