import { AppError } from './app-error.ts';

/**
 * Turns an error thrown by the Redis client (ioredis) into what it means for
 * the caller. Recognised by message and name so the service kit does not
 * depend on ioredis itself.
 *
 * - never sent (offline, link cut): 503, nothing applied
 * - refused by the server for now (CLUSTERDOWN, LOADING, MASTERDOWN): 503, nothing applied
 * - sent but no answer (timeout, connection dropped mid-command): 504, may have happened
 *
 * Any other error reply (WRONGTYPE, a script's own error) is about the request's data: the caller's.
 */
export function classifyInfrastructureError(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  if (/Command timed out/i.test(message)) {
    return new AppError('REDIS_TIMEOUT', 'A Redis command timed out; it may or may not have been applied.', {
      cause: error,
    });
  }
  if (
    /Stream isn't writeable|enableOfflineQueue|ECONNREFUSED|connect ETIMEDOUT|Connection is closed\.?$/i.test(
      message,
    )
  ) {
    // ioredis rejects with these before writing the command when the socket is not usable.
    return new AppError('REDIS_UNAVAILABLE', 'A Redis node this request needs is unreachable.', {
      cause: error,
    });
  }
  const refusal = /^(CLUSTERDOWN|LOADING|MASTERDOWN)\b/.exec(message);
  if (refusal) {
    // The server answered, and refused before running anything: a cluster that cannot serve the slot,
    // a dataset still loading after a restart, a replica cut from its master. Nothing was applied.
    return new AppError('REDIS_UNAVAILABLE', `A Redis node refused the command for now (${refusal[1]}).`, {
      cause: error,
    });
  }
  if (
    error.name === 'MaxRetriesPerRequestError' ||
    /max retries per request|Command aborted due to connection close/i.test(message)
  ) {
    // The connection dropped with the command in flight: the server may have executed it.
    return new AppError(
      'REDIS_TIMEOUT',
      'The connection to Redis dropped mid-command; the outcome is unknown.',
      {
        cause: error,
      },
    );
  }
  return undefined;
}
