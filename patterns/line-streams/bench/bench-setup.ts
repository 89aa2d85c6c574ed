import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceProcess } from '@kvs-lab/shared/lab';
import { findFreePort } from '@kvs-lab/shared/testing';

export const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const rooms = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
export const members = ['alice', 'bob', 'carol'];

export const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** Two worker processes, as `pnpm lab up` runs them; none is left running if one fails to start. */
export async function startWorkers(redisUrl: string): Promise<ServiceProcess[]> {
  const workers: ServiceProcess[] = [];
  try {
    for (const name of ['worker-1', 'worker-2']) {
      const port = await findFreePort();
      const worker = new ServiceProcess({
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
          INBOX_MAX_LEN: '1000000',
          LAB_PARENT_PID: String(process.pid),
        },
        readyTimeoutMs: 30_000,
      });
      workers.push(worker);
      await worker.start();
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.kill()));
    throw error;
  }
  return workers;
}
