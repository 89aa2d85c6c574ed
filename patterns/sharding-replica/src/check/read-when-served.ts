import { setTimeout as sleep } from 'node:timers/promises';
import { classifyInfrastructureError, isAppError } from '@kvs-lab/shared/service';

/** How often a refused read is asked again. */
const retryEveryMs = 200;

/**
 * A refusal for now: the shard answered 503 (nothing applied: a dead master not yet replaced, a cluster
 * slot without a master) or 504 (no answer in time: a paused master), or the client saw the same.
 * A failover ends it; any other error is about the read itself and is not asked again.
 */
function isForNow(error: unknown): boolean {
  if (isAppError(error)) return error.status === 503 || error.status === 504;
  return classifyInfrastructureError(error) !== undefined;
}

/**
 * Runs `read` until it is served or `untilMs` (a `performance.now()` time) passes: /check judges what a shard
 * holds, so a shard in the middle of a failover is waited for, not counted as a lost write. Past
 * `untilMs` the last refusal is thrown, and /check answers it (503 or 504) instead of a verdict.
 */
export async function readWhenServed<T>(read: () => Promise<T>, untilMs: number): Promise<T> {
  for (;;) {
    try {
      return await read();
    } catch (error) {
      if (!isForNow(error) || performance.now() + retryEveryMs > untilMs) throw error;
      await sleep(retryEveryMs);
    }
  }
}
