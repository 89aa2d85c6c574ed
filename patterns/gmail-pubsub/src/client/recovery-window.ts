import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { keys } from '../store/keys.ts';

/**
 * "Beyond the recovery window", as a condition rather than a sleep: resolves once
 * Redis no longer holds the dropped socket's saved session, the moment from which
 * socket.io cannot recover it. The server saves the session when it notices the drop
 * and Redis expires it after `maxDisconnectionDuration`, so this waits for both, each
 * within what is left of `timeoutMs`. No session id: the engine offers no recovery
 * and there is nothing to wait for.
 */
export function sessionGone(
  redisUrl: string,
  timeoutMs: number,
): (recoverySessionId: string | undefined) => Promise<void> {
  return async (recoverySessionId) => {
    if (recoverySessionId === undefined) return;
    const key = `${keys.adapterSessionPrefix}${recoverySessionId}`;
    const deadline = Date.now() + timeoutMs;
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const until = async (exists: boolean, what: string) => {
      while (((await redis.exists(key)) === 1) !== exists) {
        if (Date.now() > deadline)
          throw new Error(`the recovery session ${recoverySessionId} was not ${what} within ${timeoutMs} ms`);
        await sleep(50);
      }
    };
    try {
      await until(true, 'saved by the server');
      await until(false, 'expired by Redis (is RECOVERY_MAX_DISCONNECTION_MS below the wait?)');
    } finally {
      redis.disconnect();
    }
  };
}
