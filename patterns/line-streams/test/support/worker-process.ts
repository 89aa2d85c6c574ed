import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort } from '@kvs-lab/shared/testing';

/** The pattern's folder: the workers' working directory. */
export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A real worker process (`src/main.ts` with ROLE=worker) on a free port, with the environment the lab
 * runner gives one; the tests and the benchmark both start theirs here. `kill()` is a SIGKILL (whatever it
 * held stays in the PEL), `start()` brings it back on the same port.
 */
export async function workerProcess(
  name: string,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const port = await findFreePort();
  return new ServiceProcess({
    name,
    port,
    cwd: packageDir,
    entry: path.join(packageDir, 'src/main.ts'),
    env: {
      SERVICE_NAME: name,
      ROLE: 'worker',
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_NODES: `streams-redis=${redisUrl}`,
      LOG_LEVEL: 'warn',
      // A test or bench runner that dies leaves no worker behind.
      LAB_PARENT_PID: String(process.pid),
      ...env,
    },
    readyTimeoutMs: 30_000,
  });
}
