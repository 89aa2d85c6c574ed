import { runLoad } from '@kvs-lab/shared/bench';
import type { LoadResult } from '@kvs-lab/shared/bench';
import type { ServiceProcess } from '@kvs-lab/shared/lab';
import { workerProcess } from '../test/support/worker-process.ts';

export const rooms = Array.from({ length: 20 }, (_, i) => `bench-${i}`);
export const members = ['alice', 'bob', 'carol'];

export const percentile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/** alice sends to every bench room in turn, at full speed, through the API's send route. */
export function sendLoad(apiUrl: string, durationSeconds: number): Promise<LoadResult> {
  return runLoad({
    url: apiUrl,
    durationSeconds,
    requests: rooms.map((room) => ({
      method: 'POST',
      path: `/rooms/${room}/messages`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ senderId: 'alice', text: 'bench message' }),
    })),
  });
}

/** Two worker processes, as `pnpm lab up` runs them; none is left running if one fails to start. */
export async function startWorkers(redisUrl: string): Promise<ServiceProcess[]> {
  const workers: ServiceProcess[] = [];
  try {
    for (const name of ['worker-1', 'worker-2']) {
      const worker = await workerProcess(name, redisUrl, { INBOX_MAX_LEN: '1000000' });
      workers.push(worker);
      await worker.start();
    }
  } catch (error) {
    await Promise.all(workers.map((w) => w.kill()));
    throw error;
  }
  return workers;
}
