/**
 * Every Redis key of this pattern. Redis is only the shared L2 cache: one
 * hash per cached key, under an epoch that changes whenever an invalidation
 * could not be written, so an entry that might be stale is never read again.
 */
export const keys = {
  /** The store's key is bytes (a byte string), so the Redis key is bytes too: the exact bytes after the prefix. */
  cacheEntry: (epoch: string, key: string): Buffer =>
    Buffer.concat([Buffer.from(`lab:bloom-sstable:cache:${epoch}:`), Buffer.from(key, 'latin1')]),
} as const;
