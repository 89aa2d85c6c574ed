import type { RedisOptions } from 'ioredis';

/**
 * ioredis configured to fail fast. With its defaults a command to a killed
 * node fails only after about 74 s and one to a paused (SIGSTOP) node never
 * fails (see FIELD_NOTES.md); a lab that teaches failure must see it at once.
 */
export function failFastOptions(
  address: { host: string; port: number },
  commandTimeoutMs = 200,
): RedisOptions {
  return {
    host: address.host,
    port: address.port,
    // Commands while disconnected fail immediately instead of queueing for a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 200,
    commandTimeout: commandTimeoutMs,
    // Keep reconnecting forever, quickly at first and never slower than every 500 ms, so a restarted node is seen fast.
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
    lazyConnect: false,
  };
}

/** For blocking commands (XREAD BLOCK, BLPOP): commandTimeout would cut them, so none here. */
export function blockingOptions(address: { host: string; port: number }): RedisOptions {
  const { commandTimeout: _omit, ...rest } = failFastOptions(address);
  return rest;
}
